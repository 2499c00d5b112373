"""Synthetic omnichannel contacts with ground-truth people.

Each source carries only the fields it really would: an SMS has a phone, a
Shopify order an email, a phone and a customer id, an Instagram DM a
page-scoped id. Values arrive in the messy forms real exports have (case,
Gmail dots, ``+tags``, ``mailto:``, national and international phones with
trunk prefixes, WhatsApp ids, ``@handles``), names with typos and nicknames,
and the traps that glue people together: shared family phones and mailboxes,
role mailboxes, switchboards, junk values, recycled numbers and people with
two Shopify ids.

Alongside the records the generator keeps, for every record, the *true*
identifiers it carries (the mailbox, the line, the account), so the ceiling
of an identifier-only resolver can be computed (see ``ceiling_partition``).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator

import attrs

from omnicx.identity import BatchPolicy, ContactRecord, IdentityPolicy, resolve_batch

FIRST_NAMES = {
    "Robert": ("Bob", "Rob", "Bobby"),
    "William": ("Bill", "Will", "Liam"),
    "Elizabeth": ("Liz", "Beth", "Lisa"),
    "Katherine": ("Kate", "Kathy", "Katie"),
    "James": ("Jim", "Jamie"),
    "Michael": ("Mike", "Mick"),
    "Margaret": ("Maggie", "Peggy"),
    "Richard": ("Rick", "Rich"),
    "Jennifer": ("Jen", "Jenny"),
    "Thomas": ("Tom", "Tommy"),
    "Alexander": ("Alex", "Sasha"),
    "Christopher": ("Chris",),
    "Daniel": ("Dan", "Danny"),
    "Joseph": ("Joe", "Joey"),
    "Susan": ("Sue", "Suzy"),
    "Patricia": ("Pat", "Trish"),
    "Anthony": ("Tony",),
    "Edward": ("Ed", "Ted"),
    "Samantha": ("Sam",),
    "Victoria": ("Vicky", "Tori"),
}
PLAIN_FIRST = [
    "Maria",
    "Sofia",
    "Lucas",
    "Emma",
    "Olivia",
    "Noah",
    "Mia",
    "Chloe",
    "Hugo",
    "Lea",
    "Juergen",
    "Anna",
    "Paul",
    "Amelie",
    "Jonas",
    "Ines",
    "Mateo",
    "Zoe",
    "Louis",
    "Clara",
    "Felix",
    "Nina",
    "Oscar",
    "Ruby",
    "Arthur",
    "Ella",
    "Leon",
    "Alice",
    "Theo",
    "Hannah",
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Martin",
    "Bernard",
    "Dubois",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Mueller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Garcia",
    "Rodriguez",
    "Lopez",
    "Martinez",
    "Gonzalez",
    "Perez",
    "Sanchez",
    "Ramirez",
    "Nguyen",
    "Tran",
    "Kowalski",
    "Novak",
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Silva",
    "Santos",
]
DOMAINS = ("gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "gmx.de", "orange.fr")
STREETS = ("High Street", "Station Road", "Rue de la Paix", "Hauptstrasse", "Main Street")
REGIONS = ("US", "GB", "FR", "DE")
JUNK_EMAILS = ("null", "test@test.com", "anonymous", "n/a", "noemail@example.com", "-1")
JUNK_PHONES = ("0000000", "-1", "null", "000-000-0000", "1234567890", "n/a")


def _mobile(rng: random.Random, region: str) -> str:
    """A valid mobile number in E.164 for ``region``."""
    if region == "US":
        return f"+1415{rng.randint(2, 9)}{rng.randrange(10**6):06d}"
    if region == "GB":
        return f"+447{rng.choice('58')}{rng.randrange(10**8):08d}"
    if region == "FR":
        return f"+336{rng.choice('167')}{rng.randrange(10**7):07d}"
    return f"+49151{rng.randrange(10**8):08d}"


def _phone_form(rng: random.Random, e164: str, region: str, source: str) -> str:
    """``e164`` as one source writes it: E.164, international, national, WhatsApp."""
    digits = e164[1:]
    cc = {"US": "1", "GB": "44", "FR": "33", "DE": "49"}[region]
    national = digits[len(cc) :]
    if source == "whatsapp":
        return rng.choice((digits, f"whatsapp:{e164}", e164))
    roll = rng.random()
    if roll < 0.55:
        return e164
    if roll < 0.7:
        return f"+{cc} {national[:3]} {national[3:]}"
    if roll < 0.8:
        return f"00{cc}{national}"
    if region == "US":
        return f"({national[:3]}) {national[3:6]}-{national[6:]}"
    return f"0{national[:4]} {national[4:]}"  # trunk prefix, read with the record's region


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


@attrs.define
class Person:
    """One true person and the identifiers they own."""

    index: int
    first: str
    last: str
    region: str
    phone: str
    local: str
    domain: str
    emails: list[str]
    shopify: list[str]
    instagram: str
    x_handle: str
    address: str


@attrs.frozen(kw_only=True)
class Dataset:
    """Records, the person behind each, and the true identifiers each carries."""

    records: list[ContactRecord]
    truth: list[int]
    true_keys: list[tuple[str, ...]]


class _World:
    def __init__(self, rng: random.Random, n_people: int) -> None:
        self.rng = rng
        self.people: list[Person] = []
        self.companies = max(1, n_people // 40)
        self.households: dict[int, tuple[str, str]] = {}
        for index in range(n_people):
            self.people.append(self._person(index))
        # Families: a landline and a family mailbox shared by 2-4 people.
        for start in range(0, n_people - 4, 25):
            size = rng.randint(2, 4)
            last = self.people[start].last
            line = _mobile(rng, self.people[start].region)
            box = f"{last.lower()}.family{start}@{rng.choice(DOMAINS[2:])}"
            for member in self.people[start : start + size]:
                member.last = last
                self.households[member.index] = (line, box)
        # Recycled numbers: a number given up by one person, later another's.
        for a in range(7, n_people - 1, 97):
            self.people[a + 1].phone = self.people[a].phone
        # People with two Shopify customer ids (guest checkout, then an account).
        for p in self.people[3::60]:
            p.shopify.append(str(9_000_000 + p.index))

    def _person(self, index: int) -> Person:
        rng = self.rng
        formal = rng.choice(tuple(FIRST_NAMES) + tuple(PLAIN_FIRST))
        last = rng.choice(LAST_NAMES)
        region = rng.choice(REGIONS)
        local = f"{formal.lower()}.{last.lower()}{index}"
        domain = rng.choice(DOMAINS)
        emails = [f"{local}@{domain}"]
        if rng.random() < 0.2:
            emails.append(f"{formal[0].lower()}{last.lower()}{index}@company{index % 997}.com")
        return Person(
            index=index,
            first=formal,
            last=last,
            region=region,
            phone=_mobile(rng, region),
            local=local,
            domain=domain,
            emails=emails,
            shopify=[str(1_000_000 + index)],
            instagram=str(17_800_000_000 + index * 7),
            # X usernames are at most 15 characters: "Your username cannot be
            # longer than 15 characters" (help.x.com, username rules).
            x_handle=f"{formal[:3]}{last[:5]}{index}",
            address=f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
        )

    def name(self, p: Person) -> str:
        rng = self.rng
        first = p.first
        if first in FIRST_NAMES and rng.random() < 0.3:
            first = rng.choice(FIRST_NAMES[first])
        last = _typo(rng, p.last) if rng.random() < 0.08 else p.last
        first = _typo(rng, first) if rng.random() < 0.05 else first
        name = f"{first} {last}"
        return name.upper() if rng.random() < 0.05 else name

    def email_form(self, p: Person, box: str) -> str:
        rng = self.rng
        local, _, domain = box.partition("@")
        if domain in ("gmail.com", "googlemail.com"):
            if rng.random() < 0.2:
                local = local.replace(".", "")
            if rng.random() < 0.2:
                domain = rng.choice(("gmail.com", "googlemail.com"))
        if domain in ("gmail.com", "googlemail.com", "outlook.com") and rng.random() < 0.1:
            local = f"{local}+{rng.choice(('shop', 'news', 'orders'))}"
        text = f"{local}@{domain}"
        roll = rng.random()
        if roll < 0.1:
            text = text.upper()
        elif roll < 0.2:
            text = text.capitalize()
        if rng.random() < 0.05:
            text = f"mailto:{text}"
        return f" {text} " if rng.random() < 0.03 else text


def _true_email(box: str) -> str:
    """The mailbox behind a written form: Gmail ignores dots and tags and aliases googlemail."""
    local, _, domain = box.lower().partition("@")
    if domain in ("gmail.com", "googlemail.com"):
        return "e:" + local.replace(".", "") + "@gmail.com"
    return f"e:{box.lower()}"


def _record(w: _World, rid: int, p: Person) -> tuple[ContactRecord, tuple[str, ...]]:
    rng = w.rng
    source = rng.choices(
        ("sms", "whatsapp", "shopify", "instagram", "email", "web_chat", "x", "phone_call"),
        weights=(14, 14, 20, 12, 22, 8, 4, 6),
    )[0]
    keys: list[str] = []
    emails: list[str] = []
    phones: list[str] = []
    handles: list[tuple[str, str]] = []
    external: list[tuple[str, str]] = []
    name = ""
    address = ""
    household = w.households.get(p.index)
    company = p.index % w.companies

    def add_phone(e164: str, key: str) -> None:
        phones.append(_phone_form(rng, e164, p.region, source))
        keys.append(key)

    def add_email(box: str, key: str) -> None:
        emails.append(w.email_form(p, box))
        keys.append(key)

    def own_phone() -> None:
        if household and rng.random() < 0.3:
            add_phone(household[0], f"p:{household[0]}")
        elif rng.random() < 0.01:
            phones.append(rng.choice(JUNK_PHONES))
            keys.append(f"junk:{phones[-1]}")
        else:
            add_phone(p.phone, f"p:{p.phone}")

    def own_email() -> None:
        roll = rng.random()
        if household and roll < 0.25:
            add_email(household[1], _true_email(household[1]))
        elif roll < 0.04:
            box = rng.choice(("info", "support", "sales", "contact")) + f"@company{company}.com"
            add_email(box, f"e:{box}")
        elif roll < 0.05:
            emails.append(rng.choice(JUNK_EMAILS))
            keys.append(f"junk:{emails[-1]}")
        else:
            box = rng.choice(p.emails)
            add_email(box, _true_email(box))

    if source == "sms":
        own_phone()
    elif source == "whatsapp":
        own_phone()
        name = w.name(p) if rng.random() < 0.6 else ""
    elif source == "phone_call":
        if rng.random() < 0.15:
            line = f"+1415555{company % 10000:04d}"  # a company switchboard
            phones.append(line)
            keys.append(f"p:{line}")
        else:
            own_phone()
    elif source == "shopify":
        shop_id = rng.choice(p.shopify)
        external.append(("shopify:customer", shop_id))
        keys.append(f"x:{shop_id}")
        own_email()
        if rng.random() < 0.7:
            own_phone()
        name = w.name(p)
        address = p.address
    elif source == "instagram":
        handles.append(("instagram", p.instagram))
        keys.append(f"h:ig:{p.instagram}")
        name = w.name(p) if rng.random() < 0.5 else ""
    elif source == "x":
        handle = p.x_handle if rng.random() < 0.5 else "@" + p.x_handle.lower()
        handles.append(("x", handle))
        keys.append(f"h:x:{p.x_handle.lower()}")
        name = w.name(p)
    else:  # email, web_chat
        own_email()
        name = w.name(p) if rng.random() < 0.8 else ""
    record = ContactRecord(
        record_id=f"r{rid:08d}",
        source=source,
        emails=tuple(emails),
        emails_verified=source in ("shopify", "email"),
        phones=tuple(phones),
        handles=tuple(handles),
        external_ids=tuple(external),
        name=name,
        address=address,
        region=p.region,
    )
    return record, tuple(keys)


def generate(n_records: int, seed: int = 7, people: int | None = None) -> Dataset:
    """Make ``n_records`` records of ``people`` people (``n_records / 4`` when None), shuffled.

    More people for as many records means more namesakes and fewer records
    per person (``people=0.6 * n_records``: 600k people behind 1M records).
    """
    rng = random.Random(seed)
    world = _World(rng, max(8, n_records // 4 if people is None else people))
    n_people = len(world.people)
    records: list[ContactRecord] = []
    truth: list[int] = []
    true_keys: list[tuple[str, ...]] = []
    for rid in range(n_records):
        # Skewed activity: a few people write a lot, most write once or twice.
        if rid % 3 == 0:
            # A few frequent customers: density falls as 1/sqrt(rank).
            heavy = int(n_people * rng.random() ** 2)
            person = world.people[(heavy * 7919) % n_people]
        else:
            person = world.people[rng.randrange(n_people)]
        record, keys = _record(world, rid, person)
        records.append(record)
        truth.append(person.index)
        true_keys.append(keys)
    order = list(range(n_records))
    rng.shuffle(order)
    return Dataset(
        records=[records[i] for i in order],
        truth=[truth[i] for i in order],
        true_keys=[true_keys[i] for i in order],
    )


def _owners(data: Dataset) -> dict[str, set[int]]:
    owners: dict[str, set[int]] = defaultdict(set)
    for keys, person in zip(data.true_keys, data.truth, strict=True):
        for key in keys:
            owners[key].add(person)
    return owners


def ceiling_partition(data: Dataset) -> list[str]:
    """The partition a perfect identifier-only resolver honouring the rules reaches.

    Perfect: it knows which values belong to exactly one person (a family
    line or mailbox, a role mailbox, a switchboard, a recycled number or a
    junk value belongs to several, or to no one, and links nothing), so no
    names are needed to spot them. Honouring the rules: everything else is
    the issue's deterministic policy as ``resolve_batch`` applies it with
    defaults: precedence, invalid values never match, and merge protection:
    two Shopify ids of one person never auto-merge ("two profiles with
    different values never auto-merge"), and a phone or handle does not link
    profiles holding different verified emails. So it is ``resolve_batch``
    over the records stripped of every value that is not one person's, with
    the names limits and the caller-ID rule switched off (those guess what
    the oracle knows).
    """
    owners = _owners(data)
    records = [
        _only_personal(record, keys, owners)
        for record, keys in zip(data.records, data.true_keys, strict=True)
    ]
    unlimited = 10**9
    policy = BatchPolicy(
        identity=IdentityPolicy(max_names_per_identifier=unlimited),
        max_people_per_value=unlimited,
        caller_id_sources=frozenset(),
    )
    clusters = resolve_batch(records, policy=policy).clusters
    return [clusters[r.record_id] for r in records]


def _only_personal(
    record: ContactRecord, keys: tuple[str, ...], owners: dict[str, set[int]]
) -> ContactRecord:
    """``record`` without the values that are not exactly one person's."""

    def personal(prefix: str) -> bool:
        return any(k.startswith(prefix) and len(owners[k]) == 1 for k in keys)

    # A record carries at most one value of each kind; junk values have
    # their own "junk:" keys and so never count as personal.
    return attrs.evolve(
        record,
        emails=record.emails if personal("e:") else (),
        phones=record.phones if personal("p:") else (),
        handles=record.handles if personal("h:") else (),
        external_ids=record.external_ids if personal("x:") else (),
    )


def unprotected_ceiling_partition(data: Dataset) -> list[int]:
    """Like :func:`ceiling_partition` but with no merge protection at all.

    Links any two records sharing a value that belongs to exactly one
    person, even two Shopify ids of one person or a phone between different
    verified emails: a bound no resolver honouring the issue's protection
    can reach, printed for comparison only.
    """
    owners = _owners(data)
    parent = list(range(len(data.records)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_holder: dict[str, int] = {}
    for i, keys in enumerate(data.true_keys):
        for key in keys:
            if key.startswith("junk:") or len(owners[key]) != 1:
                continue
            j = first_holder.setdefault(key, i)
            a, b = find(i), find(j)
            if a != b:
                parent[a] = b
    return [find(i) for i in range(len(parent))]


def iter_csv_rows(data: Dataset) -> Iterator[list[str]]:
    """The records as rows of the ``omnicx resolve`` CSV format (header first)."""
    yield ["record_id", "source", "name", "emails", "emails_verified", "phones", "handles",
           "external_ids", "address", "region"]  # fmt: skip
    for r in data.records:
        yield [
            r.record_id,
            r.source,
            r.name,
            ";".join(r.emails),
            "true" if r.emails_verified else "false",
            ";".join(r.phones),
            ";".join(f"{n}:{v}" for n, v in r.handles),
            ";".join(f"{s}:{v}" for s, v in r.external_ids),
            r.address,
            r.region,
        ]
