"""Articles as data: validation with paths, and loading from Markdown, JSON and YAML files."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from omnicx import ValidationError
from omnicx.kb import (
    Article,
    Audience,
    BodyFormat,
    load_articles,
    parse_articles,
    parse_markdown_article,
)

T = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _item(**changes: object) -> dict[str, object]:
    item: dict[str, object] = {
        "id": "returns",
        "locale": "en",
        "title": "Returning an item",
        "body": "You can return items within 30 days.",
        "updated_at": "2026-03-01T09:00:00Z",
    }
    item.update(changes)
    return item


def test_parse_fills_defaults_and_dedupes_tags() -> None:
    (article,) = parse_articles({"articles": [_item(tags=["b", "a", "b"])]})
    assert article == Article(
        id="returns",
        locale="en",
        title="Returning an item",
        body="You can return items within 30 days.",
        tags=frozenset({"a", "b"}),
        updated_at=T,
    )
    assert article.audience is Audience.PUBLIC
    assert article.format is BodyFormat.MARKDOWN
    assert article.key == ("returns", "en")
    assert article.language == "en"


def test_every_problem_is_reported_with_its_path() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_articles(
            [
                _item(),
                _item(titel="x", audience="everyone", updated_at="2026-03-01T09:00:00"),
                _item(locale="English", tags=["", 3]),
                _item(),
            ]
        )
    assert str(caught.value).splitlines() == [
        "articles[1].titel: unknown field (did you mean 'title'?)",
        "articles[1].audience: unknown audience 'everyone'; use one of public, internal",
        "articles[1].updated_at: needs a UTC offset (e.g. ...T09:00:00Z)",
        "articles[2].locale: 'English' is not a locale; use a language code like 'en' or 'pt-BR'",
        "articles[2].tags[0]: a tag must be non-empty text",
        "articles[2].tags[1]: a tag must be non-empty text",
        "articles[3].id: 'returns' in locale 'en' is already articles[0]; "
        "give each translation its own locale",
    ]


def test_missing_and_mistyped_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_articles([{"id": 7, "title": " ", "body": "x", "updated_at": 3, "product": ""}])
    assert caught.value.paths == (
        "articles[0].id",
        "articles[0].locale",
        "articles[0].title",
        "articles[0].product",
        "articles[0].updated_at",
    )
    assert "missing; every article needs it" in str(caught.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"article": []}, "article: unknown key; an article file has only 'articles'"),
        ("text", "articles: must be a list of articles"),
        (["x"], "articles[0]: an article must be a mapping of its fields"),
        ([_item(updated_at="yesterday")], "not an ISO 8601 instant"),
    ],
)
def test_malformed_documents(data: object, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        parse_articles(data)


MARKDOWN = """---
id: reset-password
locale: en
tags: [account]
audience: internal
updated_at: 2026-03-01T09:00:00Z
---
# Reset your password

Click **Forgot password** on the [login page](https://example.com/login).
"""


def test_markdown_front_matter_and_heading_title() -> None:
    article = parse_markdown_article(MARKDOWN)
    assert article.title == "Reset your password"
    assert article.body.startswith("Click **Forgot password**")
    assert article.audience is Audience.INTERNAL
    assert article.updated_at == T


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# no front matter", "no front matter"),
        ("---\nid: x\n", "front matter is not closed"),
        ("---\n- a\n---\nbody", "front matter must be a mapping"),
        ("---\nbody: x\n---\n", "the body is the text after the front matter"),
    ],
)
def test_markdown_errors(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_markdown_article(text)


def test_folder_loads_every_format_and_names_files_in_errors(tmp_path: Path) -> None:
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "reset.md").write_text(MARKDOWN, encoding="utf-8")
    (tmp_path / "more.json").write_text(
        '{"articles": [{"id": "a", "locale": "es", "title": "Hola", "body": "",'
        ' "updated_at": "2026-03-01T09:00:00+00:00"}]}',
        encoding="utf-8",
    )
    (tmp_path / "b.yml").write_text(
        "- {id: b, locale: pt-BR, title: Oi, body: '<p>x</p>', format: html,"
        " updated_at: 2026-03-01T09:00:00Z}\n",
        encoding="utf-8",
    )
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    loaded = load_articles(tmp_path)
    assert [a.key for a in loaded] == [("b", "pt-BR"), ("reset-password", "en"), ("a", "es")]
    assert load_articles(tmp_path / "b.yml")[0].format is BodyFormat.HTML

    (tmp_path / "bad.md").write_text("---\nid: x\nlocale: en\n---\nno title\n", encoding="utf-8")
    (tmp_path / "copy.md").write_text(MARKDOWN, encoding="utf-8")
    (tmp_path / "latin1.md").write_bytes(b"\xe9")
    with pytest.raises(ValidationError) as caught:
        load_articles(tmp_path)
    assert str(caught.value).splitlines() == [
        "bad.md: title: missing; every article needs it",
        "bad.md: updated_at: missing; write when the article last changed, with its offset",
        "faq/reset.md: article 'reset-password' in locale 'en' is also in copy.md; keep one copy",
        "latin1.md: not UTF-8 text; save the file as UTF-8",
    ]


def test_missing_source(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no such file or folder of articles"):
        load_articles(tmp_path / "nowhere")


def test_host_data_is_validated_the_same_way() -> None:
    assert load_articles([_item()])[0].id == "returns"
    with pytest.raises(ValidationError, match=r"articles\[0\]\.body"):
        load_articles([_item(body=None)])


def test_article_refuses_bad_values_directly() -> None:
    with pytest.raises(ValidationError, match="locale"):
        Article(id="x", locale="EN", title="t", body="", updated_at=T)
    with pytest.raises(ValidationError, match="naive datetime"):
        Article(id="x", locale="en", title="t", body="", updated_at=datetime(2026, 1, 1))
