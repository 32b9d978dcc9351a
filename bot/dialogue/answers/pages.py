"""Pages of the municipality's own site for a question no built topic answers (issue 23).

When the NLU falls back, the question is searched in the profile's page catalogue
(bot/knowledge/page_search.py). Up to three pages that score high enough are offered, each as
its own message through the click-counting redirect ("taarnby.dk: Affald"); a Danish page in an
English conversation says "(page in Danish)". For the statistics it is a self-service
referral ("henvist til side", topic ``page``) in the first page's area. Nothing found: None,
and the fallback answers as before.
"""

from __future__ import annotations

from bot.dialogue.outcome import Kind
from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.page_search import (
    OUT_OF_SCOPE_UNKNOWN_WORD_WEIGHT,
    THRESHOLD,
    UNSURE_THRESHOLD,
    PageHit,
    search_pages,
)
from bot.knowledge.pages import AREA_LABELS, catalogue_of, page_link_id
from bot.knowledge.profile_model import Profile

TOPIC = "page"
# A task or page with this share of a message's words is about what was asked, not about one
# word of it: the bar where a built answer gives way to it (the arbiter, a first "follow-up")
# or is joined by it (the appointment's page).
CLEAR_SHARE = 0.75


def page_hits(profile: Profile, q: Question, unsure: bool = False) -> list[PageHit]:
    """The catalogue's pages for ``q``'s text, best first; empty when none fits. The bar is
    lower when the NLU found no intent at all (``UNSURE_THRESHOLD``), or took a first message
    for a follow-up; higher when it called the message out of scope (every word no page has
    counts fully). ``unsure``: the caller's alternative is worse than a page that fits less
    well (self-service's menu of unrelated tasks)."""
    if not q.text.strip():
        return []
    catalogue = catalogue_of(profile.municipality.id)
    if catalogue is None:
        return []
    # The NLU found nothing: no intent, or a follow-up of no earlier topic.
    unsure = (
        unsure or q.intent == "nlu_fallback" or (q.intent == "follow_up" and q.thread.topic is None)
    )
    threshold = UNSURE_THRESHOLD if unsure else THRESHOLD
    unknown = OUT_OF_SCOPE_UNKNOWN_WORD_WEIGHT if q.intent == "out_of_scope" else None
    return search_pages(catalogue, q.text, q.language, threshold, unknown)


def page_link(hit: PageHit, language: str) -> Reply:
    """A page as its own message, through the click-counting redirect; "(page in Danish)" for a
    Danish page in an English conversation."""
    in_danish = language == "en" and hit.page.language != "en"
    return Reply(
        "utter_page_link_in_danish" if in_danish else "utter_page_link",
        variables={"link": hit.page.url},
        links=(page_link_id(hit.page.url),),
    )


def read_more(profile: Profile, q: Question) -> tuple[Reply, ...]:
    """For a built topic's answer: "Du kan læse mere ..." and the catalogue's page that has at
    least ``CLEAR_SHARE`` of the question's words ("skal bestille tid til nyt pas" -> Pas);
    nothing when no page fits that well."""
    hits = page_hits(profile, q)
    if not hits or hits[0].word_score < CLEAR_SHARE:
        return ()
    return (Reply("utter_read_more"), page_link(hits[0], q.language))


def pages_offered(hits: list[PageHit], language: str) -> Answer:
    """The reply offering ``hits``: what was found, then each page through the redirect."""
    replies = [Reply("utter_pages_found"), *(page_link(hit, language) for hit in hits)]
    return Answer.of(
        *replies, topic=TOPIC, kind=Kind.SELF_SERVICE_LINK, area=AREA_LABELS[hits[0].page.area]
    )


def page_answer(profile: Profile, q: Question, unsure: bool = False) -> Answer | None:
    """The pages for ``q``'s text, or None when the catalogue has none that fits."""
    hits = page_hits(profile, q, unsure)
    return pages_offered(hits, q.language) if hits else None
