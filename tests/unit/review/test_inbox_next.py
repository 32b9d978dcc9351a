""" "Gem og næste" (bot/review/inbox.py: next_open_item) on a real review store: the next item
is the first open line of the inbox, never the line just decided; nothing when all is done.
A fallback keeps the best real intent as its first runner-up, which the item page shows."""

from __future__ import annotations

from bot.db.engine import session_scope
from bot.db.stores import REVIEW
from bot.review.annotate import annotate
from bot.review.inbox import Filters, list_groups, next_open_item
from tests.unit.review.events import Stream
from tests.unit.review.test_inbox import INTENTS, NOW, fallback, fill, item_id


def test_save_and_next_goes_to_the_first_open_line(review_url: str) -> None:
    fill(
        review_url,
        *(fallback(f"n-{n}", "hvordan søger jeg boligstøtte") for n in range(3)),
        fallback("n-x", "hvad koster et pas"),
        Stream("n-z").turn("nyt pas", "self_service", 0.5, kind="self_service_link"),
    )
    first = item_id(review_url, "hvordan søger jeg boligstøtte")
    with session_scope(REVIEW, review_url) as session:
        top = list_groups(session, Filters(), per_page=1).groups[0].item
        assert top.normalized == "hvordan søger jeg boligstøtte"
        # Before a decision, "next" after the top line skips its whole group.
        after_top = next_open_item(session, skip=first)
        assert after_top is not None and after_top != top.id
        assert session.get(type(top), after_top).normalized != top.normalized
        annotate(session, first, "intent", by="anna", now=NOW, intents=INTENTS, intent="contact")
        following = next_open_item(session, skip=first)
        assert following == list_groups(session, Filters(), per_page=1).groups[0].item.id
        for remaining in (following, next_open_item(session, skip=following)):
            assert remaining is not None
            annotate(session, remaining, "discard", by="anna", now=NOW, intents=INTENTS)
        assert next_open_item(session, skip=first) is None
        assert next_open_item(session) is None


def test_a_fallback_keeps_its_best_real_intent(review_url: str) -> None:
    fill(review_url, fallback("f-1", "kan du bage en kage"))
    with session_scope(REVIEW, review_url) as session:
        item = list_groups(session, Filters()).groups[0].item
        assert (item.intent, item.confidence) == ("nlu_fallback", 0.7)  # the threshold
        assert (item.runner_up_1, item.runner_up_1_confidence) == ("self_service", 0.4)
        assert item.runner_up_2 == "contact"
