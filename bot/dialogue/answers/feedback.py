"""Feedback for the statistics: did the answer help, and how would the citizen otherwise have
made contact (asked once per conversation, for a configurable share of helpful answers)."""

from __future__ import annotations

from bot.dialogue.answers.contact import contact_replies
from bot.dialogue.outcome import Kind
from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.profile_model import Profile


def feedback(profile: Profile, q: Question) -> Answer:
    """Reply to "did it help?" / "how would you otherwise have contacted us?".

    helpful "ja": thanks, then (for a sample, once per conversation) the otherwise question;
    helpful "nej": the contact channels, counted as a phone referral; an otherwise answer:
    thanks.
    """
    if q.entity("otherwise") is not None:
        return Answer.of(Reply("utter_feedback_thanks"))
    if q.entity("helpful") == "nej":
        return Answer.of(
            Reply("utter_feedback_sorry"),
            *contact_replies(profile, q.language),
            topic="contact",
            kind=Kind.REFERRAL_PHONE,
        )
    replies = [Reply("utter_feedback_glad")]
    sampling = profile.statistics.otherwise_question_sampling
    if not q.otherwise_asked and q.chance < sampling:
        replies.append(Reply("utter_ask_otherwise"))
    return Answer(tuple(replies))
