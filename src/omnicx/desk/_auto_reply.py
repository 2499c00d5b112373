"""A rule's auto-replies on the desk: rendered like macros, articles offered, channel rules applied.

Each auto-reply a fresh conversation's rules ask for becomes one outbox
item, or one ``Withheld`` line on the receipt saying why it was not sent:
a placeholder without a value (nothing goes out with a hole), a reply
window already closed (a late webhook), a text too long for the channel.
A deflecting reply (``articles``) asks the knowledge base for public
articles answering the customer's message and offers those whose
confidence reaches the rule's threshold; the offer (even an empty one: a
content gap) is an ``ArticlesOffered`` event on the timeline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from omnicx.channels import (
    Capabilities,
    LongText,
    OutboundMessage,
    SendCheck,
    Template,
    check_send,
    reply_channel,
)
from omnicx.desk._macro import macro_values
from omnicx.desk._outbox import to_customer
from omnicx.desk._receipt import OutboxKind, Withheld, WithheldReason
from omnicx.desk._record_steps import caused_at
from omnicx.desk._unit import Unit
from omnicx.kb import Audience, KnowledgeBase, Macro, Suggestion, render_template
from omnicx.model import ArticlesOffered, Customer, Message, OfferedArticle
from omnicx.routing import ArticleOffer, AutoReply
from omnicx.storage import ConversationRecord

__all__ = ["AutoReplies", "article_lines"]

_REFUSALS = {
    SendCheck.TOO_LONG: WithheldReason.TOO_LONG,
    SendCheck.WINDOW_CLOSED: WithheldReason.WINDOW_CLOSED,
    SendCheck.NO_TEMPLATES: WithheldReason.NO_TEMPLATES,
}


@attrs.frozen(kw_only=True)
class AutoReplies:
    """What the desk renders auto-replies with: its macros, knowledge base and channels.

    Not a value: it bundles the desk's collaborators for one call (the
    knowledge base is the host's, updated in place).
    """

    macros: Mapping[str, Macro]
    kb: KnowledgeBase | None
    capabilities: Mapping[str, Capabilities]
    long_text: LongText

    def queue(
        self,
        unit: Unit,
        record: ConversationRecord,
        replies: Sequence[AutoReply],
        *,
        customer: Customer | None,
        message: Message | None,
    ) -> None:
        """Put each reply in ``unit``'s outbox, or on its withheld list with the reason."""
        for reply in replies:
            self._one(unit, record, reply, customer, message)

    def _one(
        self,
        unit: Unit,
        record: ConversationRecord,
        reply: AutoReply,
        customer: Customer | None,
        message: Message | None,
    ) -> None:
        offered: tuple[Suggestion, ...] = ()
        offer = reply.articles
        if offer is not None:
            offered = self._suggest(offer, record, customer, message)
            if not offered:
                _record_offer(unit, record, (), offer, message)
                if reply.otherwise is None:
                    return
                reply, offer = reply.otherwise, None
        channel = reply_channel(record.last_inbound, record.conversation.channel)
        capabilities = self.capabilities.get(channel.name)
        if reply.template is not None:
            refused = _refusal(record, channel.name, capabilities, unit, template=reply.template)
            if refused is not None:
                unit.withheld.append(Withheld(kind=OutboxKind.AUTO_REPLY, reason=refused))
                return
            text = ""
        else:
            source = self.macros[reply.macro].text if reply.macro is not None else reply.text
            values = macro_values(record, customer, "", None, {}) if customer is not None else {}
            rendered = render_template(source or "", values)
            if rendered.missing:
                unit.withheld.append(
                    Withheld(kind=OutboxKind.AUTO_REPLY, reason=WithheldReason.MISSING_VALUES,
                             missing=rendered.missing, macro=reply.macro)
                )  # fmt: skip
                return
            fitted = self._fit(rendered.text, offered, offer, record, channel.name, unit)
            if isinstance(fitted, WithheldReason):
                unit.withheld.append(
                    Withheld(kind=OutboxKind.AUTO_REPLY, reason=fitted, macro=reply.macro)
                )
                return
            text, offered = fitted
        refs = tuple(_ref(s) for s in offered)
        if offer is not None:
            _record_offer(unit, record, refs, offer, message)
        unit.outbox.append(
            to_customer(record, OutboxKind.AUTO_REPLY, text=text, template=reply.template,
                        variables=dict(reply.variables), articles=refs)
        )  # fmt: skip

    def _suggest(
        self,
        offer: ArticleOffer,
        record: ConversationRecord,
        customer: Customer | None,
        message: Message | None,
    ) -> tuple[Suggestion, ...]:
        if self.kb is None or message is None or not message.text.strip():
            return ()
        language = record.conversation.language or (customer.language if customer else None)
        # Customers see public articles only, whatever the rule says.
        found = self.kb.suggest(message.text, locale=language, tags=offer.tags,
                                audience=Audience.PUBLIC, product=offer.product,
                                limit=offer.limit)  # fmt: skip
        return tuple(s for s in found if s.confidence >= offer.min_confidence)

    def _fit(
        self,
        intro: str,
        offered: tuple[Suggestion, ...],
        offer: ArticleOffer | None,
        record: ConversationRecord,
        channel: str,
        unit: Unit,
    ) -> tuple[str, tuple[Suggestion, ...]] | WithheldReason:
        # The most articles that fit the channel in one message (refusing to
        # split), best first; with splitting allowed, all of them.
        capabilities = self.capabilities.get(channel)
        count = len(offered)
        while True:
            kept = offered[:count]
            text = _with_articles(intro, kept, offer)
            refused = _refusal(record, channel, capabilities, unit, text=text,
                               long_text=self.long_text)  # fmt: skip
            if refused is not WithheldReason.TOO_LONG or count <= 1:
                return (text, kept) if refused is None else refused
            count -= 1


