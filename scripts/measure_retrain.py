"""How long ``python -m bot retrain`` takes, step by step, on a review store of 10,000 messages.

The whole retrain as the web team's button runs it, from the start of the command to the gate's
verdict: export, validation, training the candidate, held-out figures for both models,
cross-validation, registering, and the shadow test on the citizens' recent messages. Issue 22's
budget is 60 seconds on this 2-core machine.

On a copy of the project (its own models folder and state) with ``--messages`` citizens'
messages seeded over the last 14 days (scripts/measure_shadow.py's long-tailed mix of the NLU
examples; ``--distinct`` makes every one a different text, the worst case), it runs:

1. **first retrain**: nothing is in service yet, so the project's model is registered as the
   baseline, both models are cross-validated and both read every distinct text;
2. **next retrain**, after one more reviewed example: the model in service keeps its stored
   cross-validation and shadow answers, as every later retrain finds them.

Each run prints the retrain's own per-step times (its ``timings``) and the command's wall time,
with the 1-minute load average before and after.

    .venv/bin/python scripts/measure_retrain.py [--messages 10000] [--distinct] [--folds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

STEPS = (
    ("export_s", "export reviewed examples"),
    ("validate_s", "validation started"),
    ("train_s", "train candidate (validation beside it)"),
    ("evaluate_candidate_s", "held-out: candidate"),
    ("evaluate_in_service_s", "held-out: model in service"),
    ("cv_s", "cross-validation (waiting for it)"),
    ("register_s", "report and registration"),
    ("shadow_s", "shadow test"),
)


def retrain(project: Path, env: dict[str, str], what: str) -> dict:
    before = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "retrain", "--json"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"{what}: retrain exited with {done.returncode}")
    result = json.loads(done.stdout)
    timings = result["timings"]
    print(f"\n{what}: {wall:.1f} s wall (load {before:.1f} -> {os.getloadavg()[0]:.1f})")
    for key, label in STEPS:
        if key in timings:
            print(f"  {label:<40} {timings[key]:6.1f} s")
    print(f"  {'total inside the command':<40} {timings.get('total_s', 0):6.1f} s")
    print(
        f"  shadow test read {timings.get('shadow_messages', 0)} messages, "
        f"{timings.get('shadow_distinct_texts', 0)} distinct texts; gate: "
        + ("allows" if result["gate"]["allowed"] else "refuses")
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--distinct", action="store_true")
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()

    from measure_shadow import _texts

    from bot.mlops.training import ensure_model
    from testkit.project import copy_project, project_env
    from testkit.shadow import add_accepted_example, seed_messages

    ensure_model()  # the project's model, copied into the copy as its baseline
    work = Path(tempfile.mkdtemp(prefix="retrain-bench-"))
    project = copy_project(work / "project")
    state = work / "state"
    state.mkdir()
    env = project_env(
        project,
        state,
        {"BOT_CV_FOLDS": str(args.folds), "BOT_MODELS_DIR": str(project / "models")},
    )
    url = env["BOT_REVIEW_DB_URL"]
    os.environ["BOT_REVIEW_DB_URL"] = url
    now = datetime.now(timezone.utc)
    started = time.perf_counter()
    texts = _texts(args.messages, args.distinct, seed=11)
    seed_messages(url, texts, now=now - timedelta(minutes=5), days=14)
    phrasing = "hvornår kan jeg komme forbi rådhuset og snakke med nogen"
    add_accepted_example(url, phrasing, "opening_hours", at=now, by="bench")
    print(f"seeded {len(texts)} messages in {time.perf_counter() - started:.1f} s ({work})")

    retrain(project, env, "first retrain (baseline registered, nothing stored)")
    add_accepted_example(url, "kan jeg ringe til jer om morgenen", "contact", at=now, by="bench")
    result = retrain(project, env, "next retrain (in-service figures and answers stored)")
    total = result["timings"].get("total_s", 0)
    print(f"\nbudget 60 s: next retrain {'within' if total <= 60 else 'OVER'} ({total:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
