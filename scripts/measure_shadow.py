"""How long the shadow test takes on a review store of 10,000 citizens' messages.

Seeds a fresh review store (SQLite, in a temporary folder) with ``--messages`` messages over the
last 14 days, drawn from the project's NLU examples and held-out set with a long-tailed
frequency (a few questions asked very often, many asked once, as citizens do), registers the
project's model as the version in service and a second model as the candidate, and runs
``bot.mlops.shadow.run_shadow`` as ``python -m bot shadow`` does. Prints each step's time.
``--distinct`` makes every message a different text (the worst case: nothing to deduplicate).

    .venv/bin/python scripts/measure_shadow.py [--messages 10000] [--distinct] [--candidate PATH]

Without ``--candidate`` the candidate is the newest other model file in models/.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _texts(count: int, distinct: bool, seed: int) -> list[str]:
    from bot.mlops.evaluation import load_examples

    pool: list[str] = []
    for path in [*sorted((ROOT / "data" / "nlu").glob("*.yml")), ROOT / "eval/heldout.yml"]:
        pool.extend(text for text, _ in load_examples(path))
    pool = sorted(set(pool))
    rng = random.Random(seed)  # noqa: S311 - test data
    rng.shuffle(pool)
    if distinct:
        return [f"{pool[i % len(pool)]} {i}" if i >= len(pool) else pool[i] for i in range(count)]
    # Zipf-like: the k-th most frequent text is asked about 1/k as often as the first.
    weights = [1 / (k + 1) for k in range(len(pool))]
    return rng.choices(pool, weights=weights, k=count)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--distinct", action="store_true")
    parser.add_argument("--candidate", type=Path, default=None)
    parser.add_argument(
        "--next",
        type=Path,
        default=None,
        help="then a second candidate against the same model in service (its answers cached)",
    )
    args = parser.parse_args()

    from bot.mlops.training import ensure_model

    service = ensure_model()
    candidate = args.candidate or max(
        (p for p in service.parent.glob("model-*.tar.gz") if p != service),
        key=lambda p: p.stat().st_mtime,
        default=None,
    )
    if candidate is None:
        print("No second model in models/; give --candidate PATH", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="shadow-bench-"))
    url = f"sqlite:///{work / 'review.db'}"
    os.environ["BOT_REVIEW_DB_URL"] = url
    os.environ["BOT_MODELS_DIR"] = str(service.parent)
    from bot.mlops.shadow import run_shadow
    from testkit.shadow import register_pair, seed_messages

    now = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    texts = _texts(args.messages, args.distinct, seed=11)
    seed_messages(url, texts, now=now, days=14)
    _, candidate_id = register_pair(url, service, candidate)
    print(f"seeded {len(texts)} messages in {time.perf_counter() - t0:.1f} s ({work})")
    print(f"in service: {service.name}; candidate: {candidate.name}")

    _measure(run_shadow, candidate_id, now, url, "first run (nothing cached)")
    if args.next is not None:
        from bot.db.engine import session_scope
        from bot.db.stores import REVIEW
        from bot.mlops.versions import register_candidate

        with session_scope(REVIEW, url) as session:
            next_id = register_candidate(
                session,
                file_name=args.next.name,
                data_fingerprint=args.next.name,
                metrics=None,
                report=None,
                created_by="bench",
            ).id
        _measure(run_shadow, next_id, now, url, "next candidate (in-service answers cached)")
    return 0


def _measure(run_shadow: object, candidate_id: int, now: datetime, url: str, what: str) -> None:
    started = time.perf_counter()
    cpu = time.process_time()
    result = run_shadow(candidate_id, days=14, now=now, url=url)  # type: ignore[operator]
    wall = time.perf_counter() - started
    print(
        f"{what}: messages {result.messages}, distinct texts {result.distinct_texts}, "
        f"disagreements {result.disagreements} texts / {result.disagreeing_messages} messages"
    )
    for step, seconds in result.timings.items():
        print(f"  {step:<16} {seconds:6.1f} s")
    print(f"shadow test: {wall:.1f} s wall, {time.process_time() - cpu:.1f} s CPU")


if __name__ == "__main__":
    raise SystemExit(main())
