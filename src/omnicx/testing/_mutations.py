"""Deterministic mutations of a valid webhook request, for the adapter contract and fuzzing.

``mutations(sample)`` yields every single change the contract suite tries:
each JSON key dropped, each value replaced by every kind of JSON value (null,
booleans, huge numbers, huge strings, deep nesting, lone surrogates, invalid
UTF-8 bytes, dates at the edges of ``datetime``'s range); the same for each
form field, each multipart field, each RFC 5322 header line and each request
header. A string value that is itself JSON or an email (an SNS ``Message``,
a provider's raw MIME field) is mutated inside as well.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote

import attrs

from omnicx._frozen import EMPTY_MAP
from omnicx.channels._request import WebhookRequest

# Spliced in place of a quoted placeholder: bytes json.dumps cannot write.
_RAW = "\x00omnicx-raw-{}\x00"
_NEST = 200  # deep enough to find recursive code, shallow enough for json.loads


@attrs.frozen(kw_only=True)
class Mutation:
    """One changed request and what was changed (for a failing test's message)."""

    what: str
    request: WebhookRequest


EDGE_DATES = (
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "2026-02-30T10:00:00Z",
    "2026-03-02T12:00:00",
    "Mon, 01 Jan 0001 00:00:00 +0100",
    "Fri, 31 Dec 9999 23:59:59 -0100",
)
"""Timestamps that are valid spellings but have no UTC ``datetime`` (or no offset)."""

EDGE_NUMBERS: tuple[Any, ...] = (
    0,
    -1,
    1.5,
    10**400,
    -(10**400),
    1e308,
    -1e308,
    253402300800,  # 10000-01-01 in Unix seconds
    -62135596801,  # one second before 0001-01-01
    253402300800000,  # the same in milliseconds
)
"""Numbers a field may be given: negative, fractional, past a float, past year 9999."""

TEXTS = (
    "",
    " ",
    "x" * 50_000,
    "1" + "0" * 400,
    "t=" + "9" * 400,
    "t=\u00b2",
    "\u00b2",
    "\ud800",
    "a\udc80@example.com",
    "\x00",
    "whatsapp:",
    "<",
    "(" * 2000,
    "=?utf-8?b?7aCA?=",
    "=?x-unknown?q?abc?=",
    *EDGE_DATES,
)
"""Strings a text field, header or form value may be given."""

_JSON_VALUES: tuple[Any, ...] = (None, True, False, *EDGE_NUMBERS, *TEXTS, [], {}, [{}], {"": None})
_RAW_BYTES = (b'"\xff"', b'"\xed\xa0\x80"', b"[" * _NEST + b"]" * _NEST, b"[" * 100_000)


def mutations(sample: WebhookRequest, *, depth: int = 2) -> Iterator[Mutation]:
    """Every single-change mutation of ``sample``: its body's fields, then its headers."""
    for what, body in body_mutations(sample.body, sample.headers, depth=depth):
        yield Mutation(what=what, request=attrs.evolve(sample, body=body))
    for what, headers in _header_mutations(sample.headers):
        yield Mutation(what=what, request=attrs.evolve(sample, headers=headers))


def body_mutations(
    body: bytes, headers: Mapping[str, str] = EMPTY_MAP, *, depth: int = 2
) -> Iterator[tuple[str, bytes]]:
    """Mutations of ``body`` as the format it is in (JSON, multipart, form, email)."""
    yield "empty body", b""
    yield "invalid UTF-8 body", b"\xff\xfe" + body
    value = _json(body)
    if value is not None:
        yield from _json_mutations(value, depth)
        return
    boundary = _boundary(headers)
    if boundary is not None:
        yield from _multipart_mutations(body, boundary, depth)
        return
    pairs = _form(body)
    if pairs is not None:
        yield from _form_mutations(pairs, depth)
        return
    yield from _email_mutations(body)


def _json(body: bytes) -> Any:
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict | list) else None


def _form(body: bytes) -> list[tuple[str, str]] | None:
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        return None
    if "=" not in text or "\n" in text:
        return None
    try:
        return parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None


