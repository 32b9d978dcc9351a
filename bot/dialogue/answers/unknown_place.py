"""Opening hours asked about a place the profile has no hours for (issue 23 §2).

"Hvornår har svømmehallen åbent?" must never get Borgerservice's hours, the default place's.
When the question names no place with hours (:func:`bot.knowledge.places.match_hours_place`)
but a word that names another place — a long Danish noun in the definite form
("svømmehallen", "biblioteket"), or in English a place name of the glossary ("library") —
the assistant says it does not know that place's hours and offers the
catalogue's pages about it; with no page, the places it does know and the channels, in the
channel strategy's order.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.dialogue.answers.contact import contact_replies
from bot.dialogue.answers.fallback import described
from bot.dialogue.answers.hours import opening_hours
from bot.dialogue.answers.pages import page_answer
from bot.dialogue.outcome import Kind
from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.daytext import resolve_day
from bot.knowledge.formatting import format_list
from bot.knowledge.pages import PageCatalogue, catalogue_of
from bot.knowledge.periods import resolve_period
from bot.knowledge.places import (
    match_hours_place,
    other_place_named,
    words_naming_no_hours_place,
)
from bot.knowledge.profile import localized
from bot.knowledge.profile_model import Profile
from bot.knowledge.words import STOPWORDS, skeleton, stem


def opening_hours_or_pages(profile: Profile, q: Question) -> Answer:
    """The hours of the place asked about, or, for a place without hours in the profile, its
    pages or the places and channels the assistant knows."""
    named = match_hours_place(profile, q.entity("place")) or match_hours_place(profile, q.text)
    if named is None and not asks_about_hours(q):
        # "far er blevet dement, kan han komme i dagcenter": no word of opening hours at all
        found = described(profile, q)
        if found is not None:
            return found
    place = None
    if named is None:
        place = other_place_named(profile, q.text, q.now, q.language) or _page_title_word(
            profile, q
        )
    if place is None:
        return opening_hours(profile, q)
    lead = Reply("utter_hours_unknown_place", {"place": place.lower()})
    pages = page_answer(profile, q)
    if pages is not None:
        return Answer((lead, *pages.replies), topic=pages.topic, kind=pages.kind, area=pages.area)
    known = format_list(
        [str(localized(p, "name", q.language)) for p in profile.places], language=q.language
    )
    return Answer.of(
        lead,
        Reply("utter_hours_known_places", {"places": known}),
        *contact_replies(profile, q.language),
        kind=Kind.REFERRAL_PHONE,
    )


# Word beginnings (page-search skeletons) of asking about opening hours, Danish and English.
_HOURS_STEMS = (
    "aab",
    "aben",
    "abn",
    "lukk",
    "tid",
    "hvornar",
    "klok",
    "kl",
    "open",
    "clos",
    "hour",
    "time",
    "when",
)


def asks_about_hours(q: Question) -> bool:
    """Whether the message asks about opening hours at all: a word of opening, closing or
    time, a day or a time of day, or a thread about hours (a follow-up)."""
    if q.follow_up or q.thread.place:
        return True
    words = [skeleton(w) for w in re.findall(r"[^\W\d_]+", q.text)]
    if any(w.startswith(_HOURS_STEMS) for w in words):
        return True
    return resolve_day(q.text, q.now) is not None or resolve_period(q.text) is not None


@lru_cache(maxsize=4)
def _title_words(catalogue: PageCatalogue) -> frozenset[str]:
    """The stems of the catalogue's page titles (once per catalogue object)."""
    words = {stem(skeleton(w)) for p in catalogue.pages for w in re.findall(r"[^\W\d_]+", p.title)}
    return frozenset(words - STOPWORDS)


def _page_title_word(profile: Profile, q: Question) -> str | None:
    """A word of the question, left after the words of asking about hours, that is a word of a
    catalogue page's title ("svømmehal" and the page "Svømmehal"): a place the catalogue
    knows and the profile has no hours for."""
    catalogue = catalogue_of(profile.municipality.id)
    if catalogue is None:
        return None
    titles = _title_words(catalogue)
    for word in words_naming_no_hours_place(profile, q.text, q.now):
        if len(word) >= 5 and stem(skeleton(word)) in titles:
            return word
    return None
