"""Self-service tasks recognised by what the citizen wants done (issue 23 §3).

The profile's synonyms name a task ("flytning", "navneændring"); citizens describe it ("ændre
min adresse", "tage min mands efternavn", "hjælp til huslejen"). This module ranks the tasks
with the page search's ranking (bot/knowledge/page_search.py: lemmas, compounds, typos,
aa/oe/ae, the English glossary), each task indexed as a page of its own: its names and
synonyms (Danish and English), its answer text, and the description and keywords of the
catalogue's page when the task's link is one. A task is recognised when it scores at least
the page search's threshold, more of the message matches it than a compound's first part
alone (``MODIFIER``: "telefon" in "telefonbog" is not MitID), and it scores clearly more than
the next task (``MARGIN``): a wrong task is worse than the menu.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.knowledge.page_search import MODIFIER, THRESHOLD, PageIndex, search_pages
from bot.knowledge.pages import Page, PageCatalogue, catalogue_of
from bot.knowledge.profile_model import Profile, SelfServiceTask
from bot.knowledge.words import skeleton

# A synonym names the task's page in a title only when it is this long: "indskrivning" does
# ("Indskrivning til 0. klasse"), "affald" does not (many pages' titles have it).
SYNONYM_TITLE_CHARS = 8
# The best task must score this much more than the next one.
MARGIN = 1.25

_lock = threading.Lock()
_indexes: dict[tuple[int, bool], tuple[Profile, PageCatalogue | None, PageIndex]] = {}


def _task_page(task: SelfServiceTask, catalogue: PageCatalogue | None, english: bool) -> Page:
    """A task as a page of the index; its English words only in the English index (in a Danish
    question, "licens" must not meet "driving licence")."""
    page = None
    if catalogue is not None:
        page = next((p for p in catalogue.pages if p.url == task.link.value), None)
    description = " ".join(filter(None, [task.text, page.description if page else ""]))
    return Page(
        url=f"task:{task.id}",
        title=" ".join(filter(None, [task.name, task.name_en if english else None])),
        description=description,
        keywords=(*task.synonyms, *(page.keywords if page else ())),
        keywords_en=(*task.synonyms_en, *(page.keywords_en if page else ())) if english else (),
        area="borgerservice",
        kind="selvbetjening",
        language="da",
        source="profile",
        last_seen=None,
        needs_confirmation=False,
        text=(task.text_en or "") if english else "",
    )


def _index(profile: Profile, english: bool) -> PageIndex:
    catalogue = catalogue_of(profile.municipality.id)
    key = (id(profile), english)
    with _lock:
        cached = _indexes.get(key)
        if cached is not None and cached[0] is profile and cached[1] is catalogue:
            return cached[2]
        tasks = PageCatalogue(
            municipality=profile.municipality.id,
            pages=tuple(_task_page(t, catalogue, english) for t in profile.self_service),
            path=Path(f"tasks:{profile.municipality.id}:{'en' if english else 'da'}"),
        )
        # A word no task has counts fully: naming a task needs most of the message's words.
        index = PageIndex(tasks, unknown_word_weight=1.0)
        if cached is not None:  # the profile or the catalogue changed: drop the old indexes
            _indexes.clear()
        _indexes[key] = (profile, catalogue, index)
        return index


@dataclass(frozen=True)
class TaskHit:
    """A task recognised in a message, with the ranking's score (comparable to a page's)."""

    task: SelfServiceTask
    score: float
    word_score: float  # the share of the message's words the task has (bot.knowledge.page_search)


def task_hit(profile: Profile, text: str, language: str = "da") -> TaskHit | None:
    """The task ``text`` describes and its score, or None when no task fits clearly."""
    if not text.strip() or not profile.self_service:
        return None
    english = language == "en"
    hits = _index(profile, english).rank(text, "en" if english else "da")
    if not hits or hits[0].score < THRESHOLD or hits[0].word_score <= MODIFIER:
        return None  # a compound's first part alone ("telefon" in "telefonbog") names no task
    if len(hits) > 1 and hits[0].score < MARGIN * hits[1].score:
        return None
    task_id = hits[0].page.url.removeprefix("task:")
    task = next(t for t in profile.self_service if t.id == task_id)
    return TaskHit(task, hits[0].score, hits[0].word_score)


def task_score(profile: Profile, task: SelfServiceTask, text: str, language: str = "da") -> float:
    """How well ``text`` fits ``task`` by the ranking (0 when no word of it is the task's)."""
    english = language == "en"
    hits = _index(profile, english).rank(text, "en" if english else "da")
    return next((h.score for h in hits if h.page.url == f"task:{task.id}"), 0.0)


def task_by_meaning(profile: Profile, text: str, language: str = "da") -> SelfServiceTask | None:
    """The task ``text`` describes, or None when no task fits clearly."""
    hit = task_hit(profile, text, language)
    return hit.task if hit is not None else None


_pages_lock = threading.Lock()
_task_pages: dict[tuple[int, int], dict[str, Page | None]] = {}


def task_page(profile: Profile, task: SelfServiceTask) -> Page | None:
    """The catalogue's page about ``task`` when the task's own link is only a site's front page
    ("https://www.taarnby.dk"): the best page the task's name (else a synonym) finds among those
    whose title has the name or a long synonym (``SYNONYM_TITLE_CHARS``) as a word ("Pas",
    "Forny dit kørekort", "Indskrivning til 0. klasse"), so the citizen gets "taarnby.dk: Pas",
    not the front page. None when the task has a page of its own, or no title names it."""
    if urlsplit(task.link.value).path.strip("/"):
        return None
    catalogue = catalogue_of(profile.municipality.id)
    if catalogue is None:
        return None
    key = (id(profile), id(catalogue))
    with _pages_lock:
        cached = _task_pages.get(key)
        if cached is None:
            _task_pages.clear()
            cached = _task_pages[key] = {}
        if task.id not in cached:
            long_synonyms = [n for n in task.synonyms if len(n) >= SYNONYM_TITLE_CHARS]
            names = [f" {skeleton(n)} " for n in (task.name, *long_synonyms)]
            titled = [
                p for p in catalogue.pages if any(n in f" {skeleton(p.title)} " for n in names)
            ]
            hits = [h for h in search_pages(catalogue, task.name, "da") if h.page in titled]
            hits = hits or [
                h
                for n in long_synonyms
                for h in search_pages(catalogue, n, "da")[:1]
                if h.page in titled
            ]
            page = hits[0].page if hits else None
            cached[task.id] = page if page is not None and page.url != task.link.value else None
        return cached[task.id]
