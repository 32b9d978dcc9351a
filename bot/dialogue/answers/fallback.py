"""The graceful fallback: rephrase + topics first, contact channels on a second miss in a row."""

from __future__ import annotations

from bot.dialogue.answers.contact import contact_replies
from bot.dialogue.answers.conversation import help_reply
from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.profile import Profile


def fallback(profile: Profile, q: Question) -> Answer:
    """First miss: ask to rephrase and offer topics. Second miss in a row: the contact channels."""
    out_of_scope = q.intent == "out_of_scope"
    replies = [Reply("utter_out_of_scope")] if out_of_scope else []
    if q.previous_was_miss:
        return Answer.of(
            *replies, Reply("utter_fallback_contact"), *contact_replies(profile, q.language)
        )
    if not out_of_scope:
        replies.append(Reply("utter_fallback_rephrase"))
    return Answer.of(*replies, help_reply(q.language))
