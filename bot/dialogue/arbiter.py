"""When the NLU's intent has no support in the message and a page or a task clearly fits,
answer from those instead (issue 23 §2: "a built topic predicted but doesn't fit").

The NLU puts every message in one of its intents; for a matter it was never trained on it
still picks one, often confidently: "hvornår er der kommunalvalg" became opening hours,
"tandlæge til min datter" the 1881 contact centre. Before an entry answers, :func:`reroute`
asks two things of the message:

1. *Support*: the share of its content words that occur in the training examples of the
   predicted intent (bot/dialogue/intent_words.py). Below ``MIN_SUPPORT``, the intent was
   chosen mostly on words none of its examples has.
2. *A clear alternative*: a self-service task or a page of the catalogue that has at least
   ``STRONG`` of the message's words (bot/dialogue/answers/fallback.py ``described``); with
   support 0, ``STRONG_WITHOUT_SUPPORT`` of them and a score of ``SCORE_WITHOUT_SUPPORT``.

Only when both hold is the message answered from the task or the pages. A message of
``NOTHING_WORDS`` content words or more with support 0 is answered as if the NLU had found no
intent: the fallback's pages, or "det forstod jeg ikke". A follow-up of the
thread, the technical error and the entries that already search (fallback, self-service,
help) are never rerouted, nor is a button's payload. Small talk (greet, goodbye, thank,
bot_challenge) is an action so that it can be rerouted; the privacy warning (personal_data) is
a response rule in data/rules/privacy.yml and is never rerouted: it must always be said.

Chosen on the training data, leave-one-out, and the development long-tail sets
(docs/knowledge-pages.md, "When a built topic doesn't fit"): of 919 training messages of the
rerouted intents, 3 would be rerouted (e.g. "do i need appointment for new passport" to the
passport task, which answers it); on the development sets the assistant goes from 80 % / 61 %
without the arbiter's later settings to 88 % / 74 %.
"""

from __future__ import annotations

from dataclasses import replace

from bot.dialogue.answers.fallback import described, fallback
from bot.dialogue.answers.pages import CLEAR_SHARE
from bot.dialogue.intent_words import content_words, support, vocabularies
from bot.dialogue.replies import Answer, Question
from bot.dialogue.topics import Topic
from bot.knowledge.profile_model import Profile

MIN_SUPPORT = 0.5
STRONG = CLEAR_SHARE
# With no word of the message in any of the intent's examples, the intent rests on nothing
# but the message's form: a task or page with this share of its words, and a score well over
# the search's threshold, answers instead ("tandlæge til min datter på 8": 0.68 and 0.47; a
# compound's head alone, "kommunalvalg" for the doctor's "valg", scores 0.42).
STRONG_WITHOUT_SUPPORT = 0.6
SCORE_WITHOUT_SUPPORT = 0.45
# A message with this many content words and none in the intent's examples is answered as the
# NLU's fallback would answer it (of 306 held-out in-scope messages the NLU got right, none has
# that; of 1,000 training examples left out one at a time, 2).
NOTHING_WORDS = 3
# Registry entries never rerouted: they read no words of their own, or search already.
KEPT = frozenset("fallback self_service help follow_up technical_error personal_data".split())


def reroute(profile: Profile, q: Question, topic: Topic) -> Answer | None:
    """The task's or the pages' answer when ``topic`` (the NLU's) has no support in the
    message and they clearly fit; None: let the topic answer."""
    if not q.intent or not q.text or q.text.startswith("/"):
        return None
    # A follow-up of no earlier topic answers a description itself (follow_up.py); only a
    # message that has nothing of a follow-up is taken from it here.
    first_follow_up = topic.id == "follow_up" and q.thread.topic is None
    if topic.id in KEPT and not first_follow_up:
        return None
    share = support(q.intent, q.text)
    if share is None or share >= MIN_SUPPORT:
        return None
    if share == 0 and len(content_words(q.text)) >= NOTHING_WORDS:
        # Several words and none of them the intent's: the NLU found nothing, as when it
        # falls back ("naboen fodrer fuglene og nu har vi rotter i haven" was goodbye).
        return fallback(profile, replace(q, intent="nlu_fallback"))
    if first_follow_up:
        return None
    if share > 0:
        return described(profile, q, min_word_score=STRONG)
    return described(
        profile, q, min_word_score=STRONG_WITHOUT_SUPPORT, min_score=SCORE_WITHOUT_SUPPORT
    )


def warm_up(profile: Profile) -> None:
    """Build what the first long-tail question would otherwise wait for (about 5 s: the intents'
    vocabularies, the page index of the served catalogue and the tasks' indexes, each reading
    spaCy's lemma table). Called by the action server in the background when it starts."""
    from bot.knowledge.page_search import get_index
    from bot.knowledge.pages import catalogue_of
    from bot.knowledge.task_search import task_hit

    vocabularies()
    catalogue = catalogue_of(profile.municipality.id)
    if catalogue is not None:
        get_index(catalogue)
    for language in ("da", "en"):
        task_hit(profile, "warm up", language)
