"""Self-service tasks recognised by what the citizen wants done (issue 23 §3).

The profile's synonyms name a task ("flytning", "navneændring"); citizens describe it ("ændre
min adresse", "tage min mands efternavn", "hjælp til huslejen"). This module ranks the tasks
with the page search's ranking (bot/knowledge/page_search.py: lemmas, compounds, typos,
aa/oe/ae, the English glossary), each task indexed as a page of its own: its names and
synonyms (Danish and English), its answer text, and the description and keywords of the
catalogue's page when the task's link is one. A task is recognised when it scores at least
the page search's threshold and clearly more than the next task (``MARGIN``): a wrong task is
worse than the menu.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.page_search import THRESHOLD, PageIndex
from bot.knowledge.pages import Page, PageCatalogue, catalogue_of
from bot.knowledge.profile import Profile, SelfServiceTask

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
        index = PageIndex(tasks)
        if cached is not None:  # the profile or the catalogue changed: drop the old indexes
            _indexes.clear()
        _indexes[key] = (profile, catalogue, index)
        return index


@dataclass(frozen=True)
class TaskHit:
    """A task recognised in a message, with the ranking's score (comparable to a page's)."""

    task: SelfServiceTask
    score: float


def task_hit(profile: Profile, text: str, language: str = "da") -> TaskHit | None:
    """The task ``text`` describes and its score, or None when no task fits clearly."""
    if not text.strip() or not profile.self_service:
        return None
    english = language == "en"
    hits = _index(profile, english).rank(text, "en" if english else "da")
    if not hits or hits[0].score < THRESHOLD:
        return None
    if len(hits) > 1 and hits[0].score < MARGIN * hits[1].score:
        return None
    task_id = hits[0].page.url.removeprefix("task:")
    return TaskHit(next(t for t in profile.self_service if t.id == task_id), hits[0].score)


def task_by_meaning(profile: Profile, text: str, language: str = "da") -> SelfServiceTask | None:
    """The task ``text`` describes, or None when no task fits clearly."""
    hit = task_hit(profile, text, language)
    return hit.task if hit is not None else None
