"""``omnicx resolve contacts.csv``: batch identity resolution of a contact export.

Input is a CSV file with a header. Columns (only ``record_id`` is required):

- ``record_id``: unique per row;
- ``email``/``emails``, ``phone``/``phones``: one or more values, ``;`` between;
- ``handles``: ``network:value`` items (``instagram:1784...;x:@jdoe``);
- ``external_ids``: ``system:value`` items, split at the last ``:``
  (``shopify:customer:123``);
- ``emails_verified``: ``true``/``false`` (also ``1``/``0``, ``yes``/``no``);
- ``name``, ``address``, ``region`` (default region for national phones),
  ``source``.

Output is ``record_id,cluster_id``, one row per input row, in input order.
An email cell may hold an address list (``Jane Doe <jane@x.com>, b@y.com``).

Values left out (malformed, or placeholders such as ``noemail@noemail.com``
and ``5555555555``) are counted on standard error; ``--dropped FILE`` writes
each one as ``kind,value,reason,detail,count``.
"""

from __future__ import annotations

import argparse
import csv
import operator
import sys
from collections import Counter
from collections.abc import Iterator
from typing import IO, Any

from omnicx.cli._fail import not_text, unreadable
from omnicx.errors import ValidationError, suggest
from omnicx.identity import BatchPolicy, ContactRecord, Dropped, IdentityPolicy, resolve_batch

_COLUMNS = {
    "record_id": "record_id",
    "source": "source",
    "name": "name",
    "address": "address",
    "region": "region",
    "email": "emails",
    "emails": "emails",
    "phone": "phones",
    "phones": "phones",
    "handles": "handles",
    "external_ids": "external_ids",
    "emails_verified": "emails_verified",
}
_TRUTH = {"": False, "false": False, "0": False, "no": False, "true": True, "1": True, "yes": True}


def register(subparsers: Any) -> None:
    """Add the ``resolve`` subcommand."""
    parser = subparsers.add_parser(
        "resolve",
        help="partition a contact CSV into people (record_id,cluster_id)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("contacts", help="CSV file with a header row")
    parser.add_argument("-o", "--output", help="write here instead of standard output")
    parser.add_argument("--region", help="default region for national phones, e.g. GB")
    parser.add_argument("--fuzzy", action="store_true", help="also link by name + address")
    parser.add_argument(
        "--max-names", type=int, default=3, help="names a value may carry before it is shared"
    )
    parser.add_argument(
        "--max-people",
        type=int,
        default=1,
        help="people a value's names may belong to before it is shared (a family phone)",
    )
    parser.add_argument(
        "--dropped",
        metavar="FILE",
        help="write every value left out, with its reason (kind,value,reason,detail,count)",
    )
    parser.set_defaults(handler=_run, reads=("contacts",))


def _run(args: argparse.Namespace) -> int:
    policy = BatchPolicy(
        identity=IdentityPolicy(
            max_names_per_identifier=args.max_names, max_people_per_identifier=args.max_people
        ),
        default_region=args.region,
        fuzzy=args.fuzzy,
    )
    path: str = args.contacts
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as error:
        raise unreadable(path, error) from None
    with handle:
        bar = _Progress(path, sys.stderr) if sys.stderr.isatty() else None
        ids: list[str] = []
        result = resolve_batch(
            read_contacts(handle, path, ids), policy=policy, progress=bar.update if bar else None
        )
        if bar:
            bar.done()
    out: IO[str] = sys.stdout
    if args.output:
        try:
            out = open(args.output, "w", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as error:
            raise ValidationError.single(
                args.output, f"can't write the file ({error.strerror})"
            ) from None
    try:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["record_id", "cluster_id"])
        clusters = result.clusters
        writer.writerows((rid, clusters[rid]) for rid in ids)
    finally:
        if out is not sys.stdout:
            out.close()
    _report_dropped(result.dropped, args.dropped)
    return 0


def _report_dropped(dropped: tuple[Dropped, ...], path: str | None) -> None:
    """One line on standard error (when any was dropped); every value to ``path``."""
    if dropped:
        counts = Counter(d.reason.value for d in dropped)
        parts = ", ".join(f"{n:,} {reason}" for reason, n in sorted(counts.items()))
        where = f"; listed in {path}" if path else "; --dropped FILE lists them"
        print(f"omnicx resolve: {len(dropped):,} values left out ({parts}){where}", file=sys.stderr)
    if path is None:
        return
    try:
        handle = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as error:
        raise ValidationError.single(path, f"can't write the file ({error.strerror})") from None
    with handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["kind", "value", "reason", "detail", "count"])
        writer.writerows((d.kind, d.value, d.reason.value, d.detail, d.count) for d in dropped)


