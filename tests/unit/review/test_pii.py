"""The personal-data check before a message may become training data (bot/review/pii.py)."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from bot.review.pii import describe, find_personal_data
from bot.stack.paths import Project

MUNICIPALITY_PHONE = "32 76 11 00"

FOUND = [
    # CPR numbers, in the spellings the guard knows and CPR-shaped ones it does not accept
    ("mit cpr er 010190-1234", "cpr", "010190-1234"),
    ("0101901234", "cpr", "0101901234"),
    ("010190 1234 er mit nummer", "cpr", "010190 1234"),
    ("01.01.1990-1234", "cpr", "01.01.1990-1234"),
    ("nummer 123456-7890 tak", "cpr", "123456-7890"),
    # phone numbers
    ("ring til mig på 22334455", "phone", "22334455"),
    ("mit nummer er 22 33 44 55", "phone", "22 33 44 55"),
    ("tlf. +45 22 33 44 55", "phone", "+45 22 33 44 55"),
    ("+4522334455", "phone", "+4522334455"),
    ("ring 2233 4455 efter kl 16", "phone", "2233 4455"),
    ("mobil: 22-33-44-55", "phone", "22-33-44-55"),
    # e-mail addresses
    ("skriv til jens.hansen@gmail.com", "email", "jens.hansen@gmail.com"),
    ("Min mail er anne_k@hotmail.dk.", "email", "anne_k@hotmail.dk"),
    # street addresses with a house number
    ("jeg bor på Amagerbrogade 12, 2. th.", "address", "Amagerbrogade 12"),
    ("Hovedgaden 5B 2770 Kastrup", "address", "Hovedgaden 5B"),
    ("flytter til Gl. Kongevej 12a", "address", "Kongevej 12a"),
    ("Amager Landevej 76 er min adresse", "address", "Landevej 76"),
    ("H.C. Andersens Boulevard 27", "address", "Andersens Boulevard 27"),
    ("Rådhuspladsen 1", "address", "Rådhuspladsen 1"),
    ("vi bor Kirkestræde 3", "address", "Kirkestræde 3"),
    ("Søndre Allé 14", "address", "Søndre Allé 14"),
    ("Tårnby Torv 9", "address", "Tårnby Torv 9"),
    ("Englandsvej 321A", "address", "Englandsvej 321A"),
]

NOT_FOUND = [
    "hvornår har borgerservice åbent",
    "åbent 8-15 og fredag 8-13",
    "har i åbent kl. 10.00 i morgen",
    "fra kl 8 til 15",
    "hvad er 1881",
    "kan jeg ringe til 1881",
    "jeg er født i 1990",
    "i 2025 og 2026",
    "har i åbent den 24. december",
    "har i åbent d. 24/12",
    "01.01.2026 10.00",
    "jeg har 2 børn",
    "jeg skal bruge en parkeringsplads 2 dage",
    "jeg skal flytte til Kongevej",  # a street without a house number
    "hvor ligger rådhuspladsen",
    "gå ind på borger.dk",
    "www.taarnby.dk/borger",
    "ring til kommunen på 32 76 11 00",  # the municipality's own number (allowed)
    "Vejen til borgerservice",
    "hvad koster 500 kr",
    "min søn på 14 år",
    "",
]


@pytest.mark.parametrize(("text", "kind", "found"), FOUND)
def test_personal_data_is_found(text: str, kind: str, found: str) -> None:
    findings = find_personal_data(text, allow=[MUNICIPALITY_PHONE])
    assert [(f.kind, f.text) for f in findings] == [(kind, found)]
    assert text[findings[0].start : findings[0].end] == found


@pytest.mark.parametrize("text", NOT_FOUND)
def test_near_misses_are_not_personal_data(text: str) -> None:
    assert find_personal_data(text, allow=[MUNICIPALITY_PHONE]) == []


def has_personal_data(text: str, allow: Iterable[str] = ()) -> bool:
    return bool(find_personal_data(text, allow))


def test_the_allow_list_is_needed_for_the_municipality_number() -> None:
    assert has_personal_data("ring til kommunen på 32 76 11 00")
    assert not has_personal_data("ring til kommunen på 32761100", allow=["+45 32 76 11 00"])


def test_several_kinds_in_one_text_in_order() -> None:
    text = "Jens, Amagerbrogade 12, tlf 22334455, jens@example.dk, cpr 010190-1234"
    findings = find_personal_data(text)
    assert [f.kind for f in findings] == ["address", "phone", "email", "cpr"]
    message = describe(findings)
    assert message.startswith("Teksten ser ud til at indeholde personoplysninger (")
    assert "adresse, telefonnummer, e-mailadresse og CPR-nummer" in message
    assert describe([]) == ""


def test_uses_the_project_pipeline_when_built_and_blank_danish_otherwise(tmp_path: object) -> None:
    from bot.review.pii import _matcher

    # The project's pipeline (built by `python -m bot build-spacy`), when it is there.
    if (Project.current().spacy_pipeline / "config.cfg").is_file():
        nlp, _ = _matcher(str(Project.current().spacy_pipeline))
        assert nlp.meta["name"] == "da_lemma"
    nlp, _ = _matcher(str(tmp_path))  # no pipeline here: spacy.blank("da")
    assert nlp.lang == "da"
    findings = find_personal_data("ring 22334455", pipeline=str(tmp_path))
    assert [f.kind for f in findings] == ["phone"]
