"""Switching the profile is all it takes to answer for another municipality."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import Assistant, link_targets, start_assistant, texts

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ishoj(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[Assistant]:
    yield from start_assistant(tmp_path_factory, model_path, "ishoj")


def test_contact_answer_comes_from_the_ishoj_profile(ishoj: Assistant) -> None:
    answer = texts(ishoj.ask("hvad er jeres telefonnummer"))
    assert "Ishøj Kommune på 43 57 75 75" in answer
    assert "32 76 11 00" not in answer
    assert "https://www.ishoj.dk" in link_targets(ishoj.ask("hvordan kontakter jeg kommunen"))


def test_task_text_comes_from_the_ishoj_profile(ishoj: Assistant) -> None:
    assert "Vestforbrænding" in texts(ishoj.ask("hvordan kommer jeg af med storskrald"))


def test_opening_hours_come_from_the_ishoj_profile(ishoj: Assistant) -> None:
    assert "kl. 10-14" in texts(ishoj.ask("hvornår har borgerservice åbent"))
