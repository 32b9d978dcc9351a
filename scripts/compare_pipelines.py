"""Train the Danish spaCy pipeline and Rasa's default pipeline; evaluate both on held-out data.

Prints the figures and writes docs/nlu-evaluation.md. Run: ``make nlu-eval``.
"""

from __future__ import annotations

import sys

from bot.ops.evaluation import evaluate
from bot.ops.training import ROOT, ensure_model

CONFIGS = {
    "Danish spaCy pipeline (configs/spacy-da.yml)": "configs/spacy-da.yml",
    "Rasa default pipeline (config.yml, in use)": "config.yml",
}
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
SWEEP = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def main() -> int:
    rows = []
    for label, config in CONFIGS.items():
        report = evaluate(ensure_model(config=config), HELDOUT)
        rows.append((label, report))
        print(
            f"{label}: accuracy {report.accuracy:.3f}, macro F1 {report.macro_f1():.3f}, "
            f"confidently wrong {report.confidently_wrong_rate:.3f}, "
            f"fallback {report.fallback_rate:.3f}",
            flush=True,
        )
    lines = [
        "# NLU evaluation on the held-out set",
        "",
        f"Held-out file: `tests/nlu/heldout.yml` ({len(rows[0][1].predictions)} examples, "
        "never used for training). Produced by `make nlu-eval` (scripts/compare_pipelines.py).",
        "",
        "*Accuracy* counts a prediction as right when it is the expected intent (an "
        "out-of-scope message that falls back counts as right). *Confidently wrong* is the "
        "share answered with another topic's answer: the error that misleads a citizen. "
        "*Fallback* is the share sent to the rephrase / contact fallback.",
        "",
        "| pipeline | accuracy | macro F1 | confidently wrong | fallback |",
        "|---|---|---|---|---|",
    ]
    for label, r in rows:
        lines.append(
            f"| {label} | {r.accuracy:.3f} | {r.macro_f1():.3f} | "
            f"{r.confidently_wrong_rate:.3f} | {r.fallback_rate:.3f} |"
        )
    lines += [
        "",
        "Fallback threshold sweep (the same predictions, re-thresholded):",
        "",
        "| pipeline | threshold | accuracy | confidently wrong | fallback |",
        "|---|---|---|---|---|",
    ]
    for label, r in rows:
        for t in SWEEP:
            s = r.at_threshold(t)
            lines.append(
                f"| {label.split(' (')[0]} | {t:.1f} | {s.accuracy:.3f} | "
                f"{s.confidently_wrong_rate:.3f} | {s.fallback_rate:.3f} |"
            )
    lines += ["", "Errors of the pipeline in use (config.yml):", ""]
    for p in rows[1][1].predictions:
        if not p.correct:
            lines.append(
                f"- `{p.text}`: expected {p.expected}, got {p.predicted} ({p.confidence:.2f})"
            )
    (ROOT / "docs" / "nlu-evaluation.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
