"""Synthetic omnichannel contacts with names and values as people write them, with truth.

A second generator next to ``synth.py``, written independently of omnicx's
name rules: each record is one person's message, order or call, and the
person behind it is kept as truth, with the true identifiers it carries (so
``synth.ceiling_partition`` computes the identifier-only ceiling on it).

Rates, and where they come from. "Estimate" means no published figure was
found and the number is a judgement; change it with the constant named.

Identifier traps
- ``LANDLINE_HOUSEHOLDS = 0.30``: households with a landline the members
  share. NHIS wireless substitution, January-June 2021 (Blumberg and Luke,
  NCHS): 68.0% of US adults lived in wireless-only homes, so about 32% in a
  home with a landline.
- ``HOUSEHOLD_SIZES``: people per household 1-4 with weights 28/35/16/21,
  the US Census Bureau's household size distribution rounded (about 2.5
  people per household). Estimate for the other regions.
- ``BORROWED_MOBILE = 0.03``: a household member's record carries another
  member's mobile (a spouse orders with a partner's number). Estimate.
- ``FAMILY_MAILBOX = 0.06``: households with a shared mailbox
  (``smithfamily@...``). Estimate.
- ``RECYCLED = 0.01``: people whose mobile number earlier belonged to
  another customer. The FCC's reassigned numbers order (December 2018):
  over 35 million US numbers are disconnected and made available for
  reassignment each year; Lee and Narayanan (Princeton, 2021) found 171 of
  259 recycled numbers they sampled still tied to a previous owner's
  accounts. Which fraction of one business's customers meet a previous
  owner who is also a customer is an estimate.
- ``SWITCHBOARD = 0.10`` of inbound calls come from a company switchboard;
  ``ROLE_MAILBOX = 0.03`` of emails from a role mailbox (``info@``,
  ``office@``, ``accounts@``). Estimates.
- ``PLACEHOLDER_EMAIL = 0.02``, ``PLACEHOLDER_PHONE = 0.01``: values typed
  to get past a required field (``noemail@noemail.com``, ``na@na.com``,
  ``a@a.com``, ``1234567890``, ``5555555555``). Helpdesk documentation
  shows the practice is routine (Teesnap and Sierra Interactive document
  placeholder addresses for customers without email; Invoice Ninja assigns
  ``@example`` addresses); the rates are estimates.
- ``TWO_SHOPIFY_IDS = 0.02``: a guest checkout and later an account. Estimate.

Input forms
- ``FROM_HEADER = 0.35`` of email records carry the mailbox as an RFC 5322
  ``Jane Doe <jane@x.com>`` (some quoted, ``"Doe, Jane" <...>``). Estimate.
- WhatsApp: the sender as a chat id, ``<digits>@s.whatsapp.net`` (Baileys
  documentation: the current user JID form) 45%, the legacy ``@c.us`` 15%,
  digits alone (Cloud API ``wa_id``) 25%, ``whatsapp:+E.164`` (Twilio) 15%.
  The shares are estimates; the forms are documented.
- Phones elsewhere: E.164 45%, international with spaces 15%, ``00``
  prefix 10%, national format read with the record's region 30%. Estimate.
- Instagram: the page-scoped id (IGSID) 60%, else the username with ``@``
  in the case the person chose; X: the username, ``@`` and case as typed
  (both networks fold case). Estimate.
- Gmail dots and ``googlemail.com``, ``+tags``, case and ``mailto:``: as
  in ``synth.py``; estimates.

Names (each a probability per name written; estimates unless said)
- nickname for a given name that has one: 25% (Bob for Robert);
- ``Family, Given`` 6% on forms, ``Family Given`` without a comma 3%;
- initials: given initial with a dot 3%, without 2% (``J. Doe``, ``J Doe``),
  family initial 4% on chat and social names (``Lori C.``);
- the given name alone: 25% of chat and social display names, 3% elsewhere;
- a typo (a swap, a dropped or a doubled letter) in one word: 3%;
- emoji or decoration in chat and social display names: 8% (``🌸 Karen``,
  ``Karen ✨``, ``~Karen~``); all capitals 4%, all lower case 8% there;
- a title or suffix: 2% (``Dr.``, ``Mrs``, ``Jr.``); a middle initial 5%;
- names with diacritics written without them: 35% (an ASCII keyboard);
  people whose names are in Cyrillic or Greek write them in Latin letters
  45% of the time, Chinese names in pinyin 40% (``Wei Wang``), with the
  common spellings (``Dmitry``, not the transliteration ``Dmitriy``).

Activity is skewed as in ``synth.py`` (a third of the records from a few
frequent customers); ``people`` defaults to 0.6 per record, many namesakes.
"""

