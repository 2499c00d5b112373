"""Macros: placeholders validated with paths, rendered by plain substitution, gaps reported."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx import Status, ValidationError
from omnicx.kb import Macro, parse_macros, render_macro


def test_parse_and_render() -> None:
    (macro,) = parse_macros(
        {
            "macros": [
                {
                    "id": "shipped",
                    "title": "Order shipped",
                    "text": "Hi {{ customer.first_name | there }}, order {{order.id}} is on its way.",
                    "status": "solved",
                    "add_tags": ["shipping"],
                    "fields": {"reason": "where-is-my-order"},
                }
            ]
        }
    )
    assert macro.status is Status.SOLVED
    assert macro.placeholders == ("customer.first_name", "order.id")
    full = render_macro(macro, {"customer": {"first_name": "Ana"}, "order": {"id": 1042}})
    assert full.text == "Hi Ana, order 1042 is on its way."
    assert full.complete
    gap = render_macro(macro, {"customer": {"first_name": ""}})
    assert gap.text == "Hi there, order {{order.id}} is on its way."
    assert gap.missing == ("order.id",)
    assert not gap.complete


def test_values_are_never_evaluated_or_expanded_again() -> None:
    macro = Macro(id="m", text="{{ customer.name }} / {{ order.id }}")
    rendered = render_macro(
        macro, {"customer": {"name": "{{ order.id }}"}, "order": {"id": "{0.__class__}"}}
    )
    assert rendered.text == "{{ order.id }} / {0.__class__}"
    assert rendered.missing == ()


def test_every_problem_has_its_path() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_macros(
            [
                {"id": "a", "text": "{{ custmer.name }} {{", "status": "slved", "tagz": []},
                {"id": "", "public": "yes", "add_tags": "x", "fields": []},
                {"id": "a"},
                {"id": "a"},
                "x",
            ]
        )
    assert str(caught.value).splitlines() == [
        "macros[0].tagz: unknown field",
        "macros[0].text: unknown placeholder '{{ custmer.name }}' (did you mean 'customer'?); "
        "placeholders start with agent, conversation, customer, order",
        "macros[0].text: a '{{' or '}}' that is no placeholder; write {{ customer.name }}",
        "macros[0].status: unknown status 'slved' (did you mean 'solved'?)",
        "macros[1].id: must be non-empty text",
        "macros[1].public: must be true or false",
        "macros[1].add_tags: must be a list of tag names",
        "macros[1].fields: must map field names to values",
        "macros[3].id: 'a' is already macros[2]",
        "macros[4]: a macro must be a mapping of its fields",
    ]


def test_malformed_files() -> None:
    with pytest.raises(ValidationError, match="macro: unknown key; a macro file has only"):
        parse_macros({"macro": []})
    with pytest.raises(ValidationError, match="macros: must be a list of macros"):
        parse_macros("text")
    with pytest.raises(ValidationError, match="text: unknown placeholder"):
        Macro(id="m", text="{{ shop.url }}")


names = st.text("abcxyz_", min_size=1, max_size=6).filter(lambda n: not n[0].isdigit())
values = st.text(max_size=20)


@given(st.dictionaries(names, values, max_size=4), st.dictionaries(names, values, max_size=4))
def test_rendering_fills_exactly_what_it_has(
    customer: dict[str, str], order: dict[str, str]
) -> None:
    """Every placeholder is filled with its value or reported missing; nothing else changes."""
    keys = sorted(set(customer) | set(order) | {"zz"})
    text = " ".join(f"<{{{{ customer.{k} }}}}|{{{{order.{k}}}}}>" for k in keys)
    rendered = render_macro(Macro(id="m", text=text), {"customer": customer, "order": order})
    expected, missing = [], []
    for k in keys:
        parts = []
        for ns, have, raw in (("customer", customer, f"{{{{ customer.{k} }}}}"),
                              ("order", order, f"{{{{order.{k}}}}}")):  # fmt: skip
            if have.get(k):
                parts.append(have[k])
            else:
                parts.append(raw)
                missing.append(f"{ns}.{k}")
        expected.append(f"<{parts[0]}|{parts[1]}>")
    assert rendered.text == " ".join(expected)
    assert sorted(rendered.missing) == sorted(missing)
