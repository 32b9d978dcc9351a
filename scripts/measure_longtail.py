"""The long-tail sets offline, the way the assistant answers them (issue 23): for tuning on the
development sets without a running server.

Serves the local test site (testkit/local_site.py), imports it into a temporary page
catalogue seeded with the curated one (the municipality's own pages pointing at the local copy,
as tests/integration/test_longtail_rest.py does), then for each question: the trained model's
parse (models/), the arbiter and the registry's answer function for the intent (what the action
server does), and the links of the answer. A question counts when one of its expected pages is
among them.

Sets: ``dev`` (tests/nlu/longtail.yml and longtail_site.yml, looked at during development) by
default, misses listed. ``--holdout`` runs the held-out sets tests/nlu/longtail_holdout.yml and
longtail_holdout4.yml and prints only their figures: their misses are not to be read, or they
stop being held out.
Run: ``.venv/bin/python scripts/measure_longtail.py [--holdout]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

# bench/ and testkit/ live in the checkout, not in the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml

ROOT = Path(__file__).resolve().parents[1]
NLU = ROOT / "tests" / "nlu"
OWN_HOSTS = {"www.taarnby.dk", "taarnby.dk"}


def _normal(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}"


def _on_site(url: str, site: str) -> str:
    if "://" not in url:
        return site + url
    parts = urlsplit(url)
    if (parts.hostname or "").lower() in OWN_HOSTS:
        return site + (parts.path or "/")
    return url


def main() -> None:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--holdout", action="store_true")
    parser.add_argument(
        "--explain", action="store_true", help="with each dev miss: support, best pages, task"
    )
    args = parser.parse_args()
    pages_dir = Path(tempfile.mkdtemp(prefix="longtail-pages-"))
    os.environ["BOT_PAGES_DIR"] = str(pages_dir)

    from testkit.local_site import serve_site

    with serve_site() as site:
        bundled = yaml.safe_load(
            (ROOT / "bot/knowledge/profiles/pages/taarnby.yml").read_text(encoding="utf-8")
        )
        for page in bundled["pages"]:
            page["url"] = _on_site(page["url"], site)
        (pages_dir / "taarnby.yml").write_text(
            yaml.safe_dump(bundled, allow_unicode=True), encoding="utf-8"
        )
        from bot.knowledge.site_import import run_import

        run_import(f"{site}/sitemap.xml", profile="taarnby", delay=0)
        if args.holdout:
            sets = [
                yaml.safe_load((NLU / name).read_text())["questions"]
                for name in ("longtail_holdout.yml", "longtail_holdout4.yml")
            ]
        else:
            sets = [
                yaml.safe_load((NLU / name).read_text())["questions"]
                for name in ("longtail.yml", "longtail_site.yml", "longtail_dev2.yml")
            ]
        explain = args.explain and not args.holdout
        _measure(sets, site, show_misses=not args.holdout, explain=explain)
        if not args.holdout:
            _out_of_scope(yaml.safe_load((NLU / "longtail.yml").read_text())["out_of_scope"])


def _explain(profile, question) -> str:
    """Why a question missed: the intent's support, the best-ranked pages (also those under the
    threshold) and the task the message describes."""
    from bot.dialogue.intent_words import support
    from bot.knowledge.page_search import get_index
    from bot.knowledge.pages import catalogue_of
    from bot.knowledge.task_search import task_hit

    share = support(question.intent, question.text)
    ranked = get_index(catalogue_of(profile.municipality.id)).rank(question.text, question.language)
    pages = ", ".join(
        f"{urlsplit(h.page.url).path} {h.score:.2f}/{h.word_score:.2f}" for h in ranked[:3]
    )
    task = task_hit(profile, question.text, question.language)
    task_text = f"{task.task.id} {task.score:.2f}/{task.word_score:.2f}" if task else "-"
    support_text = "-" if share is None else f"{share:.2f}"
    return f"      support {support_text}; pages {pages}; task {task_text}"


def _out_of_scope(questions: list[dict]) -> None:
    """How many off-topic questions get a page (they should get a polite no)."""
    from rasa.core.agent import Agent

    from bot.dialogue.arbiter import reroute
    from bot.dialogue.replies import Question
    from bot.dialogue.topics import get_registry
    from bot.knowledge.profile import get_profile
    from bot.mlops.training import ensure_model
    from bot.settings import get_settings

    agent = Agent.load(str(ensure_model()))  # the model of the current data, trained if needed
    profile, registry, now = get_profile("taarnby"), get_registry(), get_settings().now()
    with_page = []
    for q in questions:
        parse = asyncio.run(agent.parse_message(q["text"]))
        intent = parse["intent"]["name"]
        question = Question(now=now, text=q["text"], intent=intent, language=q.get("lang", "da"))
        topic = registry.for_intent(intent)
        if topic is None or topic.answer is None:
            continue
        answer = reroute(profile, question, topic) or topic.ask(profile, question)
        links = [
            v for r in answer.replies for v in r.variables.values() if str(v).startswith("http")
        ]
        if links:
            with_page.append(f"{q['text']!r}: {intent} -> {answer.topic} {links[:1]}")
    print(f"out of scope: {len(with_page)}/{len(questions)} got a link", *with_page, sep="\n  ")


def _measure(sets: list[list[dict]], site: str, show_misses: bool, explain: bool = False) -> None:
    from rasa.core.agent import Agent

    from bot.dialogue.arbiter import reroute
    from bot.dialogue.replies import Question
    from bot.dialogue.topics import get_registry
    from bot.knowledge.profile import get_profile
    from bot.mlops.training import ensure_model
    from bot.settings import get_settings

    agent = Agent.load(str(ensure_model()))  # the model of the current data, trained if needed
    profile, registry, now = get_profile("taarnby"), get_registry(), get_settings().now()
    for questions in sets:
        misses = []
        for q in questions:
            parse = asyncio.run(agent.parse_message(q["text"]))
            intent = parse["intent"]["name"]
            entities: dict[str, list[str]] = {}
            for e in parse["entities"]:
                entities.setdefault(e["entity"], []).append(str(e["value"]))
            language = (entities.get("language") or [q.get("lang", "da")])[0]
            question = Question(
                now=now,
                text=q["text"],
                intent=intent,
                entities={k: tuple(v) for k, v in entities.items()},
                language=language if language in ("da", "en") else "da",
            )
            topic = registry.for_intent(intent)
            if topic is None or topic.answer is None:
                got, said = set(), intent
            else:
                answer = reroute(profile, question, topic) or topic.ask(profile, question)
                got = {
                    _normal(str(v))
                    for r in answer.replies
                    for v in r.variables.values()
                    if str(v).startswith("http")
                }
                said = f"{intent} -> {answer.topic or topic.topic}"
            expected = {_normal(_on_site(u, site)) for u in q["expect"]}
            if not expected & got:
                why = f"\n{_explain(profile, question)}" if explain else ""
                misses.append(f"{q['text']!r}: {said} {sorted(got)[:2]}{why}")
        n = len(questions)
        print(f"{n - len(misses)}/{n} = {(n - len(misses)) / n:.0%} right page")
        if show_misses:
            for miss in misses:
                print("  miss", miss)


if __name__ == "__main__":
    main()
