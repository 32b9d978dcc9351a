"""Replacing a Rasa method only on the Rasa version it was written for."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import rasa

from bot.dialogue.rasa_methods import RASA_VERSION, rasas_method, replace_rasa_method


class Owner:
    """Stands in for a Rasa class."""

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


@pytest.fixture(autouse=True)
def restore() -> Iterator[None]:
    yield
    Owner.greet = ORIGINAL_GREET  # type: ignore[method-assign]
    Owner.make = ORIGINAL_MAKE  # type: ignore[method-assign]


def test_the_pinned_rasa_is_the_version_written_for() -> None:
    assert rasa.__version__ == RASA_VERSION


def test_replaces_on_the_version_written_for_and_keeps_rasas() -> None:
    assert replace_rasa_method(Owner, "greet", ours, "slower")
    assert Owner().greet() == "ours"
    assert rasas_method(Owner, "greet")(Owner()) == "rasa"
    assert replace_rasa_method(Owner, "greet", ours, "slower")  # again: nothing changes
    assert rasas_method(Owner, "greet") is ORIGINAL_GREET


def test_a_class_method_is_replaced_by_a_class_method() -> None:
    assert replace_rasa_method(Owner, "make", classmethod(make_ours), "slower")
    assert Owner.make() == "our Owner"
    assert replace_rasa_method(Owner, "make", classmethod(make_ours), "slower")
    assert rasas_method(Owner, "make").__func__(Owner) == "rasa's Owner"


def test_put_back_by_a_test_then_replaced_again() -> None:
    assert replace_rasa_method(Owner, "greet", ours, "slower")
    Owner.greet = rasas_method(Owner, "greet")  # type: ignore[method-assign]
    assert Owner().greet() == "rasa"
    assert replace_rasa_method(Owner, "greet", ours, "slower")
    assert Owner().greet() == "ours"


def test_another_rasa_version_keeps_rasas_method_and_says_what_is_lost(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with caplog.at_level(logging.WARNING, logger="bot.dialogue.rasa_methods"):
        assert not replace_rasa_method(Owner, "greet", ours, "greetings are slower")
    assert Owner().greet() == "rasa"
    assert f"Rasa 3.7.0 is not {RASA_VERSION}: greetings are slower." in caplog.text
