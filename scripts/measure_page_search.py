"""How well does the page search (bot/knowledge/page_search.py) find the right page?

Two modes:

* default: runs the held-out long-tail set tests/nlu/longtail.yml against the ranking and
  prints hit@1 and hit@3 (a right page first / among the pages offered), the share of gaps (in
  scope, no page in the catalogue) and out-of-scope questions correctly given no page, the same
  per area and per language, and the time per query. The held-out set is for measuring only:
  never tune keywords, weights or the threshold on it.
* ``--calibrate``: the development set the threshold was chosen on, built from the catalogue
  itself and a list of off-topic messages written for it (below; none of them is in the held-out
  set): for every page, each keyword in a citizen's sentence frame should find the page; the
  off-topic messages should find nothing. Prints both score distributions and, for candidate
  thresholds, the share of each that passes.

``--errors`` prints the questions the search got wrong. Run:
``.venv/bin/python scripts/measure_page_search.py [--catalogue taarnby] [--calibrate] [--errors]``.
Results: docs/knowledge-pages.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.knowledge import page_search
from bot.knowledge.pages import get_catalogue

LONGTAIL = ROOT / "tests" / "nlu" / "longtail.yml"

# Development set for --calibrate only (not the held-out set).
FRAMES = ["{}", "hvor finder jeg noget om {}", "jeg har et spørgsmål om {}"]
OFF_TOPIC = [
    "bestil et bord til fire på en restaurant",
    "hvad koster en ny iphone",
    "fortæl mig en vittighed",
    "hvem er statsminister i danmark",
    "oversæt godmorgen til spansk",
    "hvordan laver man lasagne",
    "hvad er klokken i new york",
    "book en taxa til lufthavnen",
    "sig noget sjovt",
    "hjælp mig med mine matematik lektier",
    "hvilken bil skal jeg købe",
    "hvad var lottotallene i lørdags",
    "kan du synge en sang",
    "hvor gammel er du",
    "what is the meaning of life",
    "order me a taxi",
    "who won the football match yesterday",
    "jeg vil gerne købe billetter til koncerten",
]


def _hit_urls(question: str, language: str, index: page_search.PageIndex) -> list[str]:
    return [h.page.url for h in index.search(question, language)]


def measure(catalogue_name: str, show_errors: bool) -> None:
    data = yaml.safe_load(LONGTAIL.read_text(encoding="utf-8"))
    catalogue = get_catalogue(catalogue_name)
    started = time.perf_counter()
    index = page_search.get_index(catalogue)
    build_s = time.perf_counter() - started
    known = {p.url for p in catalogue.pages}

    per_area: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # n, hit@1, hit@3
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    times: list[float] = []
    errors: list[str] = []
    n = hit1 = hit3 = 0
    for q in data["questions"]:
        # A page of the municipality's site the curated catalogue lacks (the import adds it)
        # may stand beside one it has; a question with none of its pages is a typo.
        missing = [u for u in q["expect"] if u not in known]
        if len(missing) == len(q["expect"]):
            raise SystemExit(
                f"{LONGTAIL}: {q['text']!r} expects URLs not in the catalogue: {missing}"
            )
        lang = q.get("lang", "da")
        t0 = time.perf_counter()
        urls = _hit_urls(q["text"], lang, index)
        times.append(time.perf_counter() - t0)
        first = bool(urls) and urls[0] in q["expect"]
        any_ = any(u in q["expect"] for u in urls)
        n, hit1, hit3 = n + 1, hit1 + first, hit3 + any_
        for bucket in (per_area[q["area"]], per_lang[lang]):
            bucket[0] += 1
            bucket[1] += first
            bucket[2] += any_
        if not any_:
            errors.append(f"  miss  [{lang}] {q['text']!r} -> {urls or 'no page'}")

    def no_page_share(section: str) -> tuple[int, int]:
        good = 0
        items = data.get(section, [])
        for q in items:
            t0 = time.perf_counter()
            urls = _hit_urls(q["text"], q.get("lang", "da"), index)
            times.append(time.perf_counter() - t0)
            good += not urls
            if urls:
                errors.append(f"  {section}  {q['text']!r} -> {urls}")
        return good, len(items)

    gaps_ok, gaps_n = no_page_share("gaps")
    oos_ok, oos_n = no_page_share("out_of_scope")

    print(f"catalogue {catalogue.path} ({len(catalogue)} pages); index built in {build_s:.2f} s")
    print(f"threshold {page_search.THRESHOLD}, relative cut-off {page_search.RELATIVE_CUTOFF}")
    print(f"in scope with a page: {n} questions")
    print(f"  hit@1 {hit1}/{n} = {hit1 / n:.0%}   hit@3 {hit3}/{n} = {hit3 / n:.0%}")
    print(f"gaps given no page:          {gaps_ok}/{gaps_n}")
    print(f"out of scope given no page:  {oos_ok}/{oos_n}")
    print("per language (n, hit@1, hit@3):")
    for lang, (k, a, b) in sorted(per_lang.items()):
        print(f"  {lang:3} {k:3}  {a / k:4.0%}  {b / k:4.0%}")
    print("per area (n, hit@1, hit@3):")
    for area, (k, a, b) in sorted(per_area.items()):
        print(f"  {area:17} {k:3}  {a / k:4.0%}  {b / k:4.0%}")
    ms = [t * 1000 for t in times]
    print(
        f"time per query: median {statistics.median(ms):.1f} ms, max {max(ms):.1f} ms "
        f"({len(ms)} queries, index warm)"
    )
    if show_errors:
        print("errors:")
        print("\n".join(errors) or "  none")


def calibrate(catalogue_name: str) -> None:
    catalogue = get_catalogue(catalogue_name)
    index = page_search.get_index(catalogue)
    positives: list[float] = []
    found_first = 0
    for page in catalogue.pages:
        for keyword in page.keywords:
            for frame in FRAMES:
                ranked = index.rank(frame.format(keyword), page.language)
                own = next((h.score for h in ranked if h.page.url == page.url), 0.0)
                positives.append(own)
                found_first += bool(ranked) and ranked[0].page.url == page.url
    negatives = []
    for text in OFF_TOPIC:
        lang = "en" if text.split()[0] in {"what", "order", "who"} else "da"
        ranked = index.rank(text, lang)
        negatives.append(ranked[0].score if ranked else 0.0)
        print(
            f"  off-topic {text!r}: {ranked[0].page.title if ranked else '-'} {negatives[-1]:.3f}"
        )
    print(f"positives: {len(positives)} (own page first: {found_first / len(positives):.0%})")
    print(
        "  own page's score: quartiles "
        + ", ".join(f"{q:.3f}" for q in statistics.quantiles(positives, n=4))
    )
    print(f"negatives: {len(negatives)}, best page's score max {max(negatives):.3f}")
    print("threshold  positives passing  negatives passing")
    for t in [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55]:
        p = sum(s >= t for s in positives) / len(positives)
        q = sum(s >= t for s in negatives) / len(negatives)
        print(f"  {t:.2f}     {p:6.0%}             {q:6.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalogue", default="taarnby", help="profile id or profile .yml path")
    parser.add_argument("--calibrate", action="store_true", help="the development set instead")
    parser.add_argument("--errors", action="store_true", help="print the misses")
    args = parser.parse_args()
    if args.calibrate:
        calibrate(args.catalogue)
    else:
        measure(args.catalogue, args.errors)


if __name__ == "__main__":
    main()
