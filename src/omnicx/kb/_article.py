"""Help-center articles as data, and the validation that turns plain data into them."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from omnicx._frozen import frozen_set
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.model._checks import aware, non_empty

__all__ = ["Article", "Audience", "BodyFormat", "parse_article", "parse_articles"]

# BCP 47 in the shape hosts actually send: a language, then optional subtags ("pt-BR").
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_LOCALE_HINT = "{} is not a locale; use a language code like 'en' or 'pt-BR'"
_FIELDS = ("id", "locale", "title", "body", "format", "tags", "audience", "product", "updated_at")


class Audience(enum.Enum):
    """Who may read an article: customers (public) or only agents (internal)."""

    PUBLIC = "public"
    INTERNAL = "internal"


class BodyFormat(enum.Enum):
    """How an article's body is written."""

    MARKDOWN = "markdown"
    HTML = "html"


@attrs.frozen(kw_only=True)
class Article:
    """One help-center article in one locale.

    ``(id, locale)`` identifies it: the same ``id`` in several locales is one
    article translated.
    """

    id: str = attrs.field(validator=non_empty)
    locale: str = attrs.field()
    title: str = attrs.field(validator=non_empty)
    body: str
    format: BodyFormat = BodyFormat.MARKDOWN
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    audience: Audience = Audience.PUBLIC
    product: str | None = None
    updated_at: datetime = attrs.field(validator=aware)

    @locale.validator
    def _check_locale(self, _attribute: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not _LOCALE.match(value):
            raise ValidationError.single("locale", _LOCALE_HINT.format(repr(value)))

    @property
    def key(self) -> tuple[str, str]:
        """``(id, locale)``: what identifies the article in a knowledge base."""
        return (self.id, self.locale)

    @property
    def language(self) -> str:
        """The locale's language subtag (``"pt"`` for ``"pt-BR"``)."""
        return self.locale.split("-", 1)[0]


def parse_articles(data: Any) -> tuple[Article, ...]:
    """Validate plain data (``{"articles": [...]}`` or a list) into articles.

    Raises:
        ValidationError: with every problem found, each with its path
            (``articles[3].updated_at: ...``); nothing is returned partly.
    """
    prefix = "articles"
    if isinstance(data, Mapping):
        unknown = sorted(set(data) - {"articles"})
        if unknown:
            raise ValidationError.single(
                str(unknown[0]), "unknown key; an article file has only 'articles'"
            )
        data = data.get("articles", [])
    if not isinstance(data, Sequence) or isinstance(data, str | bytes):
        raise ValidationError.single(prefix, "must be a list of articles")
    problems: list[Problem] = []
    articles: list[Article] = []
    seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(data):
        path = f"{prefix}[{index}]"
        try:
            article = parse_article(item)
        except ValidationError as error:
            problems.extend(error.under(path).problems)
            continue
        if article.key in seen:
            problems.append(
                Problem(
                    f"{path}.id",
                    f"{article.id!r} in locale {article.locale!r} is already "
                    f"{prefix}[{seen[article.key]}]; give each translation its own locale",
                )
            )
            continue
        seen[article.key] = index
        articles.append(article)
    if problems:
        raise ValidationError(problems)
    return tuple(articles)


def parse_article(item: Any) -> Article:
    """Validate one article's plain data (a mapping of its fields).

    Raises:
        ValidationError: with every problem found, paths relative to the article.
    """
    if not isinstance(item, Mapping):
        raise ValidationError.single("", "an article must be a mapping of its fields")
    problems: list[Problem] = []
    for key in item:
        if key not in _FIELDS:
            hint = suggest(str(key), _FIELDS)
            problems.append(Problem(str(key), f"unknown field{hint}"))
    values: dict[str, Any] = {}
    for name in ("id", "locale", "title", "body"):
        value = item.get(name)
        if not isinstance(value, str) or (name != "body" and not value.strip()):
            problems.append(Problem(name, f"{_need(name, value)}"))
        elif name == "locale" and not _LOCALE.match(value):
            problems.append(Problem(name, _LOCALE_HINT.format(repr(value))))
        else:
            values[name] = value
    values["format"] = _enum(item, "format", BodyFormat, BodyFormat.MARKDOWN, problems)
    values["audience"] = _enum(item, "audience", Audience, Audience.PUBLIC, problems)
    tags = item.get("tags", [])
    if not isinstance(tags, Sequence) or isinstance(tags, str):
        problems.append(Problem("tags", "must be a list of tag names"))
    else:
        for position, tag in enumerate(tags):
            if not isinstance(tag, str) or not tag.strip():
                problems.append(Problem(f"tags[{position}]", "a tag must be non-empty text"))
        values["tags"] = [t for t in tags if isinstance(t, str)]
    product = item.get("product")
    if product is not None and (not isinstance(product, str) or not product.strip()):
        problems.append(Problem("product", "must be non-empty text, or left out"))
    values["product"] = product
    values["updated_at"] = _instant(item.get("updated_at"), problems)
    if not problems:
        try:
            return Article(**values)
        except ValidationError as error:
            problems.extend(error.problems)
    raise ValidationError(problems)


def _need(name: str, value: object) -> str:
    if value is None:
        return "missing; every article needs it"
    if isinstance(value, str):
        return "must not be blank"
    return f"must be text, got {type(value).__name__}"


def _enum(
    item: Mapping[str, Any],
    name: str,
    kind: type[Audience] | type[BodyFormat],
    default: Audience | BodyFormat,
    problems: list[Problem],
) -> Any:
    value = item.get(name)
    if value is None:
        return default
    names = [member.value for member in kind]
    if value not in names:
        hint = suggest(str(value), names)
        problems.append(
            Problem(name, f"unknown {name} {value!r}{hint}; use one of {', '.join(names)}")
        )
        return default
    return kind(value)


def _instant(value: object, problems: list[Problem]) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            problems.append(
                Problem("updated_at", "not an ISO 8601 instant; write e.g. 2026-03-01T09:00:00Z")
            )
            return None
    if not isinstance(value, datetime):
        problems.append(
            Problem("updated_at", "missing; write when the article last changed, with its offset")
        )
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        problems.append(Problem("updated_at", "needs a UTC offset (e.g. ...T09:00:00Z)"))
        return None
    return value
