"""Values as people send them: display names, address lists, chat ids, usernames, placeholders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.cli import main
from omnicx.identity import (
    BatchPolicy,
    ContactRecord,
    Dropped,
    DropReason,
    MemoryIdentityStore,
    Observation,
    SharedReason,
    canonical_email,
    canonical_phone,
    email_addresses,
    handle_identifier,
    observation_of,
    resolve,
    resolve_batch,
)
from omnicx.identity._guards import DEFAULT_POLICY, too_many_names
from omnicx.identity._names import same_person_name
from omnicx.model import Identifier

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_display_names_and_address_lists() -> None:
    """``Jane Doe <jane@x.com>`` is jane@x.com; a list splits, quoted commas kept."""
    assert canonical_email("Jane Doe <Jane@Example.org>") == "jane@example.org"
    assert canonical_email('"Doe, Jane" <jane@example.org>') == "jane@example.org"
    assert email_addresses('Jane <a@x.com>, "Smith, Bob" <b@y.com>; c@z.com') == (
        "a@x.com",
        "b@y.com",
        "c@z.com",
    )
    assert email_addresses("a@x.com") == ("a@x.com",)


def test_whatsapp_chat_ids_are_phones() -> None:
    """``@s.whatsapp.net`` and ``@c.us`` ids hold the number; a group id is refused."""
    assert canonical_phone("447911123456@s.whatsapp.net") == "+447911123456"
    assert canonical_phone("14155550100:7@c.us") == "+14155550100"
    assert handle_identifier("whatsapp", "447911123456@s.whatsapp.net") == Identifier.phone(
        "+447911123456"
    )


def test_usernames_fold_case_and_the_at_sign() -> None:
    """Instagram and X usernames: ``@`` optional, case folded; numeric IGSIDs unchanged."""
    assert handle_identifier("instagram", "@Jane.Doe") == handle_identifier("ig", "jane.doe")
    assert handle_identifier("instagram", "@Jane.Doe").value == "@jane.doe"
    assert handle_identifier("instagram", "1784").value == "1784"
    assert handle_identifier("x", "@JDoe") == handle_identifier("twitter", "jdoe")


@pytest.mark.parametrize(
    "value",
    [
        "noemail@noemail.com", "na@na.com", "no@email.com", "customer@example.com",
        "a@a.com", "+15555555555", "+441234567890", "+445555555555", "null", "anonymous", "-1",
    ],
)  # fmt: skip
def test_placeholders_are_blocked(value: str) -> None:
    """Placeholders typed into required fields never link, in every region."""
    assert DEFAULT_POLICY.blocks(value)


@pytest.mark.parametrize("value", ["+447911123456", "+14155550100", "j@smith.com", "ana@x.com"])
def test_real_values_are_not_blocked(value: str) -> None:
    """Ordinary numbers and addresses (a one-letter mailbox at a real domain) link."""
    assert not DEFAULT_POLICY.blocks(value)


def test_every_dropped_value_is_reported_with_its_reason() -> None:
    """Invalid and placeholder values come back in ``dropped``; list members link."""
    records = [
        ContactRecord(
            record_id="a",
            emails=["Jane Doe <jane@x.com>, noemail@noemail.com", "bad@"],
            phones=["5555555555", "07911 123456"],
            region="GB",
            handles=[("x", "not a handle")],
        ),
        ContactRecord(record_id="b", emails=["JANE@x.com"], phones=["5555555555"], region="GB"),
        ContactRecord(record_id="c", handles=[("whatsapp", "447911123456@s.whatsapp.net")]),
    ]
    result = resolve_batch(records)
    assert set(result.clusters.values()) == {"a"}
    assert result.dropped == (
        Dropped(
            value="bad@",
            kind="email",
            reason=DropReason.INVALID,
            detail="the domain (after '@') is empty",
        ),
        Dropped(
            value="noemail@noemail.com",
            kind="email",
            reason=DropReason.BLOCKED,
            detail="email:noemail@noemail.com is a placeholder",
        ),
        Dropped(
            value="not a handle",
            kind="handle:x",
            reason=DropReason.INVALID,
            detail="handle: an X handle is 1 to 15 letters, digits or '_' (an optional '@' first)",
        ),
        Dropped(
            value="5555555555",
            kind="phone",
            reason=DropReason.BLOCKED,
            detail="phone:+445555555555 is a placeholder",
            count=2,
        ),
    )
    assert result.invalid_values == 2


def test_observation_of_reads_address_lists() -> None:
    """The graph's observation of a record holds every address of its list."""
    record = ContactRecord(record_id="r", emails=["Jane <jane@x.com>, bob@y.com"])
    seen = observation_of(record, at=T0)
    assert [i.value for i in seen.identifiers] == ["jane@x.com", "bob@y.com"]


