"""Every exception class in omnicx pickles whole: message, ``args`` and attributes.

A worker process (multiprocessing, a process pool, a task queue) hands its
exception to its parent by pickling it; the parent must get the error the
worker raised, not ``cls(message)`` read back as structured arguments.
"""

from __future__ import annotations

import importlib
import inspect
import multiprocessing
import pickle
import pkgutil
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import omnicx
from omnicx.channels import SendCheck
from omnicx.errors import OmnicxError, Problem, StoreBusyError, ValidationError
from omnicx.privacy import Permission
from omnicx.routing import load_rules


def _exception_classes() -> list[type[BaseException]]:
    found: set[type[BaseException]] = set()
    for info in pkgutil.walk_packages(omnicx.__path__, "omnicx."):
        if info.name == "omnicx.__main__" or info.name.startswith(
            ("omnicx.contrib.django.management", "omnicx.contrib.django.migrations")
        ):
            continue
        for value in vars(importlib.import_module(info.name)).values():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__.startswith("omnicx")
            ):
                found.add(value)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


CLASSES = _exception_classes()

_PROBLEMS = st.lists(st.builds(Problem, st.text(), st.text()), min_size=1, max_size=4)
_FLOATS = st.floats(allow_nan=False)
# Arguments st.builds cannot infer from the annotations: values the constructor refuses.
_ARGUMENTS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "ValidationError": {"problems": _PROBLEMS},
    "StoreBusyError": {"waited": _FLOATS, "timeout": _FLOATS},
    "RenderRefused": {"check": st.sampled_from([c for c in SendCheck if c is not SendCheck.OK])},
    "PermissionDenied": {
        "permission": st.sampled_from([p for p in Permission if p is not Permission.ALLOWED])
    },
}


def _errors(cls: type[BaseException]) -> st.SearchStrategy[BaseException]:
    # A class without an __init__ of its own takes the arguments of the base
    # whose __init__ it inherits (IncompatiblePartialsError: ValidationError's).
    owner = next(c for c in cls.__mro__ if "__init__" in vars(c))
    return st.builds(cls, **_ARGUMENTS.get(owner.__name__, {}))


def test_the_walk_finds_the_hierarchy_and_the_errors_defined_elsewhere() -> None:
    names = {cls.__name__ for cls in CLASSES}
    assert {"ValidationError", "StoreError", "StoreBusyError", "PayloadError"} <= names
    assert {"JsonLogicError", "RenderRefused", "PermissionDenied", "CollisionError"} <= names
    assert all(issubclass(cls, OmnicxError) for cls in CLASSES if not cls.__name__.startswith("_"))


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__qualname__)
@given(data=st.data())
def test_an_error_round_trips_through_pickle(cls: type[BaseException], data: st.DataObject) -> None:
    error = data.draw(_errors(cls))
    error.add_note("raised in a worker")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == str(error)
    assert copy.args == error.args
    assert vars(copy) == vars(error)


def test_a_validation_error_keeps_its_problems_and_paths() -> None:
    error = ValidationError([Problem("rules[3].when.op", "unknown operator"), Problem("", "empty")])
    copy = pickle.loads(pickle.dumps(error))
    assert copy.problems == error.problems
    assert copy.paths == ("rules[3].when.op", "")
    assert str(copy) == "rules[3].when.op: unknown operator\nempty"


def test_a_store_busy_error_keeps_its_fields() -> None:
    error = StoreBusyError("/srv/desk.db", "insert message", waited=5.0, timeout=5.0)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.where, copy.what, copy.waited, copy.timeout) == (
        "/srv/desk.db",
        "insert message",
        5.0,
        5.0,
    )
    assert copy.detail == error.detail


def test_an_error_raised_in_a_worker_process_reaches_the_parent_whole() -> None:
    rules = {"rules": [{"id": "a", "when": {"op": "nope"}, "then": {}}]}
    with pytest.raises(ValidationError) as expected:
        load_rules(rules)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool, pytest.raises(ValidationError) as raised:
        pool.submit(load_rules, rules).result()
    assert raised.value.problems == expected.value.problems
    assert "rules[0].when.op" in raised.value.paths