def article_lines(offered: Sequence[Suggestion], offer: ArticleOffer | None) -> list[str]:
    """One line per article: its title and its address, or the passage that answers."""
    lines = []
    for suggestion in offered:
        article = suggestion.article
        link = offer.link_for(article.id, article.locale) if offer is not None else None
        lines.append(f"- {article.title}: {link or suggestion.passage}")
    return lines


def _with_articles(intro: str, offered: Sequence[Suggestion], offer: ArticleOffer | None) -> str:
    lines = article_lines(offered, offer)
    return "\n\n".join(part for part in (intro, "\n".join(lines)) if part)


def _refusal(
    record: ConversationRecord,
    channel: str,
    capabilities: Capabilities | None,
    unit: Unit,
    *,
    text: str = "",
    template: str | None = None,
    long_text: LongText = LongText.SPLIT,
) -> WithheldReason | None:
    if capabilities is None:
        return None
    outbound = OutboundMessage(
        to=record.addresses.get(channel) or "-",
        now=unit.now,
        text=text,
        template=Template(name=template) if template is not None else None,
        last_inbound_at=record.last_inbound.get(channel),
    )
    verdict = check_send(outbound, capabilities, long_text)
    return _REFUSALS.get(verdict)


def _ref(suggestion: Suggestion) -> OfferedArticle:
    article = suggestion.article
    return OfferedArticle(id=article.id, locale=article.locale, score=suggestion.score,
                          confidence=suggestion.confidence)  # fmt: skip


def _record_offer(
    unit: Unit,
    record: ConversationRecord,
    refs: tuple[OfferedArticle, ...],
    offer: ArticleOffer,
    message: Message | None,
) -> None:
    unit.events.append(
        ArticlesOffered(id=unit.event_id(),
                        at=caused_at(message) if message is not None else unit.now,
                        customer_id=record.conversation.customer_id,
                        conversation_id=record.id, articles=refs,
                        min_confidence=offer.min_confidence)
    )  # fmt: skip
