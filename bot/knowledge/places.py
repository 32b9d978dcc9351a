"""Everything with opening hours a citizen may ask about, not only the profile's places.

Besides ``profile.places`` (Borgerservice, Rådhuset, ...), the phone line and Kontaktcenter
Borger.dk (1881) have opening hours: "hvornår har 1881 åbent?", "kan man ringe til jer om
aftenen?". :func:`hours_places` lists them all as :class:`HoursPlace`, the profile's places
first; :func:`match_hours_place` finds the one a text names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import pairwise

from bot.knowledge.matching import best_match
from bot.knowledge.profile_model import Place, Profile, WeeklyHours

KONTAKTCENTER_ID = "kontaktcenter_1881"
PHONE_ID = "phone"


@dataclass(frozen=True)
class HoursPlace:
    """Something with opening hours: a profile place, the 1881 contact centre or the phone.

    ``place`` is the profile's :class:`Place` when it is one (else None); ``synonyms`` are the
    words that name it in a question. ``name_en`` is its name in an English answer, if the
    profile gives one (``bot.knowledge.profile.localized(place, "name", language)``).
    """

    id: str
    name: str
    hours: WeeklyHours
    address: str | None = None
    place: Place | None = None
    synonyms: tuple[str, ...] = ()
    name_en: str | None = None


def hours_places(profile: Profile) -> list[HoursPlace]:
    """The profile's places, then Kontaktcenter 1881 and the phone line."""
    found = [
        HoursPlace(
            p.id,
            p.name,
            p.hours,
            p.address.value if p.address is not None else None,
            p,
            tuple(p.synonyms),
            name_en=p.name_en,
        )
        for p in profile.places
    ]
    centre = profile.kontaktcenter_1881
    found.append(
        HoursPlace(
            KONTAKTCENTER_ID,
            centre.name,
            centre.hours,
            synonyms=tuple(centre.synonyms),
            name_en=centre.name_en,
        )
    )
    contact = profile.contact
    found.append(
        HoursPlace(
            PHONE_ID,
            contact.phone_line_name,
            contact.phone_hours,
            synonyms=tuple(contact.phone_line_synonyms),
            name_en=contact.phone_line_name_en,
        )
    )
    return found


def hours_place(profile: Profile, place_id: str) -> HoursPlace | None:
    """The place with opening hours whose id is ``place_id``, else None."""
    return next((p for p in hours_places(profile) if p.id == place_id), None)


def match_hours_place(profile: Profile, text: str | None) -> HoursPlace | None:
    """The place with opening hours named in ``text`` (by id, name or synonym), if any."""
    if not text:
        return None
    return best_match(hours_places(profile), text, lambda p: [p.name, *p.synonyms])


# Words of a question about opening hours that name no place: asking, opening and closing, the
# clock, and the words people put around them (Danish and English, compared as page-search
# skeletons, so any spelling of å/ø/æ). Days and times of day are recognised by their own
# parsers. A word that could name a place does not belong here.
_HOURS_WORDS = """
    aaben aabent aabne aabner aabnede aabning aabningstid aabningstider aabningstiderne
    aabningstidere aabenbar aaben åbningstid lukket lukker lukke lukkede lukketid lukketider
    lukning tid tider tidspunkt klokken kl time timer hele dagen dag dage uge ugen ugens
    hverdag hverdage hverdagene weekend weekenden normalt normal altid stadig endnu igen fortsat
    ogsaa kun senest tidligst tidlig sent sen laengst laenge inden foer efter fra til mellem
    jeres jer i I dem de den det hvilke hvilket aabent? har holder holde ringe ring komme
    kommer besoeg besoege moede moedes tage taget henvende tale snakke
    helligdag helligdage helligdagene ferie ferien sommerferie sommerferien juleferie
    juleferien vinterferie vinterferien efterårsferie efteraarsferie efteraarsferien paaskeferie
    paaskeferien skoleferie skoleferien
    open opens opened opening closed close closes closing hours hour time times today tomorrow
    week weekend weekday weekdays usually always still also only latest earliest late early
    until till before after between visit call come reach
    """.split()


@lru_cache(maxsize=1)
def _hours_skeletons() -> frozenset[str]:
    from bot.knowledge.words import STOPWORDS, skeleton

    return frozenset(skeleton(w) for w in _HOURS_WORDS) | STOPWORDS


def words_naming_no_hours_place(profile: Profile, text: str | None, now: datetime) -> list[str]:
    """The words of a question about opening hours that could name something else than the
    places with hours: every word that is none of a function word, a word of asking about
    hours, a word of a place with hours (name, synonym, or an inflection or compound of one),
    a day or a time of day, a number, or shorter than 4 letters. Whether such a word names a
    place is for the caller to judge (the page catalogue knows it, or it looks like one)."""
    if not text:
        return []
    from bot.knowledge.words import skeleton

    known = _hours_skeletons()
    place_words = {
        skeleton(w)
        for p in hours_places(profile)
        for name in (p.name, p.name_en or "", *p.synonyms)
        for w in re.findall(r"[^\W_]+", name.lower())
    }
    found: list[str] = []
    tokens = re.findall(r"[^\W_]+", text)
    for i, raw in enumerate(tokens):
        word = skeleton(raw)
        if raw.isdigit() or len(word) < 4 or word in known or word in place_words:
            continue
        if any(word.startswith(p) or p.startswith(word) for p in place_words if len(p) >= 5):
            continue  # an inflection or compound of a known place ("borgerservicen")
        if _part_of_time(tokens, i, now):
            continue  # part of a day or a time of day ("næste uge", "i morgen", "31. december")
        found.append(raw)
    return found


def _part_of_time(tokens: list[str], i: int, now: datetime) -> bool:
    """Whether ``tokens[i]`` is part of a day or a time of day beside it: a window of up to
    three words with it reads as one, and without it does not ("31. december" is; in
    "biblioteket om aftenen", "om aftenen" is a time of day without "biblioteket")."""
    from bot.knowledge.daytext import resolve_day
    from bot.knowledge.periods import resolve_period

    def is_time(words: list[str]) -> bool:
        text = " ".join(words)
        return bool(text) and (
            resolve_day(text, now) is not None or resolve_period(text) is not None
        )

    for start, end in ((max(0, i - 2), i + 1), (i, i + 3)):  # the word last, the word first
        window = tokens[start:end]
        without = window[: i - start] + window[i - start + 1 :]
        if is_time(window) and not is_time(without):
            return True
    return False


# A Danish noun in the definite form names a particular thing: "svømmehallen", "biblioteket".
_DEFINITE = re.compile(r"^[^\W\d_]{5,}(?:en|et|n)$")


def other_place_named(
    profile: Profile, text: str | None, now: datetime, language: str
) -> str | None:
    """The words of a question about opening hours that name a place without hours in the
    profile: a long Danish noun in the definite form ("svømmehallen", "jobcentret"), or in
    English a place name of the glossary ("library", "swimming pool"). None when the question
    names a place with hours, or nothing else."""
    if match_hours_place(profile, text):
        return None
    from bot.knowledge.words import english_place_names, skeleton

    words = words_naming_no_hours_place(profile, text, now)
    if language == "en":
        names = english_place_names()
        lowered = [w.lower() for w in words]
        for first, second in pairwise(lowered):
            if f"{first} {second}" in names:
                return f"{first} {second}"
        return next((w for w in lowered if w in names), None)
    return next((w for w in words if len(w) >= 7 and _DEFINITE.match(skeleton(w))), None)
