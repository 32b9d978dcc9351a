"""Are self-service tasks recognised by what the citizen wants done (issue 23 §3)?

Runs the held-out phrasings of tests/nlu/task_meaning.yml through the trained model in models/
(the real NLU: intent, entities, fallback threshold) and the registry's answer function for the
predicted intent (what the action server would call), and counts a phrasing as recognised when
the answer is the expected task's (topic ``self_service:<task>``). A page of the catalogue that
is the task's own link also counts (the citizen gets the task's page). Prints the share, per
language, and each miss with what the assistant did instead.

The set is for measuring only: never tune synonyms, descriptions or thresholds on it.
Run: ``.venv/bin/python scripts/measure_task_meaning.py [--model models/x.tar.gz]``.
Results: docs/knowledge-pages.md ("Tasks by meaning").
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "nlu" / "task_meaning.yml"


def _latest_model() -> Path:
    """The model of the current data (trained if needed), not the newest file in models/."""
    from bot.mlops.training import ensure_model

    return ensure_model()


async def _parse_all(model: Path, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(t) for t in texts]


def main() -> None:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()

    from bot.dialogue.replies import Question
    from bot.dialogue.topics import get_registry
    from bot.knowledge.pages import get_catalogue
    from bot.knowledge.profile import get_profile
    from bot.settings import get_settings

    profile = get_profile("taarnby")
    registry = get_registry()
    now = get_settings().now()
    # A page counts as the task's when its address is the task's link, query string aside.
    links = {t.link.value: t.id for t in profile.self_service}
    links.update({u.split("?")[0]: i for u, i in list(links.items())})
    get_catalogue("taarnby")
    items = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))["phrasings"]
    parsed = asyncio.run(_parse_all(args.model or _latest_model(), [i["text"] for i in items]))
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses = []
    for item, parse in zip(items, parsed, strict=True):
        language = item.get("lang", "da")
        intent = parse["intent"]["name"]
        entities: dict[str, list[str]] = {}
        for e in parse["entities"]:
            entities.setdefault(e["entity"], []).append(str(e["value"]))
        topic = registry.for_intent(intent)
        got = f"{intent} (no answer)"
        if topic is not None and topic.answer is not None:
            q = Question(
                now=now,
                text=item["text"],
                intent=intent,
                entities={k: tuple(v) for k, v in entities.items()},
                language=language,
            )
            answer = topic.ask(profile, q)
            task_links = [
                r.variables.get("link") for r in answer.replies if r.variables.get("link")
            ]
            got = answer.topic or topic.topic
            if got == "page":
                got = "page " + ", ".join(
                    str(links.get(str(u).split("?")[0], u)) for u in task_links
                )
        total[language] += 1
        ok = got == f"self_service:{item['task']}" or (
            got.startswith("page ") and item["task"] in got.split(" ", 1)[1].split(", ")
        )
        if ok:
            right[language] += 1
        else:
            misses.append((item["text"], item["task"], intent, got))
    n, r = sum(total.values()), sum(right.values())
    print(f"held-out task phrasings: {r}/{n} recognised ({100 * r / n:.0f} %)")
    for language in sorted(total):
        print(f"  {language}: {right[language]}/{total[language]}")
    for text, task, intent, got in misses:
        print(f"  miss: {text!r}: expected {task}, intent {intent}, got {got}")


if __name__ == "__main__":
    main()
