"""The promotion gate (bot.mlops.promotion.gate): pure, on metrics dicts of contract 3."""

from __future__ import annotations

from bot.mlops.promotion import gate

TOL = 0.02


def metrics(
    accuracy: float = 0.9,
    macro_f1: float = 0.9,
    cv: float | None = None,
    fingerprint: str = "heldout-a",
) -> dict:
    return {
        "heldout": {
            "fingerprint": fingerprint,
            "examples": 100,
            "accuracy": accuracy,
            "macro_f1": macro_f1,
            "confidently_wrong_rate": 0.01,
            "fallback_rate": 0.05,
            "per_intent": {},
        },
        "cv": None if cv is None else {"folds": 3, "accuracy": cv, "macro_f1": cv},
    }


def test_equal_metrics_are_allowed() -> None:
    decision = gate(metrics(), metrics(), TOL)
    assert decision.allowed
    assert "Træfsikkerheden på testsættet er uændret: 90,0 %." in decision.reasons


def test_a_drop_within_the_tolerance_is_allowed_and_said() -> None:
    decision = gate(metrics(accuracy=0.885), metrics(accuracy=0.9), TOL)
    assert decision.allowed
    assert decision.reasons[0] == (
        "Træfsikkerheden på testsættet falder fra 90,0 % til 88,5 %, "
        "inden for grænsen på 2,0 procentpoint."
    )


def test_a_drop_of_exactly_the_tolerance_is_allowed_despite_float_rounding() -> None:
    assert gate(metrics(accuracy=0.912 - 0.02), metrics(accuracy=0.912), TOL).allowed


def test_a_drop_beyond_the_tolerance_is_refused_with_a_danish_reason() -> None:
    decision = gate(metrics(accuracy=0.80), metrics(accuracy=0.912), TOL)
    assert not decision.allowed
    assert decision.reasons == [
        "Træfsikkerheden på testsættet falder fra 91,2 % til 80,0 % (grænse: 2,0 procentpoint)."
    ]


def test_macro_f1_alone_can_refuse() -> None:
    decision = gate(metrics(macro_f1=0.7), metrics(macro_f1=0.9), TOL)
    assert not decision.allowed
    assert decision.reasons[0].startswith("Gennemsnitlig F1 på testsættet falder fra 90,0 %")


def test_a_better_candidate_is_allowed() -> None:
    decision = gate(metrics(accuracy=0.95, macro_f1=0.94), metrics(), TOL)
    assert decision.allowed
    assert "Træfsikkerheden på testsættet stiger fra 90,0 % til 95,0 %." in decision.reasons


def test_zero_tolerance_refuses_any_drop() -> None:
    assert not gate(metrics(accuracy=0.899), metrics(accuracy=0.9), 0.0).allowed


def test_cross_validation_counts_when_both_have_it() -> None:
    refused = gate(metrics(cv=0.70), metrics(cv=0.90), TOL)
    assert not refused.allowed
    assert refused.reasons[0].startswith("Gennemsnitlig F1 ved krydsvalidering falder")
    assert gate(metrics(cv=0.89), metrics(cv=0.90), TOL).allowed


def test_missing_cross_validation_is_a_note_not_a_refusal() -> None:
    decision = gate(metrics(cv=None), metrics(cv=0.9), TOL)
    assert decision.allowed
    assert decision.notes == [
        "Der er ingen krydsvalidering for den nye model; kun testsættet er sammenlignet."
    ]
    assert "modellen i drift" in gate(metrics(cv=0.9), metrics(cv=None), TOL).notes[0]


def test_metrics_of_different_heldout_sets_are_not_comparable() -> None:
    decision = gate(
        metrics(accuracy=0.99, fingerprint="new-set"), metrics(fingerprint="old-set"), TOL
    )
    assert not decision.allowed
    assert "forskellige testsæt" in decision.reasons[0]


def test_missing_metrics_are_refused_not_guessed() -> None:
    assert not gate(None, metrics(), TOL).allowed
    assert not gate({"heldout": None, "cv": None}, metrics(), TOL).allowed
    refused = gate(metrics(), {"cv": None}, TOL)
    assert not refused.allowed
    assert "Modellen i drift er ikke målt" in refused.reasons[0]
    no_accuracy = metrics()
    del no_accuracy["heldout"]["accuracy"]
    assert not gate(no_accuracy, metrics(), TOL).allowed


def test_nothing_in_service_allows_the_first_version() -> None:
    decision = gate(metrics(), None, TOL)
    assert decision.allowed
    assert decision.reasons == ["Der er ingen model i drift at sammenligne med."]
