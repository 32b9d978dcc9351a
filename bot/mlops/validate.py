"""`rasa data validate`, failing on every warning but one kind that is expected here
(``python -m bot.mlops.validate``, run by ``make validate`` and by the retrain's stage 2).

It checks the project of :meth:`Project.current` (``BOT_PROJECT_DIR`` or the working
directory). Rasa warns "The utterance 'utter_x' is not used in any story or rule" for responses
that only custom actions send. Such a warning is accepted when the response name appears in the
Python code of the ``bot`` package or the project's ``actions/``; every other warning (and any
unused response) fails. It also checks the other direction: every ``utter_`` name used in
``bot`` exists in domain.yml.

Languages (:func:`language_problems`): every response has exactly one English variant (a
condition on slot ``language`` = ``en``) and one unconditioned (Danish) default; both use the
same {placeholders} and the same buttons (number and payloads, in order); English text and
button titles have no æ/ø/å outside the few Danish names in :data:`DANISH_NAMES`; and a
``<name>_danish_page`` response has its base response's Danish text and says "(page in Danish)"
in English.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from bot.stack.paths import Project, base_env, rasa_executable

UNUSED = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")
# Rasa reports data problems as UserWarnings (library deprecation warnings are not ours).
WARNING = re.compile(r"UserWarning| WARNING ")

ENGLISH_CONDITION = [{"type": "slot", "name": "language", "value": "en"}]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
DANISH_LETTERS = re.compile(r"[æøåÆØÅ]")
# Danish names English text may keep (keep this list short).
DANISH_NAMES = ("Tårnby", "Ishøj", "Rådhuset", "Kørekort")
DANISH_PAGE_SUFFIX = "_danish_page"
DANISH_PAGE_NOTE = "(page in Danish)"


def _placeholders(variant: dict) -> set[str]:
    return set(PLACEHOLDER.findall(str(variant.get("text", ""))))


def _payloads(variant: dict) -> list[str]:
    return [str(b.get("payload")) for b in variant.get("buttons") or []]


def _leftover_danish(text: str) -> bool:
    for name in DANISH_NAMES:
        text = text.replace(name, "")
    return bool(DANISH_LETTERS.search(text))


def language_problems(responses: dict) -> list[str]:
    """What in the domain's responses breaks the rules for English variants (see the top)."""
    problems: list[str] = []
    for name, variants in sorted(responses.items()):
        variants = variants or []
        english = [v for v in variants if v.get("condition") == ENGLISH_CONDITION]
        default = [v for v in variants if not v.get("condition")]
        if len(english) != 1:
            problems.append(f"response {name} has {len(english)} English variants, not 1")
        if len(default) != 1:
            problems.append(f"response {name} has {len(default)} unconditioned variants, not 1")
        if len(english) + len(default) != len(variants):
            problems.append(f"response {name} has a variant with another condition")
        if len(english) != 1 or len(default) != 1:
            continue
        en, da = english[0], default[0]
        if _placeholders(en) != _placeholders(da):
            problems.append(
                f"response {name}: English uses {sorted(_placeholders(en))}, "
                f"Danish {sorted(_placeholders(da))}"
            )
        if _payloads(en) != _payloads(da):
            problems.append(f"response {name}: the English buttons differ from the Danish ones")
        titles = [str(b.get("title", "")) for b in en.get("buttons") or []]
        for text in [str(en.get("text", "")), *titles]:
            if _leftover_danish(text):
                problems.append(f"response {name}: Danish letters in English text {text!r}")
        if name.endswith(DANISH_PAGE_SUFFIX):
            base = responses.get(name.removesuffix(DANISH_PAGE_SUFFIX)) or []
            base_da = [v.get("text") for v in base if not v.get("condition")]
            if base_da != [da.get("text")]:
                problems.append(f"response {name}: Danish text differs from its base response")
            if DANISH_PAGE_NOTE not in str(en.get("text", "")):
                problems.append(f"response {name}: English text does not say {DANISH_PAGE_NOTE}")
    return problems


def responses_in_code(project: Project | None = None) -> set[str]:
    """Every ``"utter_…"`` string in the ``bot`` package's code and the project's actions."""
    import bot

    project = project or Project.current()
    package = Path(bot.__file__).parent  # the installed package's own code
    names: set[str] = set()
    for path in [*package.rglob("*.py"), *(project.root / "actions").rglob("*.py")]:
        names |= set(re.findall(r"\"(utter_\w+)\"", path.read_text(encoding="utf-8")))
    names.discard("utter_action")  # Rasa's metadata key naming the response, not a response
    return names


def main() -> int:
    """Validate the project's training data and domain; 0 when valid, 1 with the problems (one
    ``validate: …`` line each on stderr)."""
    from bot.mlops.training import TrainingDataError, write_generated_data

    project = Project.current()
    root = project.root
    try:
        generated = write_generated_data(root)
    except TrainingDataError as exc:
        print(f"validate: {exc}", file=sys.stderr)
        return 1
    proc = subprocess.run(
        [
            rasa_executable(),
            "data",
            "validate",
            "--domain",
            "domain.yml",
            "--data",
            "data",
            str(generated.relative_to(root)),
            "--config",
            "config.yml",
        ],
        cwd=root,
        env=base_env({"TF_CPP_MIN_LOG_LEVEL": "3"}),
        capture_output=True,
        text=True,
    )
    output = proc.stdout + proc.stderr
    used_in_code = responses_in_code(project)
    problems = []
    for line in output.splitlines():
        unused = UNUSED.search(line)
        if unused:
            if unused.group(1) not in used_in_code:
                problems.append(f"response {unused.group(1)} is used nowhere")
        elif WARNING.search(line) and "tensorflow" not in line.lower():
            problems.append(line.strip())
    domain = yaml.safe_load(project.domain.read_text(encoding="utf-8"))
    for name in sorted(used_in_code - set(domain.get("responses", {}))):
        problems.append(f"bot/ sends response {name}, which domain.yml does not define")
    problems.extend(language_problems(domain.get("responses") or {}))
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
