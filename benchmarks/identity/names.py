"""The names guard on names as people write them: one person's spellings, a household's people.

    benchmarks/run identity --names

For each of many synthetic people, a value (a phone, a mailbox) is seen with
2 to 4 spellings of that person's name, drawn from the forms contact data
shows: ``Family, Given``, the order swapped without a comma, an initial with
or without a dot (given or family), a nickname, a typo, upper or lower case,
an emoji or a title/suffix added, the name transliterated or with its
accents. Each such value should count one person. Household values hold two
different people who share the family name (or, for a switchboard, nothing):
they should count two. The report is the share counted right, next to the
same data under the relation omnicx had before (``--baseline SRC``), and
the rate of names read.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable

from synth import FIRST_NAMES, LAST_NAMES, PLAIN_FIRST

from omnicx.identity import count_people

_ACCENTED = {"Jose": "José", "Nunez": "Núñez", "Muller": "Müller", "Lopez": "López"}
_EMOJI = ("🌸", "✨", "😊", "💙")
_TITLES = ("Dr.", "Mr.", "Mrs.", "Ms")
_SUFFIXES = ("Jr.", "Sr.", "III")


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _form(rng: random.Random, first: str, last: str) -> str:
    """One way a person writes (or a form records) their name."""
    nick = FIRST_NAMES.get(first)
    forms: list[Callable[[], str]] = [
        lambda: f"{first} {last}",
        lambda: f"{last}, {first}",
        lambda: f"{last} {first}",
        lambda: f"{first[0]}. {last}",
        lambda: f"{first[0]} {last}",
        lambda: f"{first} {last[0]}.",
        lambda: f"{rng.choice(nick) if nick else first} {last}",
        lambda: f"{first} {_typo(rng, last)}",
        lambda: f"{first} {last}".upper(),
        lambda: f"{first} {last}".lower(),
        lambda: f"{rng.choice(_EMOJI)} {first} {last}",
        lambda: f"{rng.choice(_TITLES)} {first} {last}",
        lambda: f"{first} {last} {rng.choice(_SUFFIXES)}",
        lambda: f"{_ACCENTED.get(first, first)} {_ACCENTED.get(last, last)}",
        lambda: first,
    ]
    return rng.choice(forms)()


def cases(n: int, seed: int) -> tuple[list[list[str]], list[list[str]]]:
    """``n`` one-person values and ``n`` two-person values."""
    rng = random.Random(seed)
    given = [*FIRST_NAMES, *PLAIN_FIRST, "Jose", "Justin", "Lori", "Karen", "Paul"]
    family = [*LAST_NAMES, "Nunez", "Muller", "Lopez", "Mitchell", "Moses"]
    one, two = [], []
    for _ in range(n):
        first, last = rng.choice(given), rng.choice(family)
        one.append([_form(rng, first, last) for _ in range(rng.randint(2, 4))])
        other = rng.choice([g for g in given if g[0] != first[0]])
        same_family = rng.random() < 0.8
        other_last = last if same_family else rng.choice([f for f in family if f != last])
        two.append([f"{first} {last}", f"{other} {other_last}"])
    return one, two


def _rates(counter: Callable[[list[str], int], int], one: list[list[str]], two: list[list[str]]):
    start = time.process_time()
    right_one = sum(counter(names, 1) == 1 for names in one)
    right_two = sum(counter(names, 1) == 2 for names in two)
    return right_one / len(one), right_two / len(two), time.process_time() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="values of each kind")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--baseline", help="another omnicx src directory to compare with")
    args = parser.parse_args(argv)
    one, two = cases(args.n, args.seed)
    names = sum(len(v) for v in one) + sum(len(v) for v in two)
    runs: list[tuple[str, Callable[[list[str], int], int]]] = [("omnicx", count_people)]
    if args.baseline:
        import importlib.util

        spec = importlib.util.spec_from_file_location(
            "baseline_names", f"{args.baseline}/omnicx/identity/_names.py"
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        folded = module.count_people
        runs.append(
            (
                "baseline",
                lambda ns, limit: folded([" ".join(n.casefold().split()) for n in ns], limit),
            )
        )
    print(f"names guard: {args.n:,} one-person values, {args.n:,} household values")
    for label, counter in runs:
        ok_one, ok_two, cpu = _rates(counter, one, two)
        print(
            f"  {label:<10} one person counted one {ok_one:.4f}, two people counted two"
            f" {ok_two:.4f}, {names / cpu:,.0f} names/s"
        )


if __name__ == "__main__":
    sys.path.insert(0, ".")
    main()
