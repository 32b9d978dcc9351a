"""The graceful fallback: pages of the municipality's site that fit the question; else
rephrase + topics first, contact channels on a second miss in a row."""

from __future__ import annotations

from bot.dialogue.answers.contact import contact_replies
from bot.dialogue.answers.conversation import help_reply
from bot.dialogue.answers.pages import page_answer
from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.profile import Profile


def fallback(profile: Profile, q: Question) -> Answer:
    """Pages of the catalogue that fit the question (also when the NLU calls it out of scope:
    "hvornår kommer skraldebilen" may be; the ranking's threshold keeps a pizza order from
    getting a page). Else, first miss: ask to rephrase and offer topics (a polite no for out
    of scope); second miss in a row: the contact channels."""
    out_of_scope = q.intent == "out_of_scope"
    pages = page_answer(profile, q)
    if pages is not None:
        return pages
    replies = [Reply("utter_out_of_scope")] if out_of_scope else []
    if q.previous_was_miss:
        return Answer.of(
            *replies, Reply("utter_fallback_contact"), *contact_replies(profile, q.language)
        )
    if not out_of_scope:
        replies.append(Reply("utter_fallback_rephrase"))
    return Answer.of(*replies, help_reply(q.language))