def test_resolve_reports_dropped_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``omnicx resolve`` counts the values left out; ``--dropped`` lists each with its reason."""
    path = tmp_path / "contacts.csv"
    path.write_text(
        "record_id,emails,phones\nr1,na@na.com,1234567890\nr2,Ana <ana@x.com>,not a number\n",
        encoding="utf-8",
    )
    dropped = tmp_path / "dropped.csv"
    assert main(["resolve", str(path), "--region", "US", "--dropped", str(dropped)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "record_id,cluster_id\nr1,r1\nr2,r2\n"
    assert "3 values left out (1 blocked, 2 invalid)" in captured.err
    lines = dropped.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "kind,value,reason,detail,count"
    assert lines[1] == "email,na@na.com,blocked,email:na@na.com is a placeholder,1"
    assert [line.split(",")[:3] for line in lines[2:]] == [
        ["phone", "1234567890", "invalid"],
        ["phone", "not a number", "invalid"],
    ]


# The names guard: the same function for batch and the graph.

_NAMES = st.sampled_from(
    [
        "Mitchell, Justin", "Justin Mitchell", "J. Mitchell", "Robinson Josh", "Josh Robinson",
        "P. Moses", "P Moses", "Paul Moses", "Peter Moses", "Lori C.", "Lori Carter", "🌸 Karen",
        "Karen", "Bob Smith", "Robert Smith", "Maria Becker", "Lucas Becker", "John Smith",
        "Jane Smith", "Anna Kowalski", "Anna Nowak", "",
    ]
)  # fmt: skip


@given(st.lists(_NAMES, max_size=6), st.randoms(use_true_random=False))
def test_the_guard_does_not_depend_on_order(names: list[str], rnd: object) -> None:
    """Whether a value has too many people does not depend on the order of its names."""
    shuffled = list(names)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert too_many_names(names) == too_many_names(shuffled)


@given(_NAMES, _NAMES)
def test_the_relation_is_symmetric(left: str, right: str) -> None:
    """Whether two names are one person's does not depend on which comes first."""
    assert same_person_name(left, right) == same_person_name(right, left)


def _graph_shared(names: list[str]) -> bool:
    store = MemoryIdentityStore()
    phone = Identifier.phone("+14155550100")
    for n, name in enumerate(names):
        at = T0 + timedelta(minutes=n)
        resolve(store, Observation(id=f"o{n}", at=at, identifiers=(phone,), name=name or None))
    link = store.links["phone:+14155550100"]
    return link.shared is SharedReason.TOO_MANY_NAMES


def _batch_shared(names: list[str]) -> bool:
    records = [
        ContactRecord(record_id=f"r{n}", phones=["+14155550100"], name=name)
        for n, name in enumerate(names)
    ]
    found = resolve_batch(records, policy=BatchPolicy()).shared
    return any(s.reason is SharedReason.TOO_MANY_NAMES for s in found)


@pytest.mark.parametrize(
    "names",
    [
        ["Mitchell, Justin", "Justin Mitchell"],
        ["Robinson Josh", "Josh Robinson"],
        ["P. Moses", "P Moses", "Paul Moses"],
        ["Lori C.", "Lori Carter"],
        ["🌸 Karen", "Karen"],
        ["Dr. José Núñez Jr.", "jose nunez"],
        ["Bob Smith", "Robert Smith"],
        ["Maria Becker", "Lucas Becker"],
        ["John Smith", "Jane Smith"],
        ["Anna Kowalski", "Anna Nowak"],
        ["Paul Moses", "P. Moses", "Peter Moses"],
    ],
)
def test_batch_and_graph_count_people_alike(names: list[str]) -> None:
    """A household phone is shared in both paths; one person's spellings in neither."""
    expected = too_many_names(names)
    assert _batch_shared(names) is expected
    assert _graph_shared(names) is expected


def test_resolve_lets_a_household_share_a_number_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--max-people 2`` lets a couple's line link; by default it keeps them apart."""
    path = tmp_path / "contacts.csv"
    path.write_text(
        "record_id,name,phones\nr1,Maria Becker,+14155550100\nr2,Lucas Becker,+14155550100\n",
        encoding="utf-8",
    )
    assert main(["resolve", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["r1,r1", "r2,r2"]
    assert main(["resolve", str(path), "--max-people", "2"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["r1,r1", "r2,r1"]
