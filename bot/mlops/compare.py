"""The comparison report: a candidate model against the model in service.

Both models are run on the same held-out set (``eval/heldout.yml``, by
:mod:`bot.mlops.evaluation`); this module only compares their predictions (pure functions, no
Rasa), so it is tested with synthetic predictions. The report holds

- overall accuracy and macro F1 of both models, and the differences;
- per intent: precision, recall and F1 of both, and the F1 difference;
- the examples that got better (wrong -> right) and worse (right -> wrong);
- the blind-test error categories of each model, against the FallbackClassifier threshold of
  ``config.yml`` (:func:`fallback_threshold`): see :func:`error_categories`;
- the cross-validation results of both (:mod:`bot.mlops.crossval`), when known.

It is stored as JSON in the candidate version's ``report`` column (:meth:`ComparisonReport.
to_dict` / :meth:`ComparisonReport.from_dict`) and rendered by the web team's report page and,
short, by ``python -m bot retrain`` (:func:`render_text`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.mlops.evaluation import Prediction, Report, report_metrics

OUT_OF_SCOPE = "out_of_scope"
# An F1 difference smaller than this is shown as "unchanged".
F1_EPSILON = 0.005
CATEGORIES = ("wrong_high", "wrong_low", "right_low")


class ConfigError(Exception):
    """config.yml has no usable FallbackClassifier threshold; the message names file and field."""


def fallback_threshold(config: Path) -> float:
    """The ``threshold`` of the FallbackClassifier in the pipeline of ``config``."""
    import yaml

    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{config}: cannot read it ({exc})") from exc
    for index, component in enumerate(data.get("pipeline") or []):
        if isinstance(component, dict) and component.get("name") == "FallbackClassifier":
            value = component.get("threshold", 0.3)  # Rasa's default
            if not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ConfigError(
                    f"{config}: pipeline[{index}] (FallbackClassifier).threshold must be a "
                    f"number from 0 to 1, not {value!r}"
                )
            return float(value)
    raise ConfigError(f"{config}: pipeline has no FallbackClassifier, so no threshold")


@dataclass(frozen=True)
class Example:
    """One held-out example as one model saw it."""

    text: str
    expected: str
    predicted: str
    confidence: float

    @classmethod
    def of(cls, p: Prediction) -> Example:
        return cls(p.text, p.expected, p.top_intent, round(p.top_confidence, 4))


@dataclass(frozen=True)
class Change:
    """An example that one model gets right and the other wrong."""

    text: str
    expected: str
    in_service: str
    in_service_confidence: float
    candidate: str
    candidate_confidence: float


@dataclass(frozen=True)
class IntentRow:
    """Per-intent precision, recall and F1 of both models (None: no in-service model)."""

    intent: str
    support: int
    candidate: dict[str, float]
    in_service: dict[str, float] | None

    @property
    def f1_delta(self) -> float | None:
        if self.in_service is None:
            return None
        return self.candidate["f1"] - self.in_service["f1"]

    @property
    def trend(self) -> str:
        """ "better", "worse" or "same" (F1, within :data:`F1_EPSILON`)."""
        delta = self.f1_delta
        if delta is None or abs(delta) < F1_EPSILON:
            return "same"
        return "better" if delta > 0 else "worse"


@dataclass(frozen=True)
class ModelSummary:
    """One model's figures on the held-out set, its error categories and cross-validation."""

    label: str
    file_name: str
    version_id: int | None
    examples: int
    accuracy: float
    macro_f1: float
    confidently_wrong_rate: float
    fallback_rate: float
    cv: dict[str, Any] | None
    errors: dict[str, list[Example]]

    def count(self, category: str) -> int:
        return len(self.errors.get(category, []))


@dataclass(frozen=True)
class ModelRun:
    """What the pipeline measured of one model: its predictions and cross-validation."""

    label: str
    file_name: str
    version_id: int | None
    predictions: list[Prediction]
    cv: dict[str, Any] | None = None