def read_contacts(handle: IO[str], path: str, ids: list[str]) -> Iterator[ContactRecord]:
    """Yield one ContactRecord per CSV row, appending each id to ``ids``.

    Raises ValidationError naming the file, the line and the column of the
    first problem (or only the file, when it is not UTF-8 text); the message
    never repeats a cell's content.
    """
    reader = csv.reader(handle, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise ValidationError.single(f"{path}:1", "the file is empty (a header row is needed)")
        fields = _header(header, path)
        # Column positions, read directly from each row (a later column of
        # the same field wins, as "email" then "emails" would in a dict).
        at = {name: position for position, name in enumerate(fields)}
        width = len(header)
        # One C-level call picks the ten fields of a row; a missing column
        # reads the empty cell appended at position ``width``.
        pick = operator.itemgetter(*(at.get(name, width) for name in _FIELDS))
        seen: set[str] = set()
        for row in reader:
            if len(row) != width:
                if not any(row):
                    continue
                raise ValidationError.single(
                    f"{path}:{reader.line_num}", f"expected {width} fields, got {len(row)}"
                )
            if not any(row):
                continue
            row.append("")
            record = _record(pick(row), path, reader.line_num)
            if record.record_id in seen:
                raise ValidationError.single(
                    f"{path}:{reader.line_num}: record_id",
                    "repeats an earlier row's id (ids are unique)",
                )
            seen.add(record.record_id)
            ids.append(record.record_id)
            yield record
    except csv.Error as error:
        raise ValidationError.single(f"{path}:{reader.line_num}", f"bad CSV ({error})") from None
    except UnicodeDecodeError:
        raise not_text(path) from None


def _header(header: list[str], path: str) -> list[str]:
    fields: list[str] = []
    for column, raw in enumerate(header, start=1):
        name = raw.strip().lower()
        if name not in _COLUMNS:
            hint = suggest(name, list(_COLUMNS))
            raise ValidationError.single(
                f"{path}:1: column {column}", f"unknown column {raw!r}{hint}"
            )
        fields.append(_COLUMNS[name])
    if "record_id" not in fields:
        raise ValidationError.single(f"{path}:1", "the header has no 'record_id' column")
    return fields


def _split(cell: str) -> tuple[str, ...]:
    if not cell:
        return ()
    if ";" not in cell:
        value = cell.strip()
        return (value,) if value else ()
    return tuple(v.strip() for v in cell.split(";") if v.strip())


def _pairs(cell: str, where: str, *, last: bool) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for item in _split(cell):
        scope, colon, value = item.rpartition(":") if last else item.partition(":")
        if not colon or not scope or not value:
            raise ValidationError.single(where, "an item is not written 'name:value'")
        pairs.append((scope, value))
    return tuple(pairs)


_FIELDS = (
    "record_id", "source", "emails", "emails_verified", "phones",
    "handles", "external_ids", "name", "address", "region",
)  # fmt: skip


def _record(cells: tuple[str, ...], path: str, line: int) -> ContactRecord:
    """One ContactRecord from the row's cells, in the order of ``_FIELDS``."""
    rid, source, emails, verified, phones, handles, external, name, address, region = cells
    record_id = rid.strip()
    if not record_id:
        raise ValidationError.single(f"{path}:{line}: record_id", "the record id is empty")
    verified = verified.strip().lower()
    if verified not in _TRUTH:
        raise ValidationError.single(
            f"{path}:{line}: emails_verified", "not one of true, false, 1, 0, yes, no"
        )
    return ContactRecord(
        record_id=record_id,
        source=source,
        emails=_split(emails),
        emails_verified=_TRUTH[verified],
        phones=_split(phones),
        handles=_pairs(handles, f"{path}:{line}: handles", last=False) if handles else (),
        external_ids=(
            _pairs(external, f"{path}:{line}: external_ids", last=True) if external else ()
        ),
        name=name,
        address=address,
        region=region.strip().upper(),
    )


class _Progress:
    """A one-line progress bar on a terminal: records read out of the file's rows."""

    def __init__(self, path: str, stream: IO[str]) -> None:
        self.stream = stream
        with open(path, "rb") as counted:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: counted.read(1 << 20), b""))
        self.total = max(1, lines - 1)

    def update(self, done: int) -> None:
        share = min(1.0, done / self.total)
        filled = int(share * 30)
        self.stream.write(f"\rresolving [{'#' * filled}{'.' * (30 - filled)}] {done:,} records")
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
