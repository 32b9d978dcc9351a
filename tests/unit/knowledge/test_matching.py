"""Recognising tasks and places in citizens' words, typos and ASCII spellings included."""

import pytest

from bot.knowledge.matching import fold, match_task
from bot.knowledge.profile_model import Profile


@pytest.fixture(scope="module")
def profile(testrup: Profile) -> Profile:
    """The synthetic profile: the tasks and places here are its, not a real municipality's."""
    return testrup


@pytest.mark.parametrize(
    ("text", "task_id"),
    [
        ("jeg skal flytte", "moving"),
        ("hvordan melder jeg flytning", "moving"),
        ("jeg har mistet mit sundhedskort", "health_card"),
        ("sundhedskrot", "health_card"),  # typo
        ("jeg vil skifte læge", "doctor"),
        ("nyt pas", "passport"),
        ("koerekort", "driving_licence"),
        ("hvordan får jeg mitid", "mitid"),
        ("søge boligstoette", "housing_benefit"),
        ("plads i vuggestue", "childcare"),
        ("skoleindskrivning", "school_enrolment"),
        ("afhentning af storskrald", "bulky_waste"),
        ("folkepension", "state_pension"),
        ("byggetilladelse til carport", "building_permit"),
        ("jeg vil skifte navn", "name_change"),
        ("moving", "moving"),  # a button payload's entity value is the id
    ],
)
def test_tasks(profile, text: str, task_id: str) -> None:
    task = match_task(profile, text)
    assert task is not None and task.id == task_id


@pytest.mark.parametrize("text", ["hej", "hvad er klokken", "", "passer det"])
def test_no_task(profile, text: str) -> None:
    assert match_task(profile, text) is None


def test_fold() -> None:
    assert fold("Rådhus Ærø København") == "raadhus aeroe koebenhavn"
