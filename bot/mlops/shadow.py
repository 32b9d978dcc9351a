"""The shadow test: a candidate model and the model in service read the citizens' own recent
messages (the review store's text, CPR numbers already removed), and every message where the
citizen would get another answer is stored for the web team (:mod:`bot.mlops.shadow_store`).

Each distinct text is parsed once per model (the same question from many citizens counts
once), in batches, with each model loaded once (:func:`bot.mlops.evaluation.load_agent`, as the
held-out evaluation loads it; a retrain's shadow test reuses the models its evaluation loaded).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.mlops.shadow_gate import SELF_SERVICE, Answer

BATCH = 256
TASK_ENTITY = "task"


class ShadowError(Exception):
    """The shadow test cannot run (no candidate, nothing in service, a missing model file)."""


@dataclass(frozen=True)
class ShadowResult:
    """A stored run and its figures."""

    run_id: int
    candidate_id: int
    service_id: int
    messages: int
    distinct_texts: int
    disagreements: int
    disagreeing_messages: int
    seconds: float
    timings: dict[str, float]


def answer_of(parsed: dict[str, Any]) -> Answer:
    """What the citizen gets from a parse: the intent (nlu_fallback below the threshold), the
    self-service task it names, and the intent's confidence."""
    intent = parsed.get("intent") or {}
    name = str(intent.get("name") or "nlu_fallback")
    task = None
    if name == SELF_SERVICE:
        # As the answer function picks the task (bot/dialogue/answers/self_service.py): the
        # task entities' values, then the whole text, matched against the profile's tasks.
        from bot.knowledge.matching import match_task
        from bot.knowledge.profile import get_profile

        values = [
            str(e.get("value"))
            for e in parsed.get("entities") or []
            if e.get("entity") == TASK_ENTITY and e.get("value")
        ]
        for candidate in [*values, parsed.get("text")]:
            found = match_task(get_profile(), candidate)
            if found is not None:
                task = found.id
                break
    return Answer(name, task, float(intent.get("confidence") or 0.0))


def quiet_rasa_logs() -> None:
    """Rasa logs every parsed message, text included, at debug level: keep warnings only,
    on stderr (citizens' text stays out of the logs, and ``--json`` keeps stdout)."""
    import logging
    import sys

    import structlog

    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


def parse_batch(agent: Any, texts: Sequence[str]) -> list[dict[str, Any]]:
    """Parse ``texts`` in one run of the model's NLU graph, as Rasa's
    ``MessageProcessor._parse_message_with_graph`` parses one message (same graph, same
    output), without its per-message tracker and logging."""
    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
    from rasa.shared.core.trackers import DialogueStateTracker

    processor = agent.processor
    target = processor.model_metadata.nlu_target
    results = processor.graph_runner.run(
        inputs={
            PLACEHOLDER_MESSAGE: [UserMessage(text) for text in texts],
            PLACEHOLDER_TRACKER: DialogueStateTracker.from_events("shadow", []),
        },
        targets=[target],
    )
    out = []
    for message in results[target]:
        parsed: dict[str, Any] = {"text": "", "intent": {"name": None, "confidence": 0.0}}
        parsed["entities"] = []
        parsed.update(message.as_dict(only_output_properties=True))
        out.append(parsed)
    return out


def parse_texts(model: Path, texts: Sequence[str], batch: int = BATCH) -> list[Answer]:
    """The answers of ``model`` to ``texts`` (the model loaded once, parsed in batches)."""
    from bot.mlops.evaluation import load_agent

    quiet_rasa_logs()
    agent = load_agent(model)
    out: list[Answer] = []
    for start in range(0, len(texts), batch):
        out.extend(answer_of(p) for p in parse_batch(agent, texts[start : start + batch]))
    return out


