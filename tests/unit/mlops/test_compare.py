"""The comparison report from synthetic predictions: figures, changes, error categories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.mlops.compare import (
    ComparisonReport,
    ConfigError,
    ModelRun,
    build_report,
    changes,
    error_categories,
    fallback_threshold,
    render_text,
)
from bot.mlops.evaluation import Prediction
from testkit import ROOT

T = 0.7


def pred(text: str, expected: str, top: str, conf: float) -> Prediction:
    """A prediction as the assistant makes it: below the threshold it falls back."""
    predicted = "nlu_fallback" if conf < T else top
    return Prediction(text, expected, predicted, conf, top, conf)


OLD = [
    pred("hvornår har I åbent", "opening_hours", "opening_hours", 0.95),
    pred("jeg vil flytte", "change_address", "opening_hours", 0.9),  # wrong, high
    pred("ny adresse tak", "change_address", "change_address", 0.5),  # right, low
    pred("hvad er vejret", "out_of_scope", "opening_hours", 0.4),  # fallback: fine
    pred("mit sygesikringskort", "health_card", "digital_post", 0.6),  # wrong, low
]
NEW = [
    pred("hvornår har I åbent", "opening_hours", "opening_hours", 0.97),
    pred("jeg vil flytte", "change_address", "change_address", 0.92),  # better
    pred("ny adresse tak", "change_address", "change_address", 0.88),  # better
    pred("hvad er vejret", "out_of_scope", "health_card", 0.8),  # worse: wrong, high
    pred("mit sygesikringskort", "health_card", "health_card", 0.65),  # right, low
]


def texts(examples: list) -> list[str]:
    return [e.text for e in examples]


def test_error_categories_follow_the_threshold() -> None:
    found = error_categories(OLD, T)
    assert texts(found["wrong_high"]) == ["jeg vil flytte"]
    assert texts(found["right_low"]) == ["ny adresse tak"]
    # The out-of-scope question that fell back is not an error.
    assert texts(found["wrong_low"]) == ["mit sygesikringskort"]
    found = error_categories(NEW, T)
    assert texts(found["wrong_high"]) == ["hvad er vejret"]
    assert texts(found["right_low"]) == ["mit sygesikringskort"]
    assert found["wrong_low"] == []
    # A stricter threshold: the out-of-scope question now falls back (not an error), and a
    # right answer becomes "right, low".
    stricter = error_categories(NEW, 0.9)
    assert stricter["wrong_high"] == [] and stricter["wrong_low"] == []
    assert texts(stricter["right_low"]) == ["ny adresse tak", "mit sygesikringskort"]


def test_better_and_worse_examples() -> None:
    better, worse = changes(OLD, NEW)
    assert texts(better) == ["jeg vil flytte", "ny adresse tak"]
    assert texts(worse) == ["hvad er vejret"]
    assert worse[0].in_service == "nlu_fallback" and worse[0].candidate == "health_card"
    assert better[1].in_service == "nlu_fallback" and better[1].in_service_confidence == 0.5


def test_different_heldout_sets_are_refused() -> None:
    with pytest.raises(ValueError, match="same held-out"):
        changes(OLD, NEW[:-1])


def build() -> ComparisonReport:
    report, _, _ = build_report(
        ModelRun(
            "Ny model", "model-new.tar.gz", 7, NEW, {"folds": 2, "accuracy": 0.9, "macro_f1": 0.85}
        ),
        ModelRun(
            "Model i drift",
            "model-old.tar.gz",
            3,
            OLD,
            {"folds": 2, "accuracy": 0.8, "macro_f1": 0.8},
        ),
        threshold=T,
        heldout_fingerprint="abc",
        created_at="2026-11-23T10:00:00+01:00",
    )
    return report


def test_overall_figures_and_deltas() -> None:
    report = build()
    # Old: opening_hours and the out-of-scope fallback are right: 2 of 5. New: opening_hours
    # and change_address twice (health_card falls back below the threshold): 3 of 5.
    assert report.in_service.accuracy == pytest.approx(0.4)
    assert report.candidate.accuracy == pytest.approx(0.6)
    assert report.accuracy_delta == pytest.approx(0.2)
    assert report.macro_f1_delta == pytest.approx(
        report.candidate.macro_f1 - report.in_service.macro_f1
    )
    assert report.macro_f1_delta > 0
    assert report.cv_macro_f1_delta == pytest.approx(0.05)
    rows = {r.intent: r for r in report.per_intent}
    assert set(rows) == {"opening_hours", "change_address", "out_of_scope", "health_card"}
    assert rows["change_address"].support == 2
    assert rows["change_address"].in_service["recall"] == 0.0
    assert rows["change_address"].candidate["recall"] == 1.0
    assert rows["change_address"].trend == "better"
    assert rows["out_of_scope"].trend == "worse"


def test_without_a_model_in_service() -> None:
    report, _, old = build_report(
        ModelRun("Ny model", "m.tar.gz", None, NEW),
        None,
        threshold=T,
        heldout_fingerprint="abc",
        created_at="x",
    )
    assert old is None and report.in_service is None
    assert report.accuracy_delta is None and report.better == [] and report.worse == []
    assert all(r.in_service is None and r.trend == "same" for r in report.per_intent)
    assert "–" in render_text(report)


def test_round_trip_through_json() -> None:
    report = build()
    data = json.loads(json.dumps(report.to_dict()))
    again = ComparisonReport.from_dict(data)
    assert again == report
    assert data["deltas"]["accuracy"] == pytest.approx(0.2)
    assert data["candidate"]["errors"]["wrong_high"][0]["text"] == "hvad er vejret"


def test_text_rendering_names_the_figures() -> None:
    text = render_text(build())
    assert "held-out accuracy" in text and "40.0 %" in text and "60.0 %" in text
    assert "+20.0 pp" in text
    assert "cross-validation macro F1" in text and "+5.0 pp" in text
    assert "Examples better: 2, worse: 1" in text
    assert "'hvad er vejret' (out_of_scope -> health_card)" in text


def test_threshold_is_read_from_the_config(tmp_path: Path) -> None:
    assert fallback_threshold(ROOT / "config.yml") == 0.45
    config = tmp_path / "config.yml"
    config.write_text(
        "pipeline:\n  - name: WhitespaceTokenizer\n"
        "  - name: FallbackClassifier\n    threshold: 0.55\n"
    )
    assert fallback_threshold(config) == 0.55
    config.write_text("pipeline:\n  - name: FallbackClassifier\n    threshold: high\n")
    with pytest.raises(
        ConfigError, match=r"config.yml: pipeline\[0\] \(FallbackClassifier\).threshold"
    ):
        fallback_threshold(config)
    config.write_text("pipeline:\n  - name: DIETClassifier\n")
    with pytest.raises(ConfigError, match="no FallbackClassifier"):
        fallback_threshold(config)
