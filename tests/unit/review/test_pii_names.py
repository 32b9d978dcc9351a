"""Capitalised personal names in the personal-data check (bot/review/pii.py): real Danish names
are flagged for the web team; the municipality's places and units and other capitalised words
are not."""

from __future__ import annotations

import pytest

from bot.review.pii import describe, find_personal_data

NAMES = [
    ("jeg hedder Mette Jensen og vil gerne flytte", "Mette Jensen"),
    ("min søn Rasmus skal starte i skole", "Rasmus"),
    ("Kirsten Nielsen ringede i går om pas", "Kirsten Nielsen"),
    ("kan Søren hente pas for mig?", "Søren"),
    ("Hej, jeg er Anne Sofie Hansen", "Anne Sofie Hansen"),
    ("min mor Birgitte er syg", "Birgitte"),
    ("vil Lars Poulsen ringe til mig", "Lars Poulsen"),
]

NOT_NAMES = [
    "hvornår har Borgerservice åbent?",
    "Borgerservice har lukket",
    "jeg bor i Kastrup og skal til Rådhuset",
    "hvor ligger Tårnby Hovedbibliotek",
    "kan jeg få hjælp i Ishøj",
    "jeg bor i København",
    "skal jeg bruge MitID eller NemID",
    "Udbetaling Danmark har skrevet til mig",
    "Hvornår har I åbent?",
    "Jeg vil gerne tale med Skat",
    "Hvad koster et pas? Tak for hjælpen",
    "jeg skal flytte til Kongevej",
    "Lars",  # one word opening a sentence: too little to tell
]


@pytest.mark.parametrize(("text", "name"), NAMES)
def test_danish_names_are_flagged(text: str, name: str) -> None:
    findings = find_personal_data(text)
    assert [(f.kind, f.text) for f in findings] == [("name", name)]
    assert text[findings[0].start : findings[0].end] == name
    assert "(navn)" in describe(findings)


@pytest.mark.parametrize("text", NOT_NAMES)
def test_capitalised_words_that_are_not_names_are_not_flagged(text: str) -> None:
    assert find_personal_data(text) == []


def test_a_name_beside_other_personal_data_is_one_finding_each() -> None:
    text = "Mette Jensen bor på Amagerbrogade 12, tlf 22334455"
    assert [(f.kind, f.text) for f in find_personal_data(text)] == [
        ("name", "Mette Jensen"),
        ("address", "Amagerbrogade 12"),
        ("phone", "22334455"),
    ]


def test_known_names_can_be_given() -> None:
    """A municipality whose places are not in the profiles can pass them."""
    assert [f.text for f in find_personal_data("jeg bor i Hvidovre", known_names=())] == [
        "Hvidovre"
    ]
    assert find_personal_data("jeg bor i Hvidovre", known_names=["Hvidovre"]) == []