@dataclass(frozen=True)
class ComparisonReport:
    """Candidate vs. in-service model; stored as JSON (``to_dict``) in the version's report."""

    created_at: str
    heldout_fingerprint: str
    threshold: float
    candidate: ModelSummary
    in_service: ModelSummary | None
    per_intent: list[IntentRow]
    better: list[Change] = field(default_factory=list)
    worse: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def accuracy_delta(self) -> float | None:
        return _delta(self.candidate.accuracy, self.in_service and self.in_service.accuracy)

    @property
    def macro_f1_delta(self) -> float | None:
        return _delta(self.candidate.macro_f1, self.in_service and self.in_service.macro_f1)

    @property
    def cv_macro_f1_delta(self) -> float | None:
        a = (self.candidate.cv or {}).get("macro_f1")
        b = ((self.in_service.cv if self.in_service else None) or {}).get("macro_f1")
        return _delta(a, b)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["schema"] = 1
        data["deltas"] = {
            "accuracy": self.accuracy_delta,
            "macro_f1": self.macro_f1_delta,
            "cv_macro_f1": self.cv_macro_f1_delta,
        }
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ComparisonReport:
        return cls(
            created_at=data["created_at"],
            heldout_fingerprint=data["heldout_fingerprint"],
            threshold=float(data["threshold"]),
            candidate=_summary_from(data["candidate"]),
            in_service=_summary_from(data["in_service"]) if data.get("in_service") else None,
            per_intent=[IntentRow(**row) for row in data.get("per_intent", [])],
            better=[Change(**c) for c in data.get("better", [])],
            worse=[Change(**c) for c in data.get("worse", [])],
            notes=list(data.get("notes", [])),
        )


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _summary_from(data: dict[str, Any]) -> ModelSummary:
    errors = {k: [Example(**e) for e in v] for k, v in (data.get("errors") or {}).items()}
    return ModelSummary(**{**data, "errors": errors})


def error_categories(predictions: list[Prediction], threshold: float) -> dict[str, list[Example]]:
    """The blind-test error categories, from the classifier's own best intent and confidence
    (before the FallbackClassifier) against ``threshold``:

    - ``wrong_high``: wrong intent with confidence >= threshold: the assistant answers another
      topic with confidence (the error that misleads a citizen);
    - ``wrong_low``: wrong intent below the threshold: the assistant falls back (for an
      out-of-scope example that is the right thing, so those are not counted);
    - ``right_low``: the right intent, but below the threshold: the assistant falls back
      although its guess was right (more examples of that phrasing help).
    """
    found: dict[str, list[Example]] = {c: [] for c in CATEGORIES}
    for p in predictions:
        hit = p.top_intent == p.expected
        low = p.top_confidence < threshold
        if hit and low:
            found["right_low"].append(Example.of(p))
        elif not hit and not low:
            found["wrong_high"].append(Example.of(p))
        elif not hit and p.expected != OUT_OF_SCOPE:
            found["wrong_low"].append(Example.of(p))
    return found


def summarise(run: ModelRun, threshold: float, fingerprint: str) -> tuple[ModelSummary, dict]:
    """The summary of ``run`` and its ``heldout`` metrics (contract: bot.mlops.versions)."""
    metrics = report_metrics(Report(run.predictions), fingerprint)
    summary = ModelSummary(
        label=run.label,
        file_name=run.file_name,
        version_id=run.version_id,
        examples=metrics["examples"],
        accuracy=metrics["accuracy"],
        macro_f1=metrics["macro_f1"],
        confidently_wrong_rate=metrics["confidently_wrong_rate"],
        fallback_rate=metrics["fallback_rate"],
        cv=run.cv,
        errors=error_categories(run.predictions, threshold),
    )
    return summary, metrics


def changes(
    in_service: list[Prediction], candidate: list[Prediction]
) -> tuple[list[Change], list[Change]]:
    """(better, worse): examples the candidate gets right and the in-service model wrong, and
    the other way round. Both lists of predictions are of the same held-out file, in order."""
    if [(p.text, p.expected) for p in in_service] != [(p.text, p.expected) for p in candidate]:
        raise ValueError("the two models were not evaluated on the same held-out examples")
    better: list[Change] = []
    worse: list[Change] = []
    for old, new in zip(in_service, candidate, strict=True):
        if old.correct == new.correct:
            continue
        change = Change(
            old.text,
            old.expected,
            old.predicted,
            round(old.top_confidence, 4),
            new.predicted,
            round(new.top_confidence, 4),
        )
        (better if new.correct else worse).append(change)
    return better, worse


