"""A rule's auto-reply: a macro or inline template, a channel template id, and article offers.

Three shapes, all validated with their path when the rule file loads:

- ``{"macro": "refund-ack"}``: a macro of the desk's ``macros``, rendered
  like an agent's macro (``{{ customer.first_name | there }}``).
- ``{"text": "Hi {{ customer.first_name | there }}, we got it."}``: the same
  template language written in the rule.
- ``"ack"`` or ``{"template": "ack", "variables": {...}}``: a channel's
  pre-approved template id (WhatsApp), passed to the host as before.

``articles`` makes it a deflection: the knowledge base's best public
articles for the customer's message whose confidence reaches
``min_confidence`` are offered in the reply; with none, ``otherwise``
(a reply of the same shapes, without articles) goes out instead, if given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map, frozen_seq
from omnicx.errors import Problem, suggest

__all__ = ["MAX_OFFERED", "ArticleOffer", "AutoReply", "parse_reply", "unknown_keys"]

_REPLY_KEYS = ("macro", "text", "template", "variables", "articles", "otherwise")
_OFFER_KEYS = ("min_confidence", "limit", "tags", "product", "link")
_LINK_FIELDS = ("{id}", "{locale}")
MAX_OFFERED = 10
"""The most articles one auto-reply may offer."""


@attrs.frozen(kw_only=True)
class ArticleOffer:
    """Which articles a deflecting auto-reply offers.

    Attributes:
        min_confidence: the least ``Hit.confidence`` (0 to 1) an article
            needs to be offered; see ``omnicx.kb.KnowledgeBase``.
        limit: how many articles at most (1 to ``MAX_OFFERED``).
        tags: only articles carrying every one of these tags.
        product: only articles about this product.
        link: the article's address in the help center, with ``{id}`` and
            ``{locale}`` filled in (``https://help.example.com/{locale}/{id}``);
            without it the reply quotes the matching passage instead.
    """

    min_confidence: float
    limit: int = 3
    tags: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    product: str | None = None
    link: str | None = None

    def link_for(self, id: str, locale: str) -> str | None:
        """The article's address: ``link`` with ``{id}`` and ``{locale}`` filled (URL-quoted)."""
        if self.link is None:
            return None
        return self.link.replace("{id}", quote(id, safe="")).replace(
            "{locale}", quote(locale, safe="")
        )


@attrs.frozen(kw_only=True)
class AutoReply:
    """An auto-reply to send: a macro, an inline template or a channel template id.

    Exactly one of ``macro``, ``text`` and ``template`` is set (the rule
    file's parser ensures it). ``variables`` go with ``template``.
    """

    template: str | None = None
    variables: Mapping[str, str] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    macro: str | None = None
    text: str | None = None
    articles: ArticleOffer | None = None
    otherwise: AutoReply | None = None


def parse_reply(raw: Any, where: str, problems: list[Problem]) -> AutoReply | None:
    """Validate a rule's ``auto_reply``; every problem goes to ``problems`` with its path."""
    if isinstance(raw, str) and raw:
        return AutoReply(template=raw)
    if not isinstance(raw, Mapping):
        problems.append(
            Problem(where, "expected a template id, {macro}, {text} or {template, variables}")
        )
        return None
    before = len(problems)
    problems.extend(unknown_keys(raw, _REPLY_KEYS, where))
    given = [k for k in ("macro", "text", "template") if k in raw]
    if len(given) != 1:
        problems.append(
            Problem(where, "give exactly one of 'macro' (a macro id), 'text' (a template like "
                           "a macro's) or 'template' (a channel template id)")
        )  # fmt: skip
    fields: dict[str, Any] = {}
    for key in ("macro", "template"):
        if key in raw:
            if isinstance(raw[key], str) and raw[key].strip():
                fields[key] = raw[key]
            else:
                what = "a macro id" if key == "macro" else "a template id"
                problems.append(Problem(f"{where}.{key}", f"expected {what}"))
    if "text" in raw:
        # Imported here: omnicx.kb loads its files with routing's document reader.
        from omnicx.kb import template_problems

        text = raw["text"]
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(f"{where}.text", "expected the reply's text"))
        else:
            problems.extend(p.under(f"{where}.text") for p in template_problems(text))
            fields["text"] = text
    variables = raw.get("variables", {})
    if "variables" in raw and "template" not in raw:
        problems.append(
            Problem(f"{where}.variables", "only a channel 'template' takes variables; "
                                          "a macro or text fills its own placeholders")
        )  # fmt: skip
    elif not isinstance(variables, Mapping) or not all(
        isinstance(v, str) for v in variables.values()
    ):
        problems.append(Problem(f"{where}.variables", "expected an object of strings"))
    else:
        fields["variables"] = dict(variables)
    if "articles" in raw:
        fields["articles"] = _parse_offer(raw["articles"], f"{where}.articles", problems)
    if "otherwise" in raw:
        if "articles" not in raw:
            problems.append(
                Problem(f"{where}.otherwise", "only a reply with 'articles' has an otherwise")
            )
        elif isinstance(raw["otherwise"], Mapping) and "articles" in raw["otherwise"]:
            problems.append(Problem(f"{where}.otherwise.articles", "an otherwise offers none"))
        else:
            fields["otherwise"] = parse_reply(raw["otherwise"], f"{where}.otherwise", problems)
    if len(problems) > before:
        return None
    return AutoReply(**fields)


def unknown_keys(raw: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> list[Problem]:
    """A problem for each key of ``raw`` not in ``allowed``, with a suggestion where it is a typo."""
    return [
        Problem(f"{where}.{k}" if where else str(k), f"unknown key{suggest(str(k), allowed)}")
        for k in raw
        if k not in allowed
    ]


def _parse_offer(raw: Any, where: str, problems: list[Problem]) -> ArticleOffer | None:
    if not isinstance(raw, Mapping):
        problems.append(Problem(where, "expected {min_confidence, limit, tags, product, link}"))
        return None
    before = len(problems)
    problems.extend(unknown_keys(raw, _OFFER_KEYS, where))
    threshold = raw.get("min_confidence", 0)
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not math.isfinite(threshold)
        or not 0 < threshold <= 1
    ):
        problems.append(
            Problem(f"{where}.min_confidence",
                    "expected a confidence above 0 and at most 1 (e.g. 0.5); "
                    "see docs/self-service.md for how to choose it")
        )  # fmt: skip
    limit = raw.get("limit", 3)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_OFFERED:
        problems.append(
            Problem(f"{where}.limit", f"expected a whole number from 1 to {MAX_OFFERED}")
        )
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        problems.append(Problem(f"{where}.tags", "expected a list of tag names"))
    product = raw.get("product")
    if product is not None and (not isinstance(product, str) or not product):
        problems.append(Problem(f"{where}.product", "expected a product name"))
    link = raw.get("link")
    if link is not None and (not isinstance(link, str) or not _link_ok(link)):
        problems.append(
            Problem(f"{where}.link", "expected an address with {id} (and {locale} if you "
                                     "like), e.g. https://help.example.com/{locale}/{id}")
        )  # fmt: skip
    if len(problems) > before:
        return None
    return ArticleOffer(min_confidence=float(threshold), limit=limit, tags=tuple(tags),
                        product=product, link=link)  # fmt: skip


def _link_ok(link: str) -> bool:
    # Only {id} and {locale} are filled in; any other brace is a mistake.
    rest = link
    for name in _LINK_FIELDS:
        rest = rest.replace(name, "")
    return "{id}" in link and "{" not in rest and "}" not in rest
