"""Full-text search over message text: what a word is, and the reference ranking.

Both reference stores use these definitions, so they agree on every query:
a word is a run of letters, digits or underscores (Python's ``\\w``) after
NFKC normalization, compared case-insensitively (``str.casefold``). A
conversation matches when every word of the query occurs in its messages
(not necessarily in one message).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from omnicx.errors import ValidationError
from omnicx.model import MessageEvent
from omnicx.storage._inbox import micros
from omnicx.storage._records import ConversationRecord

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The words of ``text``, normalized and case-folded, in order (repeats kept)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def query_words(text: object) -> frozenset[str]:
    """The distinct words of a search; ``ValidationError`` if it has none."""
    if not isinstance(text, str):
        raise ValidationError.single("text", f"must be a str, got {type(text).__name__}")
    found = frozenset(words(text))
    if not found:
        raise ValidationError.single("text", "has no words to search for; pass letters or digits")
    return found


def indexed_text(event: object) -> str | None:
    """The text a store indexes for an event: a message's, in a conversation; else None."""
    if isinstance(event, MessageEvent) and event.conversation_id is not None:
        return event.message.text
    return None


def index_form(text: str | None) -> str:
    """Text as a store's full-text index holds it: each word as hex, space-separated.

    Hex digits are words to any tokenizer (SQLite FTS5's ``ascii`` among
    them), so the index splits and compares exactly as ``words`` does.
    """
    return " ".join(map(index_word, words(text or "")))


def index_word(word: str) -> str:
    """One (already normalized) word as a store's full-text index holds it."""
    return word.encode().hex()


def rank(
    hits: dict[str, int], records: Iterable[ConversationRecord], limit: int
) -> list[ConversationRecord]:
    """Order matched conversations: most matching messages first, then latest activity, then id.

    ``hits`` maps a conversation id to the number of its messages holding
    any query word; ``records`` are the matched conversations.
    """
    ordered = sorted(
        records, key=lambda r: (-hits[r.id], -micros(r.summary.last_activity_at), r.id)
    )
    return ordered[:limit]
