"""Digital Post: what it is, where to read it, writing securely, exemption."""

from __future__ import annotations

import re

from bot.dialogue.answers.common import link_reply
from bot.dialogue.outcome import Kind
from bot.dialogue.replies import Answer, Question, Reply
from bot.dialogue.thread import Thread
from bot.knowledge.formatting import format_list
from bot.knowledge.profile import localized
from bot.knowledge.profile_model import Profile

# The age Digital Post starts at. In a Digital Post question any "15" is the age; elsewhere
# ("og kl. 15?") only an age: "15 år", "15-årig", "er 15", "turns 15", "15 years old".
_AGE_15 = re.compile(r"\b15\b|15[- ]?[aå]r")
_AN_AGE_15 = re.compile(
    r"\b15[- ]?(?:[aå]r|years?\b|yo\b)"
    r"|\b(?:er|fylder|bliver|på|is|am|i'm|im|turns?|turning)\s+15\b"
)


def asks_about_age(text: str) -> bool:
    """Whether a message asks about being 15, the age Digital Post starts at."""
    return bool(_AN_AGE_15.search(text.lower()))


# A question asked for a parent or grandparent ("skal min mor på 92 have Digital Post?",
# "does my grandmother need digital post"): the asker's own parent or grandparent, perhaps with
# a few words before it ("my 92 year old mother"). Such a question gets the rule, then how they
# can be exempted and how the asker can apply for them.
_PARENT = re.compile(
    r"\b(?:min|mit|mine|vores|my|our)\s+(?:[\w-]+\s+){0,3}"
    r"(?:mor|far|mormor|morfar|farmor|farfar|bedstemor|bedstefar|bedsteforældre|bedsteforaeldre"
    r"|forældre|foraeldre|oldemor|oldefar|svigermor|svigerfar|svigerforældre|svigerforaeldre"
    r"|mother|mum|mom|father|dad|parents|grandmother|grandma|granny|grandfather|grandpa"
    r"|grandparents|great-grandmother|great-grandfather|mother-in-law|father-in-law)\b"
)


def asks_for_parent(text: str) -> bool:
    """Whether a message asks about a parent's or grandparent's Digital Post."""
    return bool(_PARENT.search(text.lower()))


def digital_post_info(profile: Profile, q: Question) -> Answer:
    """What Digital Post is and who must have it; the page for 15-year-olds if they ask.

    As a follow-up about age ("og hvis man er 15?", aspect ``age``) only who must have it
    and the page for 15-year-olds: the citizen already knows what it is.
    """
    dp, language = profile.digital_post, q.language
    age = bool(_AGE_15.search(q.text.lower())) or "age" in q.entity_values("aspect")
    if not age and asks_for_parent(q.text):
        return for_parent(profile, q)
    if age:
        more = link_reply(
            "utter_digital_post_age15", dp, "age15_link", language, links=("digital_post_15",)
        )
    else:
        more = link_reply(
            "utter_digital_post_more", dp, "info_link", language, links=("digital_post_info",)
        )
    who = Reply(
        "utter_digital_post_who",
        {
            "who_must": localized(dp, "who_must", language),
            "since": localized(dp, "mandatory_since", language),
        },
    )
    if age and q.follow_up:
        return Answer.of(who, more)
    return Answer.of(Reply("utter_digital_post_what"), who, more)


def digital_post_read(profile: Profile, q: Question) -> Answer:
    dp = profile.digital_post
    read_on = format_list(localized(dp, "read_on", q.language), "or", language=q.language)
    return Answer.of(
        Reply("utter_digital_post_read", {"read_on": read_on}),
        Reply("utter_digital_post_mitdk_support", {"phone": dp.mitdk_support_phone.value}),
    )


def digital_post_write(profile: Profile, q: Question) -> Answer:
    return Answer.of(
        Reply("utter_digital_post_write"),
        Reply("utter_digital_post_where_to_write"),
        Reply(
            "utter_contact_form",
            {"contact_form": profile.contact.contact_form.value},
            links=("contact_form",),
        ),
    )


def for_parent(profile: Profile, q: Question) -> Answer:
    """For a relative asking about a parent: the rule, who can be exempted, how, and that the
    asker can apply for them. Continues as an exemption thread ("hvad skal jeg have med?")."""
    dp = profile.digital_post
    who = Reply(
        "utter_digital_post_who",
        {
            "who_must": localized(dp, "who_must", q.language),
            "since": localized(dp, "mandatory_since", q.language),
        },
    )
    grounds = localized(dp, "exemption_grounds", q.language)
    return Answer.of(
        who,
        Reply("utter_exemption_grounds", {"grounds": "\n".join(f"- {g}" for g in grounds)}),
        Reply("utter_exemption_proxy_relative"),
        Reply("utter_exemption_how"),
        Reply("utter_exemption_not_by_phone"),
        Reply("utter_exemption_paper"),
        topic="digital_post_exemption",
        kind=Kind.REFERRAL_ATTENDANCE,
        thread=Thread(topic="digital_post_exemption", place=profile.default_place.id),
    )


# What a question about the exemption may ask about (entity ``aspect``) -> the replies.
_EXEMPTION_ASPECTS = {
    "on_behalf": ("utter_exemption_proxy",),
    "bring": ("utter_exemption_bring", "utter_exemption_guardian"),
    "duration": ("utter_exemption_lasts", "utter_exemption_self_service"),
}


def digital_post_exemption(profile: Profile, q: Question) -> Answer:
    """Who can be exempted and how; or only the aspect asked about (who may apply for
    someone else, what to bring, whether it lasts), also as a follow-up."""
    # The exemption is applied for at Borgerservice: "har de åbent i morgen?" asks about it.
    thread = Thread(topic="digital_post_exemption", place=profile.default_place.id)
    aspects = [a for a in q.entity_values("aspect") if a in _EXEMPTION_ASPECTS]
    if aspects:
        names = dict.fromkeys(r for a in aspects for r in _EXEMPTION_ASPECTS[a])
        return Answer(tuple(Reply(name) for name in names), thread=thread)
    grounds = localized(profile.digital_post, "exemption_grounds", q.language)
    return Answer.of(
        Reply("utter_exemption_grounds", {"grounds": "\n".join(f"- {g}" for g in grounds)}),
        Reply("utter_exemption_how"),
        Reply("utter_exemption_proxy"),
        Reply("utter_exemption_not_by_phone"),
        Reply("utter_exemption_paper"),
        thread=thread,
    )