def _nested(text: str, depth: int) -> Iterator[tuple[str, bytes]]:
    # A string field holding JSON or an email is mutated inside too.
    if depth <= 0 or len(text) < 2:
        return
    raw = text.encode("utf-8", "surrogatepass")
    if _json(raw) is not None or _looks_like_email(raw):
        yield from body_mutations(raw, depth=depth - 1)


def _looks_like_email(raw: bytes) -> bool:
    head = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    return bool(re.match(rb"[!-9;-~]+:", head)) and b"\n" in raw


def _json_mutations(root: Any, depth: int) -> Iterator[tuple[str, bytes]]:
    for path, parent, key in _slots(root):
        label = "".join(f"[{k!r}]" for k in path)
        original = parent[key]
        if isinstance(parent, dict):
            del parent[key]
            yield f"drop {label}", _dump(root)
            parent[key] = original
        else:
            parent.pop(key)
            yield f"drop {label}", _dump(root)
            parent.insert(key, original)
        for value in _JSON_VALUES:
            parent[key] = value
            yield f"{label} = {_short(value)}", _dump(root)
        for index, raw in enumerate(_RAW_BYTES):
            parent[key] = _RAW.format(index)
            yield f"{label} = raw {raw[:12]!r}", _dump(root)
        if isinstance(original, str):
            for what, inner in _nested(original, depth):
                parent[key] = inner.decode("utf-8", "surrogateescape")
                yield f"{label}: {what}", _dump(root, surrogates=True)
        parent[key] = original


def _slots(root: Any) -> list[tuple[tuple[Any, ...], Any, Any]]:
    found: list[tuple[tuple[Any, ...], Any, Any]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        keys = list(node) if isinstance(node, dict) else range(len(node))
        for key in keys:
            found.append(((*path, key), node, key))
            if isinstance(node[key], dict | list):
                walk(node[key], (*path, key))

    walk(root, ())
    return found


def _dump(root: Any, *, surrogates: bool = False) -> bytes:
    # ASCII JSON spells a lone surrogate as a "\ud800" escape, as a client
    # would; a nested body's raw bytes (surrogate-escaped) go back out as bytes.
    if not surrogates:
        out = json.dumps(root).encode("ascii")
    else:
        text = json.dumps(root, ensure_ascii=False)
        try:
            out = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            out = text.encode("utf-8", "surrogatepass")
    for index, raw in enumerate(_RAW_BYTES):
        out = out.replace(json.dumps(_RAW.format(index)).encode(), raw)
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}... ({len(text)} chars)"


_FORM_RAW = ("%FF", "%ED%A0%80", "%C0%80")


def _form_mutations(pairs: list[tuple[str, str]], depth: int) -> Iterator[tuple[str, bytes]]:
    def encode(items: list[tuple[str, str]]) -> bytes:
        return "&".join(f"{quote(k, safe='')}={v}" for k, v in items).encode("ascii")

    quoted = [(k, quote(v, safe="")) for k, v in pairs]
    for index, (name, value) in enumerate(pairs):
        yield f"drop {name}", encode(quoted[:index] + quoted[index + 1 :])
        variants = [quote(t, safe="", errors="surrogatepass") for t in TEXTS]
        variants += [quote(str(n)) for n in EDGE_NUMBERS]
        for variant in [*variants, *_FORM_RAW]:
            changed = [*quoted[:index], (name, variant), *quoted[index + 1 :]]
            yield f"{name} = {variant[:30]!r}", encode(changed)
        yield f"{name} twice", encode([*quoted, (name, quote("other", safe=""))])
        for what, inner in _nested(value, depth):
            variant = quote(inner, safe="")
            yield (
                f"{name}: {what}",
                encode([*quoted[:index], (name, variant), *quoted[index + 1 :]]),
            )


def _boundary(headers: Mapping[str, str]) -> str | None:
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    return match.group(1) if match and "multipart/" in content_type else None


def _multipart_fields(body: bytes, boundary: str) -> list[tuple[bytes, bytes]] | None:
    delimiter = b"--" + boundary.encode()
    chunks = body.split(delimiter)
    fields: list[tuple[bytes, bytes]] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        head, separator, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            return None
        fields.append((head, content.removesuffix(b"\r\n")))
    return fields