from __future__ import annotations

import random
import unicodedata

from synth import Dataset

from omnicx.identity import ContactRecord

LANDLINE_HOUSEHOLDS = 0.30
HOUSEHOLD_SIZES = ((1, 28), (2, 35), (3, 16), (4, 21))
BORROWED_MOBILE = 0.03
FAMILY_MAILBOX = 0.06
RECYCLED = 0.01
SWITCHBOARD = 0.10
ROLE_MAILBOX = 0.03
PLACEHOLDER_EMAIL = 0.02
PLACEHOLDER_PHONE = 0.01
TWO_SHOPIFY_IDS = 0.02
FROM_HEADER = 0.35

# (written, common Latin spelling or None, nicknames)
GIVEN: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    ("Robert", None, ("Bob", "Rob", "Bobby")),
    ("William", None, ("Bill", "Will")),
    ("Elizabeth", None, ("Liz", "Beth", "Betty")),
    ("Katherine", None, ("Kate", "Kathy")),
    ("James", None, ("Jim", "Jimmy")),
    ("Michael", None, ("Mike",)),
    ("Margaret", None, ("Maggie", "Peggy")),
    ("Jennifer", None, ("Jen", "Jenny")),
    ("Thomas", None, ("Tom",)),
    ("Christopher", None, ("Chris",)),
    ("Daniel", None, ("Dan", "Danny")),
    ("Joseph", None, ("Joe",)),
    ("Patricia", None, ("Pat", "Trish")),
    ("Anthony", None, ("Tony",)),
    ("Justin", None, ()),
    ("Karen", None, ()),
    ("Lori", None, ()),
    ("Josh", None, ()),
    ("Sarah", None, ()),
    ("Emily", None, ()),
    ("José", "Jose", ("Pepe",)),
    ("François", "Francois", ()),
    ("Zoë", "Zoe", ()),
    ("Chloé", "Chloe", ()),
    ("Jürgen", "Juergen", ()),
    ("Łukasz", "Lukasz", ()),
    ("João", "Joao", ()),
    ("Søren", "Soren", ()),
    ("Inès", "Ines", ()),
    ("Maria", None, ()),
    ("Sofia", None, ()),
    ("Lucas", None, ()),
    ("Emma", None, ()),
    ("Noah", None, ()),
    ("Priya", None, ()),
    ("Ahmed", None, ()),
    ("Fatima", None, ()),
    ("Hannah", None, ()),
    ("Oscar", None, ()),
    ("Leon", None, ()),
)
FAMILY: tuple[tuple[str, str | None], ...] = (
    ("Smith", None),
    ("Johnson", None),
    ("Williams", None),
    ("Brown", None),
    ("Mitchell", None),
    ("Robinson", None),
    ("Carter", None),
    ("Moses", None),
    ("Taylor", None),
    ("Walker", None),
    ("Müller", "Mueller"),
    ("Schröder", "Schroeder"),
    ("García", "Garcia"),
    ("Núñez", "Nunez"),
    ("Lefèvre", "Lefevre"),
    ("Dubois", None),
    ("Wójcik", "Wojcik"),
    ("Sørensen", "Sorensen"),
    ("Nguyễn", "Nguyen"),
    ("Rossi", None),
    ("Silva", None),
    ("Santos", None),
    ("Kowalski", None),
    ("Patel", None),
    ("Khan", None),
    ("O'Brien", None),
    ("Martin", None),
    ("Becker", None),
    ("Fischer", None),
    ("Moreau", None),
)
# Whole names in another script: (given, family, Latin given, Latin family).
SCRIPTS = (
    ("Иван", "Петров", "Ivan", "Petrov"),
    ("Ольга", "Смирнова", "Olga", "Smirnova"),
    ("Дмитрий", "Соколов", "Dmitry", "Sokolov"),
    ("Γιώργος", "Παπαδόπουλος", "Giorgos", "Papadopoulos"),
    ("Ελένη", "Νικολάου", "Eleni", "Nikolaou"),
)
CHINESE = (("伟", "王", "Wei", "Wang"), ("芳", "李", "Fang", "Li"), ("静", "张", "Jing", "Zhang"))
TITLES = ("Dr.", "Mrs", "Mr.", "Ms")
SUFFIXES = ("Jr.", "III", "PhD")
DECOR = ("🌸 {}", "{} ✨", "~{}~", "{} 💙", "{} 🙂", "*{}*", "{} (work)")
DOMAINS = ("gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "gmx.de", "orange.fr")
ROLES = ("info", "office", "accounts", "sales", "contact", "admin")
PLACEHOLDER_EMAILS = (
    "noemail@noemail.com",
    "na@na.com",
    "no@email.com",
    "customer@example.com",
    "a@a.com",
    "none@none.com",
)
PLACEHOLDER_PHONES = ("1234567890", "5555555555", "0000000000", "9999999999", "0123456789")
REGIONS = {"US": "1", "GB": "44", "FR": "33", "DE": "49", "ES": "34"}


def _zipf(rng: random.Random, n: int) -> int:
    """An index in ``range(n)``, the first ones far more common (namesakes)."""
    return min(n - 1, int(n * rng.random() ** 2.2))


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _mobile(rng: random.Random, region: str) -> str:
    if region == "US":
        return f"+1{rng.choice(('415', '212', '312'))}{rng.randint(2, 9)}{rng.randrange(10**6):06d}"
    if region == "GB":
        return f"+447{rng.choice('589')}{rng.randrange(10**8):08d}"
    if region == "FR":
        return f"+336{rng.choice('1245')}{rng.randrange(10**7):07d}"
    if region == "ES":
        return f"+346{rng.randint(0, 9)}{rng.randrange(10**7):07d}"
    return f"+49151{rng.randrange(10**8):08d}"


def _landline(rng: random.Random, region: str) -> str:
    if region == "US":
        return f"+1{rng.choice(('415', '212', '312'))}{rng.randint(2, 9)}{rng.randrange(10**6):06d}"
    if region == "GB":
        return f"+4420{rng.choice('378')}{rng.randrange(10**7):07d}"
    if region == "FR":
        return f"+331{rng.randrange(10**8):08d}"
    if region == "ES":
        return f"+3491{rng.randrange(10**7):07d}"
    return f"+4930{rng.randrange(10**8):08d}"


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


class _Person:
    __slots__ = (
        "emails",
        "family",
        "given",
        "ig_name",
        "index",
        "instagram",
        "kind",
        "latin",
        "middle",
        "mobile",
        "nicks",
        "region",
        "shopify",
        "x_name",
    )  # fmt: skip

    def __init__(self, rng: random.Random, index: int, head: _Person | None = None) -> None:
        # A household shares the head's region, family name and script.
        self.index = index
        self.region = head.region if head else rng.choice(tuple(REGIONS))
        kind = head.kind if head else rng.random()
        self.kind = kind
        # (given, family) as written natively, and the Latin form people type.
        if kind < 0.06:
            table = SCRIPTS if kind < 0.04 else CHINESE
            g, f, lg, lf = table[_zipf(rng, len(table))]
            if head:
                f, lf = head.family, head.latin[1] if head.latin else head.family
            self.latin: tuple[str, str] | None = (lg, lf)
            self.nicks: tuple[str, ...] = ()
        else:
            g, plain_g, self.nicks = GIVEN[_zipf(rng, len(GIVEN))]
            f, plain_f = FAMILY[_zipf(rng, len(FAMILY))]
            if head:
                f, plain_f = head.family, head.latin[1] if head.latin else None
            plain = (plain_g or g, plain_f or f)
            self.latin = plain if plain != (g, f) else None
        self.given, self.family = g, f
        self.middle = rng.choice("ABCDEJKLMR") if rng.random() < 0.3 else ""
        self.mobile = _mobile(rng, self.region)
        base = _ascii(self.latin[0] if self.latin else g).lower()
        fam = _ascii(self.latin[1] if self.latin else f).lower().replace("'", "")
        sep = rng.choice((".", "", "_"))
        self.emails = [f"{base}{sep}{fam}{index}@{rng.choice(DOMAINS)}"]
        if rng.random() < 0.15:
            self.emails.append(f"{base[0]}{fam}{index}@company{index % 997}.com")
        self.shopify = [str(6_100_000_000_000 + index * 7)]  # 13-digit ids, as Shopify has
        if rng.random() < TWO_SHOPIFY_IDS:
            self.shopify.append(str(7_300_000_000_000 + index * 7))
        self.instagram = str(17_800_000_000 + index * 7)
        self.ig_name = rng.choice((f"{base}.{fam}{index}", f"{base}_{index}", f"the{base}{index}"))
        self.x_name = f"{base[:4]}{fam[:4]}{index}"[:15]


class _World:
    def __init__(self, rng: random.Random, n_people: int) -> None:
        self.rng = rng
        self.people: list[_Person] = []
        self.companies = max(1, n_people // 30)
        self.landline: dict[int, str] = {}
        self.mailbox: dict[int, str] = {}
        self.members: dict[int, list[int]] = {}
        sizes, weights = zip(*HOUSEHOLD_SIZES, strict=True)
        start = 0
        while start < n_people:
            size = min(rng.choices(sizes, weights)[0], n_people - start)
            head = _Person(rng, start)
            self.people.append(head)
            self.people.extend(_Person(rng, start + k, head) for k in range(1, size))
            group = list(range(start, start + size))
            if size > 1:
                for i in group:
                    self.members[i] = group
                if rng.random() < LANDLINE_HOUSEHOLDS:
                    line = _landline(rng, head.region)
                    for i in group:
                        self.landline[i] = line
                if rng.random() < FAMILY_MAILBOX:
                    fam = _ascii(head.latin[1] if head.latin else head.family).lower()
                    box = f"{fam.replace(chr(39), '')}family{start}@{rng.choice(DOMAINS)}"
                    for i in group:
                        self.mailbox[i] = box
            start += size
        # A recycled number: an earlier customer's mobile, now another's.
        for p in self.people:
            if p.index and rng.random() < RECYCLED:
                p.mobile = self.people[rng.randrange(p.index)].mobile

    def name(self, p: _Person, *, social: bool) -> str:
        """One way ``p`` writes their name on a form (``social``: a chat or social profile)."""
        rng = self.rng
        given, family = p.given, p.family
        if p.latin and rng.random() < (0.4 if len(given) == 1 else 0.45):
            given, family = p.latin
        elif (given != _ascii(given) or family != _ascii(family)) and rng.random() < 0.35:
            given, family = _ascii(given), _ascii(family)
        if p.nicks and rng.random() < 0.25:
            given = rng.choice(p.nicks)
        if rng.random() < 0.03:
            if rng.random() < 0.5:
                given = _typo(rng, given)
            else:
                family = _typo(rng, family)
        if len(given) == 1 and given == p.given:  # Chinese, native script
            return f"{family}{given}"
        middle = f"{p.middle}." if p.middle and rng.random() < 0.05 else ""
        roll = rng.random()
        if roll < 0.03:
            given = f"{given[0]}."
        elif roll < 0.05:
            given = given[0]
        elif social and roll < 0.09:
            family = f"{family[0]}."
        if social and rng.random() < 0.25 and len(given) > 2:
            name = given
        else:
            roll = rng.random()
            if not social and roll < 0.06:
                name = f"{family}, {given}" + (f" {middle}" if middle else "")
            elif roll < 0.09:
                name = f"{family} {given}"
            else:
                name = " ".join(w for w in (given, middle, family) if w)
        roll = rng.random()
        if roll < 0.01:
            name = f"{rng.choice(TITLES)} {name}"
        elif roll < 0.02 and "," not in name:
            name = f"{name} {rng.choice(SUFFIXES)}"
        if social:
            if rng.random() < 0.08:
                name = rng.choice(DECOR).format(name)
            roll = rng.random()
            if roll < 0.08:
                name = name.lower()
            elif roll < 0.12:
                name = name.upper()
        elif rng.random() < 0.04:
            name = name.upper()
        return name

    def email_text(self, box: str) -> str:
        rng = self.rng
        local, _, domain = box.partition("@")
        if domain in ("gmail.com", "googlemail.com"):
            if rng.random() < 0.2:
                local = local.replace(".", "")
            if rng.random() < 0.2:
                domain = rng.choice(("gmail.com", "googlemail.com"))
        if domain in ("gmail.com", "googlemail.com", "outlook.com") and rng.random() < 0.08:
            local = f"{local}+{rng.choice(('shop', 'news', 'orders'))}"
        text = f"{local}@{domain}"
        roll = rng.random()
        if roll < 0.08:
            text = text.upper()
        elif roll < 0.16:
            text = text.capitalize()
        if rng.random() < 0.03:
            text = f"mailto:{text}"
        return f" {text} " if rng.random() < 0.03 else text


def _true_email(box: str) -> str:
    local, _, domain = box.lower().partition("@")
    if domain in ("gmail.com", "googlemail.com"):
        return "e:" + local.replace(".", "") + "@gmail.com"
    return f"e:{box.lower()}"


def _phone_text(rng: random.Random, e164: str, region: str, source: str) -> str:
    digits = e164[1:]
    national = digits[len(REGIONS[region]) :]
    if source == "whatsapp":
        roll = rng.random()
        if roll < 0.45:
            return f"{digits}@s.whatsapp.net"
        if roll < 0.6:
            return f"{digits}@c.us"
        return digits if roll < 0.85 else f"whatsapp:{e164}"
    roll = rng.random()
    if roll < 0.45:
        return e164
    if roll < 0.6:
        return f"+{REGIONS[region]} {national[:3]} {national[3:]}"
    if roll < 0.7:
        return f"00{digits}"
    if region == "US":
        return f"({national[:3]}) {national[3:6]}-{national[6:]}"
    if region in ("FR", "GB", "DE"):
        return f"0{national[:4]} {national[4:]}"
    return f"{national[:3]} {national[3:6]} {national[6:]}"  # ES: no trunk prefix


def _record(w: _World, rid: int, p: _Person) -> tuple[ContactRecord, tuple[str, ...]]:
    rng = w.rng
    source = rng.choices(
        ("sms", "whatsapp", "shopify", "instagram", "email", "web_chat", "x", "phone_call"),
        weights=(12, 16, 20, 12, 20, 8, 4, 8),
    )[0]
    social = source in ("whatsapp", "instagram", "x", "web_chat")
    keys: list[str] = []
    emails: list[str] = []
    phones: list[str] = []
    handles: list[tuple[str, str]] = []
    external: list[tuple[str, str]] = []
    company = p.index % w.companies
    name = w.name(p, social=social)

    def phone() -> None:
        members = w.members.get(p.index)
        roll = rng.random()
        if roll < PLACEHOLDER_PHONE and source != "whatsapp":
            phones.append(rng.choice(PLACEHOLDER_PHONES))
            keys.append(f"junk:{phones[-1]}")
            return
        if p.index in w.landline and source in ("phone_call", "shopify") and roll < 0.3:
            e164 = w.landline[p.index]
        elif members and roll < 0.01 + BORROWED_MOBILE:
            e164 = w.people[rng.choice(members)].mobile
        else:
            e164 = p.mobile
        phones.append(_phone_text(rng, e164, p.region, source))
        keys.append(f"p:{e164}")

    def email() -> None:
        roll = rng.random()
        if roll < PLACEHOLDER_EMAIL:
            emails.append(rng.choice(PLACEHOLDER_EMAILS))
            keys.append(f"junk:{emails[-1]}")
            return
        if roll < PLACEHOLDER_EMAIL + ROLE_MAILBOX:
            box = f"{rng.choice(ROLES)}@company{company}.com"
        elif p.index in w.mailbox and rng.random() < 0.3:
            box = w.mailbox[p.index]
        else:
            box = rng.choice(p.emails)
        keys.append(_true_email(box))
        text = w.email_text(box)
        if source == "email" and rng.random() < FROM_HEADER and name:
            shown = f'"{name}"' if "," in name or rng.random() < 0.3 else name
            text = f"{shown} <{text.strip().removeprefix('mailto:')}>"
        emails.append(text)

    if source == "sms":
        phone()
        name = ""
    elif source == "whatsapp":
        phone()
        name = name if rng.random() < 0.7 else ""
    elif source == "phone_call":
        if rng.random() < SWITCHBOARD:
            line = f"+1212555{company % 10000:04d}"
            phones.append(line)
            keys.append(f"p:{line}")
        else:
            phone()
        name = name if rng.random() < 0.2 else ""  # an agent typed it, sometimes
    elif source == "shopify":
        shop = rng.choice(p.shopify)
        external.append(("shopify:customer", shop))
        keys.append(f"x:{shop}")
        email()
        if rng.random() < 0.6:
            phone()
    elif source == "instagram":
        if rng.random() < 0.6:
            handles.append(("instagram", p.instagram))
            keys.append(f"h:ig:{p.instagram}")
        else:
            shown = "".join(c.upper() if rng.random() < 0.15 else c for c in p.ig_name)
            handles.append(("instagram", "@" + shown if rng.random() < 0.6 else shown))
            keys.append(f"h:ig:@{p.ig_name}")
        name = name if rng.random() < 0.6 else ""
    elif source == "x":
        shown = p.x_name.capitalize() if rng.random() < 0.4 else p.x_name
        handles.append(("x", "@" + shown if rng.random() < 0.5 else shown))
        keys.append(f"h:x:{p.x_name.lower()}")
    else:  # email, web_chat
        email()
        name = name if rng.random() < 0.8 else ""
    record = ContactRecord(
        record_id=f"r{rid:08d}",
        source=source,
        emails=tuple(emails),
        emails_verified=source in ("shopify", "email"),
        phones=tuple(phones),
        handles=tuple(handles),
        external_ids=tuple(external),
        name=name,
        region=p.region,
    )
    return record, tuple(keys)


def generate(n_records: int, seed: int = 7, people: int | None = None) -> Dataset:
    """``n_records`` records of ``people`` people (0.6 per record when None), shuffled."""
    rng = random.Random(seed)
    world = _World(rng, max(8, int(n_records * 0.6) if people is None else people))
    n_people = len(world.people)
    rows = []
    for rid in range(n_records):
        if rid % 3 == 0:
            person = world.people[(int(n_people * rng.random() ** 2) * 7919) % n_people]
        else:
            person = world.people[rng.randrange(n_people)]
        record, keys = _record(world, rid, person)
        rows.append((record, person.index, keys))
    rng.shuffle(rows)
    return Dataset(
        records=[r for r, _, _ in rows],
        truth=[t for _, t, _ in rows],
        true_keys=[k for _, _, k in rows],
    )
