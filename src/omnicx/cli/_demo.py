"""``omnicx demo``: run the sample week through a desk and show what omnicx did."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import textwrap
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from omnicx.cli import _human
from omnicx.cli._metrics import metrics_table
from omnicx.desk import Desk, ListenReport
from omnicx.desk._demo import DemoRun, demo_desk, run_sample
from omnicx.desk._demo_kb import SelfServiceRun, run_self_service
from omnicx.desk._listen_demo import demo_listening
from omnicx.desk._public_demo import PublicToDm, run_public_to_dm
from omnicx.desk._voice_demo import PhoneScene, run_phone_scene
from omnicx.errors import ValidationError
from omnicx.metrics import Summary, compute_metrics, handoff_metrics
from omnicx.model import (
    Assigned,
    AuthorKind,
    CallEvent,
    ConversationCreated,
    CustomEvent,
    DetailsChanged,
    Direction,
    Event,
    MessageEvent,
    NoteEvent,
    OrderEvent,
    PriorityChanged,
    QueueChanged,
    Status,
    StatusChanged,
    SurveyResponse,
    TagsChanged,
)
from omnicx.routing import RoutingContext
from omnicx.storage import InboxFilter, SqliteStore

_COLOURS = {"title": "1;36", "bad": "1;31", "good": "32", "dim": "2", "warn": "33"}


def register(subparsers: Any) -> None:
    """Add ``omnicx demo`` to the command line."""
    parser = subparsers.add_parser(
        "demo",
        help="run a sample week of multi-channel support through omnicx",
        description="Ingest a bundled week of email, SMS, WhatsApp, Instagram and web chat "
        "messages into a desk on SQLite and show profiles, a timeline, routing, SLAs "
        "and metrics.",
    )
    parser.add_argument("--db", type=Path, help="keep the SQLite database at this path")
    parser.add_argument(
        "--colour", choices=("auto", "always", "never"), default="auto", help="colour output"
    )
    parser.set_defaults(handler=_run, database="db")


def _run(args: argparse.Namespace) -> int:
    out = sys.stdout
    colour = args.colour == "always" or (
        args.colour == "auto" and out.isatty() and "NO_COLOR" not in os.environ
    )
    if args.db is not None:
        _check_new_database(args.db)
    with tempfile.TemporaryDirectory() as scratch:
        path = args.db or Path(scratch) / "omnicx-demo.sqlite3"
        with SqliteStore(path) as store:
            desk = demo_desk(store)
            run = run_sample(desk)
            Report(out, colour).show(desk, run)
            Report(out, colour).self_service(run_self_service(store))
            Report(out, colour).listening(demo_listening(store))
            Report(out, colour).phone(run_phone_scene(desk))
        if args.db is not None:
            print(f"\nThe desk's data is kept in {path}.", file=out)
    return 0


def _check_new_database(path: Path) -> None:
    """The demo writes a fresh database: refuse to touch an existing path."""
    if path.exists() or path.is_symlink():
        raise ValidationError.single(str(path), "already exists; pass a new path")
    parent = path.parent
    if not parent.is_dir():
        raise ValidationError.single(
            str(path), f"can't create the database: {parent} is not a directory"
        )


class Report:
    """Writes the demo's sections as readable terminal text."""

    def __init__(self, out: TextIO, colour: bool) -> None:
        self.out = out
        self.colour = colour

    def paint(self, text: str, style: str) -> str:
        """Wrap ``text`` in an ANSI colour when colour is on."""
        return f"\x1b[{_COLOURS[style]}m{text}\x1b[0m" if self.colour else text

    def title(self, text: str) -> None:
        """Print a section title."""
        print(f"\n{self.paint(text, 'title')}\n{'=' * len(text)}", file=self.out)

    def table(self, rows: Sequence[Sequence[str]], wrap: int | None = None) -> None:
        """Print rows aligned in columns within 100 columns; the first row is the header.

        ``wrap`` names a free-text column whose cells wrap when the table is too wide.
        """
        for n, line in enumerate(_human.table(rows, wrap=wrap)):
            print(self.paint(line, "dim") if n == 0 else line, file=self.out)

    def say(self, text: str) -> None:
        """Print a sentence, wrapped at 100 columns."""
        print(textwrap.fill(text, _human.WIDTH, break_on_hyphens=False), file=self.out)

    def show(self, desk: Desk, run: DemoRun) -> None:
        """Print every section."""
        self.profiles(desk, run)
        self.timeline(desk, run.customers["maya"], "Maya Chen")
        self.routing(desk, run)
        self.assignment(desk, run)
        self.bot(desk, run)
        self.inbox(desk)
        self.scheduled(desk, run)
        self.sla(desk, run)
        self.metrics(desk, run)
        self.public_to_dm(run_public_to_dm())

    def profiles(self, desk: Desk, run: DemoRun) -> None:
        """Customers with their identifiers, and every merge with its evidence."""
        self.title("Customer profiles (one per person, across channels)")
        rows = [["customer", "name", "identifiers"]]
        for who, customer_id in run.customers.items():
            customer = desk.customer(customer_id)
            ids = ", ".join(_identifier(i) for i in customer.identifiers)
            rows.append([customer.id, customer.name or who, ids])
        self.table(rows, wrap=2)
        for customer_id in sorted(set(run.customers.values())):
            profile = desk.store.profile(customer_id)
            for merge_id in profile.merge_ids if profile else ():
                record = desk.store.merge(merge_id)
                if record is None:
                    continue
                evidence = ", ".join(_identifier(i) for i in record.evidence)
                self.say(
                    f"merged {record.absorbed_id} into {record.survivor_id} "
                    f"({record.id}, undoable) on evidence: {evidence}"
                )

    def timeline(self, desk: Desk, customer_id: str, name: str) -> None:
        """One customer's unified timeline."""
        self.title(f"Timeline of {name} (all channels, one story)")
        rows = [["when (UTC)", "conversation", "what"]]
        for event in desk.timeline(customer_id):
            rows.append([_when(event.at), event.conversation_id or "-", _describe(event)])
        self.table(rows, wrap=2)

    def routing(self, desk: Desk, run: DemoRun) -> None:
        """Each inbound message's routing decision, and one explain trace."""
        self.title("Routing decisions")
        rows = [["received (UTC)", "channel", "customer", "conv", "thread", "rule", "queue",
                 "priority"]]  # fmt: skip
        for delivery, receipt in run.inbound:
            rows.append([
                _when(delivery.at), delivery.adapter, receipt.customer_id, receipt.conversation_id,
                receipt.thread_reason or "-", ",".join(receipt.fired) or "-",
                receipt.queue or "-", receipt.priority,
            ])  # fmt: skip
        self.table(rows)
        if desk.rules is None:
            return
        delivery, receipt = next(
            (d, r) for d, r in run.inbound if r.fired and r.fired[0] == "refund"
        )
        events = desk.store.events(conversation_id=receipt.conversation_id)
        message = next(e.message for e in events if isinstance(e, MessageEvent))
        context = RoutingContext(
            now=delivery.at, message=message, customer=desk.customer(receipt.customer_id)
        )
        print(f"\nWhy {receipt.conversation_id} went to {receipt.queue}:", file=self.out)
        print(str(desk.rules.explain(context)), file=self.out)

    def assignment(self, desk: Desk, run: DemoRun) -> None:
        """Routed work offered to agents by the desk, and what each agent carries now."""
        if desk.assignment is None:
            return
        self.title("Automatic assignment (online agents, their queues, capacity)")
        assigned = sorted(
            (event.at, event.conversation_id or "-", event.queue or "-", event.assignee)
            for customer_id in sorted(set(run.customers.values()))
            for event in desk.timeline(customer_id)
            if isinstance(event, Assigned) and event.assignee
            and event.assignee != event.previous and _automatic(event)
        )  # fmt: skip
        rows = [["when (UTC)", "conversation", "queue", "assigned to"]]
        rows += [[_when(at), cid, queue, agent] for at, cid, queue, agent in assigned]
        self.table(rows)
        rows = [["agent", "queues", "load", "carrying"]]
        for record in desk.agents():
            agent = record.agent
            limit = desk.assignment.limit(agent)
            rows.append([agent.id, ",".join(sorted(agent.queues)), f"{record.load}/{limit}",
                         ", ".join(sorted(record.holding)) or "-"])  # fmt: skip
        print(file=self.out)
        self.table(rows)

    def bot(self, desk: Desk, run: DemoRun) -> None:
        """A bot answering a chat, then handing it to a person with the transcript."""
        scene = run.bot
        if scene is None:
            return
        self.title("A bot hands over to a person, with the transcript")
        handoff = scene.handoff
        name = desk.customer(scene.customer_id).name or scene.customer_id
        self.say(f"{name} wrote on chat from the returns page; rule returns-bot gave "
                 f"{scene.conversation_id} to {handoff.bot}. After {handoff.turns} bot "
                 f"replies the customer asked for a person ({handoff.reason.value}).")  # fmt: skip
        rows = [["when (UTC)", "who", "said"]]
        for line in handoff.transcript.lines:
            who = name if line.author.kind is AuthorKind.CUSTOMER else line.author.id or "bot"
            rows.append([_when(line.at), who, line.text])
        self.table(rows, wrap=2)
        record = desk.conversation(scene.conversation_id).conversation
        tags = ",".join(sorted(handoff.tags)) or "-"
        print(f"handed off {_when(handoff.at)} to queue {handoff.queue}, +{tags}, "
              f"{record.status.value}, agent: {record.assignee or 'none free yet'}",
              file=self.out)  # fmt: skip
        report = desk.sla_report(scene.conversation_id)
        first = [t for t in report.targets if t.metric.value == "first_reply"] if report else []
        if first:
            due = _when(first[0].due) if first[0].due else "-"
            print(f"first reply clock from the handoff: {first[0].state.value}, due {due}; "
                  "bot replies meet no target", file=self.out)  # fmt: skip
        figures = handoff_metrics(desk.store.events(conversation_id=scene.conversation_id))
        print(f"bot metrics: handoff rate {figures.handoff_rate.part}/"
              f"{figures.bot_conversations}, time to handoff "
              f"{_human.duration(figures.time_to_handoff.median)}", file=self.out)  # fmt: skip

    def inbox(self, desk: Desk) -> None:
        """The open work as an agent's inbox lists it, with the badges per queue."""
        open_work = InboxFilter(status={Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD})
        self.title("Inbox: open work, most urgent then oldest (desk.inbox)")
        rows = [["conversation", "queue", "priority", "status", "assignee", "created", "tags"]]
        for record in desk.inbox(open_work).records:
            c = record.conversation
            rows.append([c.id, c.queue or "-", c.priority.value, c.status.value,
                         c.assignee or "-", _when(c.created_at),
                         ",".join(sorted(c.tags)) or "-"])  # fmt: skip
        self.table(rows)
        counts = desk.inbox_counts(open_work).by_queue
        badges = ", ".join(f"{queue or 'no queue'} {n}" for queue, n in sorted(
            counts.items(), key=lambda item: item[0] or ""))  # fmt: skip
        print(f"badges: {badges}", file=self.out)
        found = desk.search("refund")
        print(f'search "refund": {", ".join(r.id for r in found) or "nothing"}', file=self.out)

    def scheduled(self, desk: Desk, run: DemoRun) -> None:
        """What ``Desk.tick`` did at the demo's "now", with no new message."""
        self.title(f"Scheduled work: desk.tick() at {_when(desk.clock.now())}, no new message")
        report = run.ticked
        rows = [["due at (UTC)", "conversation", "what"]]
        for event in report.events if report is not None else ():
            rows.append([_when(event.at), event.conversation_id or "-", _describe(event)])
        self.table(rows, wrap=2)
        sent = len(report.outbox) if report is not None else 0
        print(f"outbox: {sent} item(s) for the host to send", file=self.out)

    def sla(self, desk: Desk, run: DemoRun) -> None:
        """Every conversation's SLA clocks at the demo's "now"."""
        self.title(f"SLA clocks at {_when(desk.clock.now())}")
        # The demo's policies run on business hours: what is left is business time.
        rows = [["conversation", "policy", "target", "state", "due", "left (business hours)"]]
        for conversation_id in sorted(set(run.conversations.values())):
            report = desk.sla_report(conversation_id)
            if report is None:
                continue
            for target in report.targets:
                if target.target is None:
                    continue
                state = target.state.value
                style = {"breached": "bad", "achieved": "good", "warned": "warn"}.get(state)
                remaining = target.remaining
                left = "-" if remaining is None else _human.duration(remaining, days=False)
                rows.append([
                    conversation_id, target.policy or "-", target.metric.value,
                    self.paint(state, style) if style else state,
                    _when(target.due) if target.due else "-", left,
                ])  # fmt: skip
        self.table(rows)

    def listening(self, report: ListenReport) -> None:
        """Print the listening section: a spike of public mentions that opened a case."""
        self.title("Listening: public mentions that warn before the crisis")
        self.say("A calm week of public posts about the shop, then 36 posts in an hour "
                 "saying checkout is down. The alert rules open a case for the web team.")  # fmt: skip
        for line in _listening_lines(report):
            self.say(line)

    def metrics(self, desk: Desk, run: DemoRun) -> None:
        """The week's metrics by channel (durations are medians)."""
        self.title("Metrics by channel (durations are medians)")
        events: list[Event] = []
        for customer_id in sorted(set(run.customers.values())):
            events.extend(desk.timeline(customer_id))
        report = compute_metrics(events, now=desk.clock.now(), by=("channel",))
        print("\n".join(metrics_table(report)), file=self.out)

    def self_service(self, run: SelfServiceRun) -> None:
        """A question deflected by an article, a suggestion to an agent, and the figures."""
        self.title("Self-service: a deflected question and an agent's suggestions")
        receipt = run.deflected
        offered = ", ".join(f"{a.id} (confidence {a.confidence:.2f})" for a in receipt.offered)
        self.say(f"{receipt.conversation_id} (web chat) asked about a refund; the rule "
                 f"{','.join(receipt.fired)} offered {offered}. The auto-reply:")  # fmt: skip
        for item in receipt.outbox:
            for line in item.text.splitlines():
                print(f"  | {line}".rstrip(), file=self.out)
        self.say(f"The customer said it answered the question: {run.rated.conversation_id} "
                 f"is {run.rated.status}, with no agent involved.")  # fmt: skip
        print(file=self.out)
        self.say(f'An agent reading "{run.question}" sees (internal articles too):')
        rows = [["article", "score", "confidence", "passage"]]
        for s in run.suggestions:
            rows.append([s.article.id, f"{s.score:.2f}", f"{s.confidence:.2f}", s.passage])
        self.table(rows, wrap=3)
        r = run.report
        print(file=self.out)
        self.say(f"deflection rate {_share(r.deflection_rate.value)} "
                 f"({r.deflected} of {r.questions} questions); searches with no result "
                 f"{_share(r.no_result_rate.value)} ({r.no_result_searches} of {r.searches})")  # fmt: skip
        rows = [["article", "offered", "used by agents", "helpful"]]
        for a in r.articles:
            rows.append([a.id, str(a.offered), str(a.used),
                         f"{a.helpful}/{a.helpful + a.not_helpful}"])  # fmt: skip
        self.table(rows)
        gaps = ", ".join(f'"{g.query}" x{g.searches}' for g in r.content_gaps) or "none"
        print(f"content gaps (searches that found nothing): {gaps}", file=self.out)

    def public_to_dm(self, public: PublicToDm) -> None:
        """A public Facebook comment answered under the post and by moving to DM."""
        self.title("Public comment answered by moving to DM (Facebook comment -> Messenger)")
        comment, answer = public.comment, public.answer
        self.say(f"A negative public comment opened {comment.conversation_id} "
                 f"(rule {','.join(comment.fired)}: queue {comment.queue}, "
                 f"{comment.priority}). The agent replied under it and sent one private "
                 "reply to the comment (Meta: one message, within 7 days of it):")  # fmt: skip
        for label, request in (("public", public.public_reply), ("private", public.private_reply)):
            print(f"  {label:<8} {request.method} {request.url}", file=self.out)
        self.say(f"The customer answered on Messenger: same customer ({answer.customer_id}), "
                 f"same conversation ({answer.conversation_id}, {answer.thread_reason}).")  # fmt: skip
        rows = [["when (UTC)", "channel", "visibility", "who", "text"]]
        for event in public.timeline:
            if isinstance(event, MessageEvent):
                message = event.message
                who = "customer" if message.author.kind is AuthorKind.CUSTOMER else "agent"
                rows.append([_when(event.at), message.channel.name, message.visibility.value,
                             who, message.text])  # fmt: skip
        self.table(rows, wrap=4)

    def phone(self, scene: PhoneScene) -> None:
        """A missed call turned into a callback task, on the timeline next to the texts."""
        self.title("The customer calls: a missed call becomes a callback task")
        missed, task = scene.missed, scene.missed.receipt
        where = "-" if task is None else f"queue {task.queue}, {task.priority}, {task.status}"
        self.say(f"Tom Becker called the shop on Sunday evening and nobody picked up. His "
                 f"number found his profile ({missed.customer_id}), so the call sits next to "
                 f"his text and chat; it became callback task {missed.conversation_id} "
                 f"({where}). Anna called back, talked for four minutes and wrapped up.")  # fmt: skip
        rows = [["when (UTC)", "conversation", "what"]]
        for event in scene.timeline:
            if isinstance(event, MessageEvent) and event.message.direction is Direction.INBOUND:
                text = _human.shorten(event.message.text or "", 60)
                rows.append([_when(event.at), event.conversation_id or "-",
                             f"<- {event.message.channel.name}: {text}"])  # fmt: skip
            elif isinstance(event, CallEvent) and event.status is not None:
                rows.append([_when(event.at), event.conversation_id or "-",
                             f"call {event.direction.value} {event.status.value}"])  # fmt: skip
        self.table(rows, wrap=2)
        calls = scene.calls
        self.say(f"calls: {calls.inbound} in, {calls.outbound} out; missed {_share(calls.missed.value)},"
                 f" called back {_share(calls.called_back.value)}; callback time "
                 f"{_median(calls.callback_time)}, talk time {_median(calls.talk_time)}, "
                 f"after-call work {_median(calls.after_call_work)}")  # fmt: skip


