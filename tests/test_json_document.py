"""JsonDocument: a receipt kept as a value or text, read frozen, equal either way."""

from __future__ import annotations

import json
import pickle

import pytest
from hypothesis import given

from omnicx import serde
from omnicx._frozen import FrozenMap, JsonDocument, freeze
from omnicx.desk import OutboxKind, Outgoing, Receipt
from omnicx.testing.strategies import json_objects

RECEIPT = Receipt(
    key="in:email:1", customer_id="p1", conversation_id="c1", conversation_version=1,
    status="new", priority="high", tags=frozenset({"refund"}),
    outbox=(Outgoing(kind=OutboxKind.AUTO_REPLY, conversation_id="c1", customer_id="p1",
                     template="ack", variables={"name": "Ada"}, id="in:email:1/1"),),
)  # fmt: skip


@given(json_objects())
def test_text_and_value_documents_read_the_same(data: dict) -> None:  # type: ignore[type-arg]
    """From text or from a value, a document reads as the frozen data and hashes alike."""
    from_text = JsonDocument(json.dumps(data))
    from_value = JsonDocument.of(data, lambda d: d)
    assert from_text == from_value == freeze(data)
    assert hash(from_text) == hash(from_value) == hash(freeze(data))
    assert json.loads(from_value.text) == data


def test_a_receipt_document_round_trips_to_the_receipt() -> None:
    """What the desk commits reads back as the same Receipt; the text is its JSON."""
    document = JsonDocument.of(RECEIPT, serde.to_dict)
    assert serde.from_dict(Receipt, document) == RECEIPT
    assert json.loads(document.text) == serde.to_dict(RECEIPT)
    assert pickle.loads(pickle.dumps(document)) == document
    assert isinstance(document["outbox"][0], FrozenMap)


def test_a_document_cannot_be_changed() -> None:
    """No attribute or item can be set, and what it returns is frozen all the way down."""
    document = JsonDocument('{"a": [1, {"b": 2}]}')
    with pytest.raises(AttributeError):
        document.text = "{}"  # type: ignore[misc]
    with pytest.raises(TypeError):
        document["a"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        document["a"][1]["b"] = 3
    assert document == {"a": (1, {"b": 2})}
