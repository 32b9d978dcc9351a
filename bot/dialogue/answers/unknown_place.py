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

from bot.dialogue.answers.contact import contact_replies
from bot.dialogue.answers.hours import opening_hours
from bot.dialogue.answers.pages import page_answer
from bot.dialogue.outcome import Kind
from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.formatting import format_list
from bot.knowledge.places import match_hours_place, other_place_named
from bot.knowledge.profile import Profile, localized


def opening_hours_or_pages(profile: Profile, q: Question) -> Answer:
    """The hours of the place asked about, or, for a place without hours in the profile, its
    pages or the places and channels the assistant knows."""
    place = None
    if match_hours_place(profile, q.entity("place")) is None:
        place = other_place_named(profile, q.text, q.now, q.language)
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
