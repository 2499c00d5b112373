"""Load articles from files: Markdown with front matter, JSON or YAML; nothing executes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from omnicx.errors import Problem, ValidationError
from omnicx.kb._article import Article, parse_article, parse_articles
from omnicx.routing._loader import parse_document

__all__ = ["load_articles", "parse_markdown_article"]

_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".json": "json", ".yaml": "yaml"}
_SUFFIXES[".yml"] = "yaml"


def load_articles(source: Path | Mapping[str, Any] | Sequence[Any]) -> tuple[Article, ...]:
    """Load and validate articles from a folder, a file, or the host's own data.

    A folder is read whole (every ``.md``, ``.json``, ``.yaml``/``.yml`` below
    it, in path order); a Markdown file is one article whose front matter
    (YAML between ``---`` lines) holds its fields and whose text is its body;
    a JSON or YAML file holds ``{"articles": [...]}`` or a list. A mapping or
    a list is the host's data (a CMS export), validated the same way.

    Raises:
        ValidationError: with every problem in every file, each path starting
            with the file's name relative to ``source`` (``returns.md: title:
            missing; ...``); no article is returned when any is wrong.
    """
    if not isinstance(source, Path):
        return parse_articles(source)
    if source.is_file():
        files, base = [source], source.parent
    elif source.is_dir():
        files = sorted(
            p for p in source.rglob("*") if p.suffix.lower() in _SUFFIXES and p.is_file()
        )
        base = source
    else:
        raise ValidationError.single(str(source), "no such file or folder of articles")
    problems: list[Problem] = []
    articles: list[Article] = []
    where: dict[tuple[str, str], str] = {}
    for path in files:
        name = path.relative_to(base).as_posix()
        try:
            found = _read(path)
        except ValidationError as error:
            # The file is the path; the place inside it leads the message.
            problems.extend(Problem(name, str(problem)) for problem in error.problems)
            continue
        for article in found:
            if article.key in where:
                problems.append(
                    Problem(
                        name,
                        f"article {article.id!r} in locale {article.locale!r} is also in "
                        f"{where[article.key]}; keep one copy",
                    )
                )
                continue
            where[article.key] = name
            articles.append(article)
    if problems:
        raise ValidationError(problems)
    return tuple(articles)


def _read(path: Path) -> tuple[Article, ...]:
    kind = _SUFFIXES[path.suffix.lower()]
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError.single("", "not UTF-8 text; save the file as UTF-8") from None
    if kind == "markdown":
        return (parse_markdown_article(text),)
    return parse_articles(parse_document(text, kind))


def parse_markdown_article(text: str) -> Article:
    """Parse one Markdown article: YAML front matter between ``---`` lines, then the body.

    The front matter holds every field but ``body``; a missing ``title`` is
    taken from a first ``# heading`` line (which then leaves the body).

    Raises:
        ValidationError: if the front matter is missing or invalid.
    """
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ValidationError.single(
            "", "no front matter; start the file with a '---' line, the fields, then '---'"
        )
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ValidationError.single("", "front matter is not closed; add a '---' line") from None
    meta = parse_document("".join(lines[1:end]), "yaml")
    if meta is None:
        meta = {}
    if not isinstance(meta, Mapping):
        raise ValidationError.single("", "front matter must be a mapping of the article's fields")
    if "body" in meta:
        raise ValidationError.single("body", "the body is the text after the front matter")
    body = "".join(lines[end + 1 :]).strip("\n")
    fields = dict(meta)
    if "title" not in fields and body.startswith("# "):
        heading, _, rest = body.partition("\n")
        fields["title"] = heading[2:].strip()
        body = rest.strip("\n")
    fields["body"] = body
    return parse_article(fields)
