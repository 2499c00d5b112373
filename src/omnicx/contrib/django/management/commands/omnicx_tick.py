"""``manage.py omnicx_tick``: run the desk's scheduled work (for cron, every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from omnicx.contrib.django.desk import get_desk
from omnicx.contrib.django.outbox import dispatch


class Command(BaseCommand):
    """Run ``Desk.tick`` until nothing is due, and hand its outbox to the sender."""

    help = "Run omnicx's scheduled work: SLA warnings and breaches, snoozes ending, auto-solve."

    def add_arguments(self, parser: CommandParser) -> None:
        """``--limit``: conversations per round."""
        parser.add_argument("--limit", type=int, default=1000, help="conversations per round")

    def handle(self, *args: Any, **options: Any) -> None:
        """Tick until ``more`` is False; print what was done."""
        desk = get_desk()
        events = receipts = skipped = 0
        while True:
            report = desk.tick(limit=options["limit"])
            dispatch(report.receipts)
            events += len(report.events)
            receipts += len(report.receipts)
            skipped += report.skipped
            if not report.more:
                break
        self.stdout.write(
            f"tick at {report.now.isoformat()}: {receipts} conversation(s) changed, "
            f"{events} event(s), {skipped} skipped"
        )
