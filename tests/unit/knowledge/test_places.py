"""Places with opening hours: the profile's places, Kontaktcenter 1881 and the phone line."""

from __future__ import annotations

import pytest

from bot.knowledge.places import (
    KONTAKTCENTER_ID,
    PHONE_ID,
    hours_place,
    hours_places,
    match_hours_place,
)
from bot.knowledge.profile import PROFILE_DIR, load_profile_file
from bot.knowledge.profile_model import Profile
from tests.unit.dialogue.test_linear_time import BOT_TEXTS, assert_linear


@pytest.fixture(scope="module", params=["taarnby", "ishoj"])
def profile(request: pytest.FixtureRequest) -> Profile:
    return load_profile_file(PROFILE_DIR / f"{request.param}.yml")


def test_hours_places(profile: Profile) -> None:
    places = hours_places(profile)
    assert [p.id for p in places] == [
        *(p.id for p in profile.places),
        KONTAKTCENTER_ID,
        PHONE_ID,
    ]
    first = places[0]
    assert first.place is profile.places[0]
    assert first.hours is profile.places[0].hours
    assert first.address == profile.places[0].address.value
    centre = hours_place(profile, KONTAKTCENTER_ID)
    assert centre is not None
    assert centre.name == profile.kontaktcenter_1881.name
    assert centre.hours is profile.kontaktcenter_1881.hours
    assert centre.synonyms == tuple(profile.kontaktcenter_1881.synonyms)
    assert centre.place is None and centre.address is None
    phone = hours_place(profile, PHONE_ID)
    assert phone is not None
    assert phone.name == profile.contact.phone_line_name
    assert phone.hours is profile.contact.phone_hours
    assert phone.place is None and phone.address is None
    assert hours_place(profile, "borgerservice").place is profile.place("borgerservice")
    assert hours_place(profile, "nowhere") is None


@pytest.mark.parametrize(
    ("text", "place_id"),
    [
        ("hvornår har 1881 åbent", KONTAKTCENTER_ID),
        ("har kontaktcentret åbent om aftenen?", KONTAKTCENTER_ID),
        ("when is the contact centre open", KONTAKTCENTER_ID),
        ("kontaktcenter_1881", KONTAKTCENTER_ID),
        ("kan man ringe til jer om aftenen", PHONE_ID),
        ("hvad er telefontiden", PHONE_ID),
        ("what are the phone hours", PHONE_ID),
        ("phone", PHONE_ID),
        ("hvornår har borgerservice åbent", "borgerservice"),
        ("har rådhuset åbent i morgen", "raadhuset"),
    ],
)
def test_match_hours_place(profile: Profile, text: str, place_id: str) -> None:
    found = match_hours_place(profile, text)
    assert found is not None and found.id == place_id


@pytest.mark.parametrize(
    "text", [None, "", "hvornår har I åbent", "when are you open", "hej", "åbningstider"]
)
def test_no_hours_place(profile: Profile, text: str | None) -> None:
    assert match_hours_place(profile, text) is None


def test_match_hours_place_is_linear(testrup: Profile) -> None:
    for make in BOT_TEXTS.values():
        assert_linear(lambda text: match_hours_place(testrup, text), make)
