"""A kind first sentence when a citizen writes about a death, an illness or a crisis (issue 23),
whatever the answer that follows: "Det gør mig ondt at høre om dit tab." before the page about
a death in the family, or before opening hours.

Words are matched whole, folded (æ/ø/å as ae/oe/aa, lower case; bot.knowledge.matching.words),
so "sygesikring" or "dødsfaldsattest" do not count as the words themselves; a two-word phrase
("passed away") matches as a run. The sentences are responses in domain.yml
(``utter_kind_death``, ``utter_kind_illness``, ``utter_kind_crisis``); no phone number is named
here: none is in the facts.
"""

from __future__ import annotations

from itertools import pairwise

from bot.knowledge.matching import words

# Folded words and phrases per kind, Danish and English; checked in this order.
_KINDS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "death",
        frozenset(
            """
            doed doede doeden doedsfald doedsbo afdoed afdoede begravelse begravelsen bisaettelse
            bisaettelsen enke enkemand enken gaaet_bort sovet_ind
            died dead death funeral widow widower passed_away
            """.split()
        ),
    ),
    (
        "illness",
        frozenset(
            """
            syg syge sygdom sygdommen kraeft indlagt hospitalet demens demente alvorligt_syg
            ill sick illness cancer hospital hospitalised hospitalized dementia
            """.split()
        ),
    ),
    (
        "crisis",
        frozenset(
            """
            krise krisen selvmord vold voldelig hjemloes desperat
            crisis suicide violence violent homeless desperate
            """.split()
        ),
    ),
)


def kind_of_hardship(text: str) -> str | None:
    """ "death", "illness" or "crisis" when ``text`` tells of one, else None."""
    found = words(text)
    if not found:
        return None
    terms = set(found) | {f"{a}_{b}" for a, b in pairwise(found)}
    for kind, vocabulary in _KINDS:
        if terms & vocabulary:
            return kind
    return None


RESPONSES = {
    "death": "utter_kind_death",
    "illness": "utter_kind_illness",
    "crisis": "utter_kind_crisis",
}


def kind_response(text: str) -> str | None:
    """The response to send first for ``text``, if any."""
    kind = kind_of_hardship(text)
    return RESPONSES[kind] if kind else None
