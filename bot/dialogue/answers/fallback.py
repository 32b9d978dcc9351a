"""The graceful fallback: the self-service task the message describes, else pages of the
municipality's site that fit the question; else rephrase + topics first, contact channels on
a second miss in a row."""

from __future__ import annotations

from bot.dialogue.answers.contact import contact_replies
from bot.dialogue.answers.conversation import help_reply
from bot.dialogue.answers.pages import page_hits, pages_offered
from bot.dialogue.answers.self_service import task_answer
from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.profile_model import Profile
from bot.knowledge.task_search import task_hit


def described(
    profile: Profile, q: Question, min_word_score: float = 0.0, min_score: float = 0.0
) -> Answer | None:
    """What the assistant can still offer when no built topic fits: the self-service task the
    message describes, or the catalogue's pages about it, whichever fits better (a task only
    when it scores at least as high as the best page: "hvornår kommer skraldebilen" is about
    emptying the bins, a page, not about bulky waste); None when neither fits, or when the
    better one has fewer than ``min_word_score`` of the message's words or scores under
    ``min_score``."""
    task = task_hit(profile, q.text, q.language)
    pages = page_hits(profile, q)
    if task is not None and (not pages or task.score >= pages[0].score):
        if task.word_score < min_word_score or task.score < min_score:
            return None
        return task_answer(profile, task.task, q.language)
    if not pages or pages[0].word_score < min_word_score or pages[0].score < min_score:
        return None
    return pages_offered(pages, q.language)


def fallback(profile: Profile, q: Question) -> Answer:
    """Pages of the catalogue that fit the question (also when the NLU calls it out of scope:
    "hvornår kommer skraldebilen" may be; the ranking's threshold keeps a pizza order from
    getting a page). Else, first miss: ask to rephrase and offer topics (a polite no for out
    of scope); second miss in a row: the contact channels."""
    out_of_scope = q.intent == "out_of_scope"
    found = described(profile, q)
    if found is not None:
        return found
    replies = [Reply("utter_out_of_scope")] if out_of_scope else []
    if q.previous_was_miss:
        return Answer.of(
            *replies, Reply("utter_fallback_contact"), *contact_replies(profile, q.language)
        )
    if not out_of_scope:
        replies.append(Reply("utter_fallback_rephrase"))
    return Answer.of(*replies, help_reply(q.language))