def parse_both(
    service: Path, candidate: Path, service_texts: Sequence[str], texts: Sequence[str]
) -> tuple[list[Answer], list[Answer], dict[str, float]]:
    """The in-service model's answers to ``service_texts`` and the candidate's to ``texts``,
    one model after the other in this process (a model loads in about two seconds, and a
    retrain has both loaded already for the held-out evaluation)."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    mine = parse_texts(service, service_texts) if service_texts else []
    timings["parse_service"] = time.perf_counter() - started
    theirs = parse_texts(candidate, texts) if texts else []
    timings["parse_candidate"] = time.perf_counter() - started - timings["parse_service"]
    timings["parse_both_wall"] = time.perf_counter() - started
    return mine, theirs, timings


def run_shadow(
    candidate_id: int | None = None,
    *,
    days: int | None = None,
    now: datetime | None = None,
    url: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> ShadowResult:
    """Run the shadow test of ``candidate_id`` (default: the newest candidate) against the
    version in service on the last ``days`` days (default ``BOT_SHADOW_DAYS``) and store it."""
    from bot.db.engine import session_scope
    from bot.db.stores import REVIEW
    from bot.mlops.shadow_store import (
        cached_answers,
        keep_answers,
        recent_texts,
        store_run,
        text_digest,
        window_start,
    )
    from bot.mlops.versions import CANDIDATE, ModelVersion, in_service, model_file
    from bot.settings import get_settings

    settings = get_settings()
    days = days or settings.shadow_days
    now = now or settings.now()
    say = progress or (lambda _line: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with session_scope(REVIEW, url) as session:
        if candidate_id is None:
            newest = (
                session.query(ModelVersion)
                .filter(ModelVersion.status == CANDIDATE)
                .order_by(ModelVersion.id.desc())
                .first()
            )
            if newest is None:
                raise ShadowError("there is no candidate version (python -m bot models)")
            candidate_id = newest.id
        candidate = session.get(ModelVersion, candidate_id)
        if candidate is None:
            raise ShadowError(f"there is no model version {candidate_id}")
        current = in_service(session)
        if current is None:
            raise ShadowError("no version is in service, so there is nothing to compare with")
        if current.id == candidate.id:
            raise ShadowError(f"version {candidate_id} is the one in service")
        files = (model_file(current), model_file(candidate))
        service_id = current.id
        since = window_start(session, now, days)
        messages, texts = recent_texts(session, since)
    for path in files:
        if not path.is_file():
            raise ShadowError(f"the model file {path.name} is missing from the models directory")
    timings["read"] = time.perf_counter() - started
    say(f"{messages} messages, {len(texts)} distinct texts since {since:%Y-%m-%d}")
    digests = [text_digest(t.normalized) for t in texts]
    with session_scope(REVIEW, url) as session:
        known = cached_answers(session, files[0].name)
        known_new = cached_answers(session, files[1].name)
    todo = [t.text for t, d in zip(texts, digests, strict=True) if d not in known]
    todo_new = [t.text for t, d in zip(texts, digests, strict=True) if d not in known_new]
    say(
        f"to parse: {len(todo)} texts with the model in service ({len(texts) - len(todo)} "
        f"known), {len(todo_new)} with the candidate"
    )
    parsed, parsed_new, parse_timings = parse_both(*files, todo, todo_new)
    timings.update(parse_timings)
    say(f"parsed in {parse_timings['parse_both_wall']:.1f} s")
    for cache, parsed_texts, answers in ((known, todo, parsed), (known_new, todo_new, parsed_new)):
        by_text = dict(zip(parsed_texts, answers, strict=True))
        for t, d in zip(texts, digests, strict=True):
            if d not in cache:
                cache[d] = by_text[t.text]
    t0 = time.perf_counter()
    pairs = [(known[d], known_new[d]) for d in digests]
    seconds = time.perf_counter() - started
    with session_scope(REVIEW, url) as session:
        run = store_run(
            session,
            candidate_id=candidate_id,
            service_id=service_id,
            since=since,
            days=days,
            messages=messages,
            texts=texts,
            answers=pairs,
            seconds=seconds,
            now=now,
        )
        from bot.mlops.shadow_store import disagreements

        rows = disagreements(session, run.id)
        window = set(digests)
        for file, cache in ((files[0], known), (files[1], known_new)):
            keep_answers(session, file.name, {d: a for d, a in cache.items() if d in window})
        result_rows = (len(rows), run.disagreeing_messages, run.id)
    timings["store"] = time.perf_counter() - t0
    return ShadowResult(
        run_id=result_rows[2],
        candidate_id=candidate_id,
        service_id=service_id,
        messages=messages,
        distinct_texts=len(texts),
        disagreements=result_rows[0],
        disagreeing_messages=result_rows[1],
        seconds=time.perf_counter() - started,
        timings=timings,
    )
