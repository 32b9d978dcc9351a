"""The long-tail sets through the real thing (issue 23, done-when): the local test site
(testkit/local_site.py) imported with the real ``python -m bot import-site`` into the
catalogue the assistant serves, then every question asked on the real REST endpoint, and the
links of each reply read off their click-counting redirect.

The served catalogue is what a municipality would have: our curated catalogue
(bot/knowledge/profiles/pages/taarnby.yml), with the pages of the municipality's own site
pointing at the local copy of that site (same paths), refreshed and extended by the import.
A question counts as answered when one of the pages it expects is among those offered (the
municipality's own pages by path on the local site, borger.dk's and others' by URL).

Development sets (their misses are read and tuned on): tests/nlu/longtail.yml,
longtail_site.yml and longtail_dev2.yml. Held-out sets (only their figures are printed; never
tune on them): longtail_holdout.yml (the third set, written by a session before the last
rounds of changes) and longtail_holdout4.yml (written by a helper who had not read the ranking
code or the other sets). The issue asks for 80 % on a held-out set: the third set's test
asserts it. The other figures are floors that guard what has been reached against
regressions (docs/knowledge-pages.md, "Measured figures").
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from bot.knowledge.pages import load_catalogue_file
from testkit.local_site import LocalSite, serve_site
from tests.integration.conftest import Assistant, new_sender, start_assistant, texts
from tests.integration.test_links import follow, links

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
LONGTAIL = yaml.safe_load((ROOT / "tests" / "nlu" / "longtail.yml").read_text(encoding="utf-8"))
SITE_SET = yaml.safe_load(
    (ROOT / "tests" / "nlu" / "longtail_site.yml").read_text(encoding="utf-8")
)
HOLDOUT = yaml.safe_load(
    (ROOT / "tests" / "nlu" / "longtail_holdout.yml").read_text(encoding="utf-8")
)
DEV2 = yaml.safe_load((ROOT / "tests" / "nlu" / "longtail_dev2.yml").read_text(encoding="utf-8"))
HOLDOUT4 = yaml.safe_load(
    (ROOT / "tests" / "nlu" / "longtail_holdout4.yml").read_text(encoding="utf-8")
)
OWN_HOSTS = {"www.taarnby.dk", "taarnby.dk"}
GOAL = 0.80  # the done-when, on the third (held-out) set
FLOOR_FIRST = 0.90
FLOOR_SECOND = 0.84
FLOOR_DEV2 = 0.80
FLOOR_HOLDOUT4 = 0.74


def on_site(url: str, site: str) -> str:
    """The URL of a page of the municipality's own site on the local copy (same path)."""
    parts = urlsplit(url)
    if (parts.hostname or "").lower() not in OWN_HOSTS:
        return url
    return site + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def site() -> Iterator[LocalSite]:
    with serve_site() as served:
        yield served


@pytest.fixture(scope="module")
def assistant(
    site: LocalSite, tmp_path_factory: pytest.TempPathFactory, model_path: Path
) -> Iterator[Assistant]:
    pages_dir = tmp_path_factory.mktemp("longtail-pages")
    bundled = yaml.safe_load(
        (ROOT / "bot/knowledge/profiles/pages/taarnby.yml").read_text(encoding="utf-8")
    )
    for page in bundled["pages"]:
        page["url"] = on_site(page["url"], site)
    seeded = pages_dir / "taarnby.yml"
    seeded.write_text(yaml.safe_dump(bundled, allow_unicode=True), encoding="utf-8")
    load_catalogue_file(seeded)  # still a valid catalogue
    env = {**os.environ, "BOT_ENV": "test", "BOT_PAGES_DIR": str(pages_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "import-site", f"{site}/sitemap.xml", "--delay", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    imported = load_catalogue_file(seeded)
    assert len(imported) > len(bundled["pages"])  # the site's other pages were added
    yield from start_assistant(
        tmp_path_factory, model_path, "taarnby", {"BOT_PAGES_DIR": str(pages_dir)}
    )


def normal(url: str) -> str:
    """Host and path: the same page whatever its query string ("?mode=guide")."""
    parts = urlsplit(url)
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}"


def offered(assistant: Assistant, text: str) -> tuple[set[str], str]:
    """Where the links of the reply to a new conversation's first message lead (followed
    through the redirect: a page of the catalogue, or a self-service task's own link), and the
    reply's text. An English question is answered in English (the language is detected)."""
    reply = assistant.ask(text, new_sender())
    return {normal(follow(href)) for _, href in links(reply)}, texts(reply)


def right_page_share(
    assistant: Assistant, site: LocalSite, questions: list[dict], show_misses: bool = True
) -> tuple[float, str]:
    """The share of ``questions`` whose reply offers one of their expected pages, and a
    report listing the misses (only the figure for the held-out set, whose misses are not
    to be read)."""
    misses = []
    for q in questions:
        expected = {normal(on_site(u if "://" in u else site + u, site)) for u in q["expect"]}
        got, said = offered(assistant, q["text"])
        if not expected & got:
            misses.append(f"{q['text']!r} ({q['area']}): {said[:160]!r}")
    share = 1 - len(misses) / len(questions)
    report = f"{len(questions) - len(misses)}/{len(questions)} = {share:.0%} got the right page"
    if not show_misses:
        print(report)
        return share, report
    print(report, *misses, sep="\n  ")
    return share, "\n".join([report, *misses])


# name, questions, the share to reach, whether the misses may be read (held out: figure only)
SETS = [
    ("longtail.yml (development)", LONGTAIL["questions"], FLOOR_FIRST, True),
    ("longtail_site.yml (development)", SITE_SET["questions"], FLOOR_SECOND, True),
    ("longtail_dev2.yml (development)", DEV2["questions"], FLOOR_DEV2, True),
    # The done-when: 64 questions in all eleven areas, never read for tuning.
    ("longtail_holdout.yml (held out)", HOLDOUT["questions"], GOAL, False),
    # 66 questions by a helper who had not read the ranking code or the other sets.
    ("longtail_holdout4.yml (held out)", HOLDOUT4["questions"], FLOOR_HOLDOUT4, False),
]


@pytest.mark.parametrize(
    ("name", "questions", "floor", "readable"), SETS, ids=[name for name, *_ in SETS]
)
def test_each_long_tail_set_gets_the_right_page(
    assistant: Assistant,
    site: LocalSite,
    name: str,
    questions: list[dict],
    floor: float,
    readable: bool,
) -> None:
    assert len(questions) >= 38, name
    share, report = right_page_share(assistant, site, questions, show_misses=readable)
    assert share >= floor, f"{name}: {report}"


def test_out_of_scope_questions_stay_graceful(assistant: Assistant) -> None:
    """Not about the municipality: a reply in words, and a page for at most one in eight of
    them (as when the set had eight: "hvad koster en ny iphone" meets the parking page's
    prices, "hvad er den bedste telefon" the contact page)."""
    with_page = []
    questions = LONGTAIL["out_of_scope"]
    for q in questions:
        got, said = offered(assistant, q["text"])
        assert said.strip(), q["text"]
        if got:
            with_page.append((q["text"], sorted(got)))
    assert len(with_page) <= len(questions) // 8, with_page
