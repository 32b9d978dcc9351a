"""Profile loading and validation: errors name the file and the field."""

from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from bot.knowledge.links import profile_links
from bot.knowledge.profile import PROFILE_DIR, example_facts, load_profile_file
from bot.knowledge.profile_model import ProfileError
from testkit import ROOT
from testkit.profile import (
    SYNTHETIC_MUNICIPALITY,
    SYNTHETIC_PROFILE_PATH,
    synthetic_profile,
)

# The shared facts file lives beside the repository (ROOT is the repository root).
FACTS = ROOT.parent / "shared" / "facts" / "municipal-facts.md"


@pytest.mark.parametrize("name", ["taarnby", "ishoj"])
def test_bundled_profiles_are_valid(name: str) -> None:
    profile = load_profile_file(PROFILE_DIR / f"{name}.yml")
    assert profile.municipality.id == name
    required = {
        "moving",
        "health_card",
        "doctor",
        "passport",
        "driving_licence",
        "mitid",
        "housing_benefit",
        "childcare",
        "school_enrolment",
        "bulky_waste",
        "state_pension",
        "building_permit",
        "name_change",
    }
    assert required <= {t.id for t in profile.self_service}
    assert profile.channel_prices.telephone == 37
    assert profile.channel_prices.personal_attendance == 70


def test_example_marks_are_kept() -> None:
    taarnby = load_profile_file(PROFILE_DIR / "taarnby.yml")
    paths = dict(example_facts(taarnby))
    assert "contact.phone" in paths  # Tårnby's main phone is an EXAMPLE value
    ishoj = load_profile_file(PROFILE_DIR / "ishoj.yml")
    assert "contact.phone" not in dict(example_facts(ishoj))  # 43 57 75 75 is a sourced fact


@pytest.mark.skipif(not FACTS.exists(), reason="shared facts file not beside the repo")
@pytest.mark.parametrize("name", ["taarnby", "ishoj"])
def test_every_link_is_one_of_the_facts(name: str) -> None:
    """No invented URL: every link in the profile, in both languages, appears in the facts
    file."""
    facts = FACTS.read_text(encoding="utf-8")
    profile = load_profile_file(PROFILE_DIR / f"{name}.yml")
    links = {
        link.url for language in ("da", "en") for link in profile_links(profile, language).values()
    }
    assert profile.digital_post.info_link_en is not None
    assert profile.digital_post.info_link_en.value in links
    for link in links:
        assert link in facts, link


def test_a_general_page_standing_in_for_a_deep_link_is_to_be_confirmed() -> None:
    """The Danish Digital Post page is borger.dk's front page until a checked one exists: it
    is listed for staff to confirm, like the self-service tasks' general pages."""
    taarnby = load_profile_file(PROFILE_DIR / "taarnby.yml")
    paths = dict(example_facts(taarnby))
    assert paths["digital_post.info_link"] == "https://www.borger.dk"
    assert paths["contact.digital_post_link"] == "https://www.borger.dk"


def test_the_synthetic_profile_is_valid_and_all_example() -> None:
    """The unit tests' "Testrup Kommune": valid, and not one fact in it is a real one."""
    profile = load_profile_file(SYNTHETIC_PROFILE_PATH)
    assert profile.municipality.id == SYNTHETIC_MUNICIPALITY == synthetic_profile().municipality.id
    assert set(profile.sources) == {"example"}
    not_example: list[str] = []

    def walk(obj: object, path: str) -> None:
        if isinstance(obj, BaseModel):
            if "example" in obj.__fields__ and not obj.example:
                not_example.append(path)
            for name in obj.__fields__:
                walk(getattr(obj, name), f"{path}.{name}" if path else name)
        elif isinstance(obj, list):
            for i, item in enumerate(obj):
                walk(item, f"{path}.{i}")

    walk(profile, "")
    assert not_example == []
    links = {t.link.value for t in profile.self_service} | {
        profile.contact.website.value,
        profile.contact.contact_form.value,
        profile.contact.digital_post_link.value,
        profile.digital_post.info_link.value,
        profile.digital_post.age15_link.value,
    }
    assert all(link.startswith("https://www.testrup.example") for link in links), links
    # One self-service task of every kind an answer distinguishes.
    assert {t.kind for t in profile.self_service} == {
        "self_service",
        "in_person_booking",
        "information",
    }


def _broken(tmp_path: Path, change) -> Path:
    data = yaml.safe_load((PROFILE_DIR / "taarnby.yml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda d: d["self_service"][0]["link"].update(value="ftp://x"),
            "self_service.0.link.value",
        ),
        (lambda d: d["places"][0]["hours"].update(monday=["15:00-09:00"]), "places.0.hours.monday"),
        (lambda d: d["contact"].pop("phone"), "contact.phone"),
        (lambda d: d["contact"]["phone"].update(value="ring til os"), "contact.phone.value"),
        (lambda d: d["self_service"][1].update(id="moving"), "self_service"),
        (lambda d: d["contact"]["website"].update(source="nowhere"), "contact.website"),
        (lambda d: d["self_service"][0].update(colour="red"), "self_service.0.colour"),
    ],
)
def test_invalid_profile_names_file_and_field(tmp_path: Path, change, field: str) -> None:
    path = _broken(tmp_path, change)
    with pytest.raises(ProfileError) as err:
        load_profile_file(path)
    assert str(path) in str(err.value)
    assert field in str(err.value)


def test_unreadable_profiles(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="does not exist"):
        load_profile_file(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("a: [", encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profile_file(bad)