def per_intent_rows(candidate: dict, in_service: dict | None) -> list[IntentRow]:
    """Rows of both models' ``per_intent`` metrics, by intent name."""
    rows = []
    for intent, c in sorted(candidate["per_intent"].items()):
        old = in_service["per_intent"].get(intent) if in_service else None
        rows.append(
            IntentRow(
                intent=intent,
                support=int(c["support"]),
                candidate={k: float(c[k]) for k in ("precision", "recall", "f1")},
                in_service={k: float(old[k]) for k in ("precision", "recall", "f1")}
                if old
                else None,
            )
        )
    return rows


def build_report(
    candidate: ModelRun,
    in_service: ModelRun | None,
    *,
    threshold: float,
    heldout_fingerprint: str,
    created_at: str,
    notes: list[str] | None = None,
) -> tuple[ComparisonReport, dict, dict | None]:
    """The report, and the ``heldout`` metrics of the candidate and of the in-service model."""
    cand_summary, cand_metrics = summarise(candidate, threshold, heldout_fingerprint)
    old_summary = old_metrics = None
    better: list[Change] = []
    worse: list[Change] = []
    if in_service is not None:
        old_summary, old_metrics = summarise(in_service, threshold, heldout_fingerprint)
        better, worse = changes(in_service.predictions, candidate.predictions)
    report = ComparisonReport(
        created_at=created_at,
        heldout_fingerprint=heldout_fingerprint,
        threshold=threshold,
        candidate=cand_summary,
        in_service=old_summary,
        per_intent=per_intent_rows(cand_metrics, old_metrics),
        better=better,
        worse=worse,
        notes=list(notes or []),
    )
    return report, cand_metrics, old_metrics


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.1f} pp"


def _cv(summary: ModelSummary | None) -> tuple[float | None, float | None]:
    cv = summary.cv if summary else None
    return (cv or {}).get("accuracy"), (cv or {}).get("macro_f1")


def render_text(report: ComparisonReport) -> str:
    """A short plain-text rendering for the command line."""
    c, s = report.candidate, report.in_service
    cv_c, cv_s = _cv(c), _cv(s)
    width = 26
    lines = [
        f"Held-out set: {c.examples} examples (fingerprint {report.heldout_fingerprint}); "
        f"fallback threshold {report.threshold:g}",
        f"{'':{width}}{'in service':>12}{'candidate':>12}{'change':>12}",
        f"{'held-out accuracy':{width}}{_pct(s and s.accuracy):>12}{_pct(c.accuracy):>12}"
        f"{_signed(report.accuracy_delta):>12}",
        f"{'held-out macro F1':{width}}{_pct(s and s.macro_f1):>12}{_pct(c.macro_f1):>12}"
        f"{_signed(report.macro_f1_delta):>12}",
        f"{'cross-validation accuracy':{width}}{_pct(cv_s[0]):>12}{_pct(cv_c[0]):>12}"
        f"{_signed(_delta(cv_c[0], cv_s[0])):>12}",
        f"{'cross-validation macro F1':{width}}{_pct(cv_s[1]):>12}{_pct(cv_c[1]):>12}"
        f"{_signed(report.cv_macro_f1_delta):>12}",
    ]
    for category, name in (
        ("wrong_high", "wrong, high confidence"),
        ("wrong_low", "wrong, low confidence"),
        ("right_low", "right, low confidence"),
    ):
        old = str(s.count(category)) if s else "–"
        lines.append(f"{name:{width}}{old:>12}{c.count(category):>12}")
    lines.append(f"Examples better: {len(report.better)}, worse: {len(report.worse)}")
    moved = [r for r in report.per_intent if r.trend != "same"]
    for row in moved:
        lines.append(
            f"  {row.intent}: F1 {_pct(row.in_service['f1'] if row.in_service else None)} -> "
            f"{_pct(row.candidate['f1'])} ({row.trend})"
        )
    for change in report.worse[:10]:
        lines.append(f"  worse: {change.text!r} ({change.expected} -> {change.candidate})")
    lines.extend(report.notes)
    return "\n".join(lines)