def _multipart(fields: list[tuple[bytes, bytes]], boundary: str) -> bytes:
    delimiter = b"--" + boundary.encode()
    parts = [
        delimiter + b"\r\n" + head + b"\r\n\r\n" + content + b"\r\n" for head, content in fields
    ]
    return b"".join(parts) + delimiter + b"--\r\n"


def _multipart_mutations(body: bytes, boundary: str, depth: int) -> Iterator[tuple[str, bytes]]:
    fields = _multipart_fields(body, boundary)
    if fields is None:
        return
    yield "no closing boundary", body.rsplit(b"--" + boundary.encode(), 1)[0]
    for index, (head, content) in enumerate(fields):
        name = head.decode("utf-8", "replace").split("\r\n")[0][:60]
        rest = fields[:index] + fields[index + 1 :]
        yield f"drop {name}", _multipart(rest, boundary)
        values = [t.encode("utf-8", "surrogateescape") for t in TEXTS if t.isascii()]
        values += [b"\xff", b"\xed\xa0\x80", b"\r\n--" + boundary.encode()]
        for value in values:
            changed = [*fields[:index], (head, value), *fields[index + 1 :]]
            yield f"{name} = {value[:20]!r}", _multipart(changed, boundary)
        yield (
            f"{name} head damaged",
            _multipart([*fields[:index], (b"X: y", content), *rest[index:]], boundary),
        )
        text = content.decode("utf-8", "surrogateescape")
        for what, inner in _nested(text, depth):
            changed = [*fields[:index], (head, inner), *fields[index + 1 :]]
            yield f"{name}: {what}", _multipart(changed, boundary)


_EMAIL_VALUES = (
    b"",
    b"<",
    b"\xff\xfe",
    b"\xed\xa0\x80@example.com",
    b"a\x80@ex\xfeample.com",
    b"=?utf-8?b?7aCA?= <a@example.com>",
    b"=?x-unknown?q?abc?=",
    b"(" * 2000,
    b"x" * 50_000,
    b"Fri, 31 Dec 9999 23:59:59 -0100",
    b"Mon, 01 Jan 0001 00:00:00 +0100",
    b"Sat, 01 Jan 10000 00:00:00 +0000",
    b"31 Dec 9999 23:59:60 -2359",
    b"multipart/mixed; boundary=",
    b"text/plain; charset=x-unknown",
    b"base64",
)


def _email_mutations(raw: bytes) -> Iterator[tuple[str, bytes]]:
    newline = b"\r\n" if b"\r\n" in raw else b"\n"
    head, _, body = raw.partition(newline + newline)
    lines = head.split(newline)
    join: Callable[[list[bytes], bytes], bytes] = lambda ls, b: newline.join(ls) + newline * 2 + b  # noqa: E731
    for index, line in enumerate(lines):
        name = line.partition(b":")[0]
        label = name.decode("ascii", "replace")[:40]
        yield f"drop {label}", join(lines[:index] + lines[index + 1 :], body)
        for value in _EMAIL_VALUES:
            changed = [*lines[:index], name + b": " + value, *lines[index + 1 :]]
            yield f"{label}: {value[:20]!r}", join(changed, body)
        yield f"{label} twice", join([*lines, line], body)
    for header in (b"Content-Type", b"Content-Transfer-Encoding", b"Date", b"From"):
        for value in _EMAIL_VALUES:
            yield (
                f"add {header.decode()}: {value[:20]!r}",
                join([*lines, header + b": " + value], body),
            )
    for value in (b"", b"\xff\xfe\xed\xa0\x80", b"x" * 300_000, b"=\r\n" * 1000):
        yield f"body = {value[:12]!r}", join(lines, value)


def _header_mutations(headers: Mapping[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    for name in headers:
        rest = {k: v for k, v in headers.items() if k != name}
        yield f"drop header {name}", rest
        for value in TEXTS:
            yield f"header {name} = {value[:20]!r}", {**rest, name: value}
