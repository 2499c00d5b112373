"""Email body text: HTML to text, and cutting quoted replies and signatures.

What counts in a reply is the text the customer just wrote, not the thread
their client quoted below it nor their signature.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr", "table"}
)
_SKIPPED = frozenset({"script", "style", "head", "title"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skipping = 0
        self.quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "blockquote":
            self.quote_depth += 1
        if tag in _BLOCKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
        if tag in _BLOCKS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        text = re.sub(r"\s+", " ", data)
        if self.quote_depth:
            # Keep quoted HTML recognisable as a quote for the stripper.
            text = text.replace("\n", " ")
            self.chunks.append("\n> " + text.strip() if text.strip() else "")
        else:
            self.chunks.append(text)


def html_to_text(html: str) -> str:
    """Readable text from HTML: block tags become line breaks, scripts and styles vanish."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (line.strip() for line in "".join(collector.chunks).splitlines())
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# Attribution lines mail clients put above a quote ("On Mon, 3 Mar 2026, Ada
# <ada@example.com> wrote:"), possibly wrapped over two lines; and Outlook's
# separators.
_ATTRIBUTION = re.compile(
    r"^(On|Am|Le|El|Il|Op)\s.{0,300}(wrote|schrieb|a écrit|escribió|ha scritto|schreef)\b.{0,200}:\s*$",
    re.IGNORECASE | re.DOTALL,
)
_OUTLOOK = re.compile(r"^(-{2,}\s*Original Message\s*-{2,}|_{10,}|From:\s.+)$", re.IGNORECASE)
# RFC 3676 section 4.3: "the sig separator line ... is composed of dash-dash-space".
_SIG_SEPARATOR = "-- "
_MOBILE_SIGNATURE = re.compile(r"^Sent from my \w+", re.IGNORECASE)


def strip_reply(text: str) -> str:
    """The new text of a reply: quoted history and signature removed.

    Cuts at the first of: an attribution line (``On ... wrote:``), an Outlook
    ``-----Original Message-----`` or ``From:`` header block, the RFC 3676
    signature separator ``-- ``, a "Sent from my ..." line, or a run of ``>``
    quoted lines. Returns the text unchanged when nothing is left, so a
    message that is all quote still says something.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.rstrip()
        pair = stripped + " " + lines[index + 1].strip() if index + 1 < len(lines) else stripped
        if (
            _ATTRIBUTION.match(stripped)
            or _ATTRIBUTION.match(pair)
            or _OUTLOOK.match(stripped)
            or line == _SIG_SEPARATOR
            or stripped == "--"
            or _MOBILE_SIGNATURE.match(stripped)
            or line.lstrip().startswith(">")
        ):
            break
        kept.append(stripped)
    new = "\n".join(kept).strip()
    return new or text.strip()
