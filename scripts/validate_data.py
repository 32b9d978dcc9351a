"""`rasa data validate`, failing on every warning but one kind that is expected here.

Rasa warns "The utterance 'utter_x' is not used in any story or rule" for responses that only
custom actions send. Such a warning is accepted when the response name appears in the Python
code of ``bot/`` or ``actions/``; every other warning (and any unused response) fails.
It also checks the other direction: every ``utter_`` name used in ``bot/`` exists in domain.yml.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
UNUSED = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")
# Rasa reports data problems as UserWarnings (library deprecation warnings are not ours).
WARNING = re.compile(r"UserWarning| WARNING ")


def responses_in_code() -> set[str]:
    names: set[str] = set()
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "actions").rglob("*.py")]:
        names |= set(re.findall(r"\"(utter_\w+)\"", path.read_text(encoding="utf-8")))
    names.discard("utter_action")  # Rasa's metadata key naming the response, not a response
    return names


def main() -> int:
    env = dict(
        os.environ,
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="3",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
    )
    from bot.ops.training import TrainingDataError, write_generated_data

    try:
        generated = write_generated_data(ROOT)
    except TrainingDataError as exc:
        print(f"validate: {exc}", file=sys.stderr)
        return 1
    rasa = Path(sys.executable).parent / "rasa"
    proc = subprocess.run(
        [
            str(rasa),
            "data",
            "validate",
            "--domain",
            "domain.yml",
            "--data",
            "data",
            str(generated.relative_to(ROOT)),
            "--config",
            "config.yml",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    output = proc.stdout + proc.stderr
    used_in_code = responses_in_code()
    problems = []
    for line in output.splitlines():
        unused = UNUSED.search(line)
        if unused:
            if unused.group(1) not in used_in_code:
                problems.append(f"response {unused.group(1)} is used nowhere")
        elif WARNING.search(line) and "tensorflow" not in line.lower():
            problems.append(line.strip())
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name in sorted(used_in_code - set(domain.get("responses", {}))):
        problems.append(f"bot/ sends response {name}, which domain.yml does not define")
    if proc.returncode != 0:
        problems.append(f"rasa data validate exited with {proc.returncode}")
    for problem in problems:
        print(f"validate: {problem}", file=sys.stderr)
    if problems:
        print(output[-3000:], file=sys.stderr)
        return 1
    print("Training data and domain: valid, no warnings.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
