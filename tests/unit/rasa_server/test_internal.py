"""Replacing or using a library internal only where the installed code is the code it was
written for (bot/rasa_server/internal.py); otherwise the library's own behaviour, with a
warning that says what is lost."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator

import pytest

from bot.rasa_server import internal
from bot.rasa_server.internal import Internal, assign, installed, original, problems, replace


class Owner:
    """Stands in for a Rasa class."""

    def __init__(self) -> None:
        self._state = "rasa"

    def greet(self) -> str:
        return "rasa"

    @classmethod
    def make(cls) -> str:
        return "rasa's " + cls.__name__


def ours(_self: Owner) -> str:
    return "ours"


def make_ours(cls: type) -> str:
    return "our " + cls.__name__


ORIGINAL_GREET = Owner.__dict__["greet"]
ORIGINAL_MAKE = Owner.__dict__["make"]


def entry(name: str, consequence: str = "slower", **fields: object) -> Internal:
    """An entry for ``Owner.name`` pinned to its source as it is (``fields`` change that)."""
    unpinned = Internal(f"{__name__}.Owner", name, "replace", __name__, "a test", consequence)
    now = installed(dataclasses.replace(unpinned, **fields))  # type: ignore[arg-type]
    pinned = {"signature": now.signature, "source_sha256": now.source_sha256}
    return dataclasses.replace(unpinned, **{**pinned, **fields})  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def restore(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(internal, "_originals", {})
    monkeypatch.setattr(internal, "_verdicts", {})
    yield
    Owner.greet = ORIGINAL_GREET  # type: ignore[method-assign]
    Owner.make = ORIGINAL_MAKE  # type: ignore[method-assign]


def test_replaces_what_it_was_written_for_and_keeps_the_original() -> None:
    greet = entry("greet")
    assert problems(greet) == []
    assert replace(greet, ours)
    assert Owner().greet() == "ours"
    assert original(greet)(Owner()) == "rasa"
    assert replace(greet, ours)  # again: nothing changes
    assert original(greet) is ORIGINAL_GREET
    assert problems(greet) == []  # the original is checked, not ours


def test_a_class_method_is_replaced_by_a_class_method() -> None:
    make = entry("make")
    assert replace(make, classmethod(make_ours))
    assert Owner.make() == "our Owner"
    assert replace(make, classmethod(make_ours))
    assert original(make).__func__(Owner) == "rasa's Owner"


def test_put_back_by_a_test_then_replaced_again() -> None:
    greet = entry("greet")
    assert replace(greet, ours)
    Owner.greet = original(greet)  # type: ignore[method-assign]
    assert Owner().greet() == "rasa"
    assert replace(greet, ours)
    assert Owner().greet() == "ours"


def test_changed_source_keeps_the_original_and_says_what_is_lost(
    caplog: pytest.LogCaptureFixture,
) -> None:
    changed = entry("greet", "greetings are slower", source_sha256="0" * 64)
    with caplog.at_level(logging.WARNING, logger="bot.rasa_server.internal"):
        assert not replace(changed, ours)
    assert Owner().greet() == "rasa"
    assert f"{__name__}.Owner.greet is not what the bot was written for" in caplog.text
    assert "its source changed" in caplog.text
    assert caplog.text.rstrip().endswith(": greetings are slower.")


def test_a_missing_method_or_owner_is_not_replaced(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.rasa_server.internal"):
        assert not replace(entry("gone", "nothing"), ours)
        assert not replace(dataclasses.replace(entry("greet"), owner=f"{__name__}.No"), ours)
    assert f"{__name__}.Owner.gone does not exist" in caplog.text
    assert f"{__name__}.No cannot be imported" in caplog.text
    assert not hasattr(Owner, "gone")


def test_problems_name_what_differs() -> None:
    assert problems(entry("greet", signature="(self, name)")) == [
        "its signature is (self), not (self, name)"
    ]
    assert problems(entry("gone")) == [f"{__name__}.Owner.gone does not exist"]
    assert problems(dataclasses.replace(entry("greet"), owner=f"{__name__}.Nobody")) == [
        f"{__name__}.Nobody cannot be imported (AttributeError)"
    ]


def test_an_instance_attribute_is_found_in_the_method_that_sets_it() -> None:
    state = entry("_state", defined_in="__init__")
    assert problems(state) == []
    assert problems(entry("_other", defined_in="__init__")) == ["__init__ sets no self._other"]
    assert problems(dataclasses.replace(state, source_sha256="0" * 64))[0].startswith(
        "its source changed"
    )


def test_assign_only_where_the_code_is_as_written_for() -> None:
    target = Owner()
    assert assign(entry("_state", defined_in="__init__"), target, "ours")
    assert target._state == "ours"
    changed = entry("_state", defined_in="__init__", source_sha256="0" * 64)
    assert not assign(changed, target, "again")
    assert target._state == "ours"