def _median(summary: Summary) -> str:
    return _human.duration(summary.median)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _listening_lines(report: ListenReport) -> list[str]:
    """The listening section: each alert, what the rules did, the case it opened."""
    lines = []
    for outcome in report.alerts:
        alert = outcome.alert
        lines.append(f"{alert.kind.value} on {alert.topic!r} ({alert.severity}): {alert.reason}")
        did = (
            f"rule {', '.join(outcome.fired) or 'none'}; notify {', '.join(outcome.notify) or '-'}"
        )
        if outcome.case is not None:
            did += f"; opened case {outcome.conversation_id} in {outcome.case.queue}"
            did += f" with {len(alert.posts)} driving posts attached"
        lines.append(f"  -> {did}")
    return lines


def _identifier(identifier: Any) -> str:
    label = identifier.kind.value
    if identifier.namespace:
        label = identifier.namespace
    return f"{label}:{identifier.value}"


def _when(at: datetime) -> str:
    return _human.when(at)


def _details(event: DetailsChanged) -> str:
    parts = [f"skills {','.join(sorted(event.skills)) or '-'}"] if event.skills is not None else []
    parts += [f"{name} {value}" for name, value in (("language", event.language),
              ("sla policy", event.sla_policy)) if value is not None]  # fmt: skip
    parts += [f"{name}={value}" for name, value in sorted(event.fields.items())]
    return "details " + ", ".join(parts)


