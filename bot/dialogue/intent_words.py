"""Does a message's wording support the intent the NLU gave it? (issue 23 §2)

The NLU knows about twenty intents and puts every message in one of them, often confidently
also when the message is about something else entirely ("hvornår er der kommunalvalg" as
opening hours, "vi har brug for en rollator" as goodbye). A linear model's confidence cannot
tell: it was never shown the other matters. The training examples can. An intent's
*vocabulary* is the content words of its training examples (data/nlu/, Danish and English),
folded, stemmed and without function words as the page search treats them
(bot/knowledge/page_search.py). A message's *support* for an intent is the share of its
content words in that vocabulary; a word also counts when it is a day, a time of day or a
number (the parsers handle those). Support 0 means the NLU chose the intent on the strength of
words no example of it has.

The vocabularies are read from the training data on first use (about 0.1 s).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

from bot.stack.paths import Project

_ANNOTATION = re.compile(r"\[([^\]]*)\]\s*(?:\([^)]*\)|\{[^}]*\})")
_lock = threading.Lock()


def _examples(path: Path) -> Iterable[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for block in data.get("nlu") or []:
        intent, examples = block.get("intent"), block.get("examples")
        if not intent or not isinstance(examples, str):
            continue
        for line in examples.splitlines():
            text = _ANNOTATION.sub(r"\1", line.strip().removeprefix("- ").strip())
            if text:
                yield intent, text


# Words no page is about, but which say what a message is: "Tak for oplysningerne" thanks,
# "hej allesammen" greets. They count for an intent's support, not for a page.
CONVERSATION_WORDS = frozenset("hej tak ja nej".split())


def content_words(text: str) -> list[str]:
    """The message's content words as the page search compares them: folded, stemmed, no
    function words (but the words of conversation), no digits."""
    from bot.knowledge.words import STOPWORDS, skeleton, stem

    words = []
    for raw in re.findall(r"[^\W\d_]+", text.lower()):
        word = skeleton(raw)
        if len(word) < 2 or (word in STOPWORDS and word not in CONVERSATION_WORDS):
            continue
        words.append(stem(word))
    return words


@lru_cache(maxsize=1)
def examples_by_intent(nlu_dir: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Every training example's text, by intent."""
    found: dict[str, list[str]] = {}
    for path in sorted((nlu_dir or Project.current().nlu).rglob("*.yml")):
        for intent, text in _examples(path):
            found.setdefault(intent, []).append(text)
    return {intent: tuple(texts) for intent, texts in found.items()}


@lru_cache(maxsize=1)
def vocabularies(nlu_dir: Path | None = None) -> dict[str, frozenset[str]]:
    """The content words of each intent's training examples."""
    with _lock:
        return {
            intent: frozenset(w for t in texts for w in content_words(t))
            for intent, texts in examples_by_intent(nlu_dir).items()
        }


def support(intent: str, text: str, vocabulary: frozenset[str] | None = None) -> float | None:
    """The share of ``text``'s content words in ``intent``'s vocabulary; None when the text
    has no content word (nothing to judge: "hej", "ja", "tak")."""
    words = content_words(text)
    if not words:
        return None
    known = vocabulary if vocabulary is not None else vocabularies().get(intent, frozenset())
    return sum(w in known for w in words) / len(words)