def _describe(event: Event) -> str:
    if isinstance(event, MessageEvent):
        message = event.message
        arrow = "<-" if message.direction.value == "inbound" else "->"
        who = message.author.id or message.author.kind.value
        return f"{arrow} {message.channel.name} {who}: {_human.shorten(message.text, 48)}"
    if isinstance(event, StatusChanged):
        previous = event.previous.value if event.previous else "-"
        return f"status {previous} -> {event.status.value}"
    if isinstance(event, SurveyResponse):
        return f"{event.survey.value} answer {event.score}/{event.scale_max}"
    if isinstance(event, NoteEvent):
        return f"note: {_human.shorten(event.text, 48)}"
    if isinstance(event, Assigned) and event.queue is None:
        return f"assigned to agent {event.assignee}" if event.assignee else "unassigned"
    if isinstance(event, Assigned):
        return f"routed to queue {event.queue}" + (
            f", agent {event.assignee}" if event.assignee else ""
        )
    if isinstance(event, QueueChanged):
        return f"routed to queue {event.queue or '(none)'}"
    if isinstance(event, ConversationCreated):
        return f"created on {event.channel.name}"
    if isinstance(event, PriorityChanged):
        previous = event.previous.value if event.previous else "-"
        return f"priority {previous} -> {event.priority.value}"
    if isinstance(event, TagsChanged):
        return "tags " + " ".join([*(f"+{t}" for t in sorted(event.added)),
                                   *(f"-{t}" for t in sorted(event.removed))])  # fmt: skip
    if isinstance(event, DetailsChanged):
        return _details(event)
    if isinstance(event, CustomEvent) and event.source == "sla":
        return f"{event.name} {event.data['metric']}"
    if isinstance(event, OrderEvent):
        number = event.order_number or event.order_id
        return f"order {number} ({event.system}) {event.total or ''} {event.currency or ''}"
    return event.TAG


def _automatic(event: Assigned) -> bool:
    actor = event.actor
    return actor is not None and actor.kind in (AuthorKind.SYSTEM, AuthorKind.AUTOMATION)
