"""Model versions on a real database (SQLite, then PostgreSQL when it answers): registering,
promotion through the gate, overrides, rollback, history, exactly one version in service."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.db.engine import get_engine, session_scope
from bot.db.stores import REVIEW
from bot.mlops.promotion import promote, rollback, rollback_target
from bot.mlops.versions import (
    CANDIDATE,
    IN_SERVICE,
    RETIRED,
    ModelVersion,
    PromotionEvent,
    VersionError,
    get_version,
    history,
    in_service,
    list_versions,
    register_candidate,
    set_metrics,
)

TOL = 0.02
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def metrics(accuracy: float) -> dict:
    heldout = {"fingerprint": "h1", "examples": 50, "accuracy": accuracy, "macro_f1": accuracy}
    return {"heldout": heldout, "cv": None}


@pytest.fixture
def url(database_url: str) -> Iterator[str]:
    get_engine.cache_clear()
    yield database_url
    get_engine(REVIEW, database_url).dispose()
    get_engine.cache_clear()


def add(url: str, name: str, accuracy: float | None, by: str = "anna") -> int:
    with session_scope(REVIEW, url) as s:
        return register_candidate(
            s,
            file_name=f"{name}.tar.gz",
            data_fingerprint=f"fp-{name}",
            metrics=metrics(accuracy) if accuracy is not None else None,
            report=None,
            created_by=by,
        ).id


def promote_(url: str, version_id: int, reason: str | None = None, by: str = "anna"):  # type: ignore[no-untyped-def]
    with session_scope(REVIEW, url) as s:
        return promote(s, version_id, by=by, override_reason=reason, tolerance=TOL)


def statuses(url: str) -> dict[int, str]:
    with session_scope(REVIEW, url) as s:
        return {v.id: v.status for v in list_versions(s)}


def test_registering_the_same_file_twice_returns_the_version_with_new_metrics(url: str) -> None:
    first = add(url, "model-a", None)
    with session_scope(REVIEW, url) as s:
        again = register_candidate(
            s,
            file_name="model-a.tar.gz",
            data_fingerprint="fp-model-a",
            metrics=metrics(0.9),
            report={"better": []},
            created_by="bob",
        )
        assert again.id == first
        assert again.metrics["heldout"]["accuracy"] == 0.9
        assert again.report == {"better": []}
        assert again.status == CANDIDATE and again.created_by == "anna"
        set_metrics(s, first, metrics(0.8))
    with session_scope(REVIEW, url) as s:
        assert get_version(s, first).metrics["heldout"]["accuracy"] == 0.8  # type: ignore[union-attr]
        assert len(list_versions(s)) == 1


@pytest.mark.parametrize("name", ["../etc/passwd.tar.gz", "/srv/x.tar.gz", "model.zip", ""])
def test_only_a_plain_model_file_name_is_registered(url: str, name: str) -> None:
    with session_scope(REVIEW, url) as s, pytest.raises(ValueError, match="file_name"):
        register_candidate(
            s, file_name=name, data_fingerprint="x", metrics=None, report=None, created_by="a"
        )


def test_promotion_through_the_gate_retires_the_previous_version(url: str) -> None:
    a, b = add(url, "a", 0.90), add(url, "b", 0.91)
    first = promote_(url, a, by="system")
    assert first.promoted and first.previous_id is None
    second = promote_(url, b)
    assert second.promoted and not second.overridden and second.previous_id == a
    assert statuses(url) == {a: RETIRED, b: IN_SERVICE}
    with session_scope(REVIEW, url) as s:
        current = in_service(s)
        assert current is not None and current.id == b
        assert current.promoted_by == "anna" and current.promoted_at is not None
        assert current.promoted_at.tzinfo is not None
        assert current.override_reason is None
        # The retired version keeps its own record of who promoted it.
        assert get_version(s, a).promoted_by == "system"  # type: ignore[union-attr]


def test_a_worse_version_is_refused_and_the_refusal_recorded(url: str) -> None:
    a, worse = add(url, "a", 0.912), add(url, "worse", 0.80)
    promote_(url, a, by="system")
    result = promote_(url, worse, by="bob")
    assert not result.promoted
    assert result.decision is not None and not result.decision.allowed
    assert result.decision.reasons == [
        "Træfsikkerheden på testsættet falder fra 91,2 % til 80,0 % (grænse: 2,0 procentpoint).",
        "Gennemsnitlig F1 på testsættet falder fra 91,2 % til 80,0 % (grænse: 2,0 procentpoint).",
    ]
    assert statuses(url) == {a: IN_SERVICE, worse: CANDIDATE}
    with session_scope(REVIEW, url) as s:
        event = history(s)[0]
        assert (event.action, event.version_id, event.by) == ("refused", worse, "bob")
        assert event.gate_reasons == result.decision.reasons


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_an_override_needs_a_written_reason(url: str, blank: str) -> None:
    a, worse = add(url, "a", 0.9), add(url, "worse", 0.5)
    promote_(url, a, by="system")
    with pytest.raises(VersionError, match="begrundelse"):
        promote_(url, worse, reason=blank)
    assert statuses(url)[a] == IN_SERVICE


def test_an_override_promotes_and_keeps_the_reason(url: str) -> None:
    a, worse = add(url, "a", 0.9), add(url, "worse", 0.5)
    promote_(url, a, by="system")
    result = promote_(url, worse, reason="  Testsættet er forældet; vi har tjekket i hånden. ")
    assert result.promoted and result.overridden
    with session_scope(REVIEW, url) as s:
        current = in_service(s)
        assert current is not None and current.id == worse
        assert current.override_reason == "Testsættet er forældet; vi har tjekket i hånden."
        event = history(s)[0]
        assert (event.action, event.previous_version_id) == ("promote", a)
        assert event.reason == current.override_reason


def test_unknown_or_already_served_versions_are_clear_errors(url: str) -> None:
    a = add(url, "a", 0.9)
    with pytest.raises(VersionError, match="ingen modelversion med nummer 999"):
        promote_(url, 999)
    promote_(url, a)
    with pytest.raises(VersionError, match="allerede i drift"):
        promote_(url, a)
    with session_scope(REVIEW, url) as s, pytest.raises(VersionError, match="allerede i drift"):
        rollback(s, a, by="anna")
    with session_scope(REVIEW, url) as s, pytest.raises(VersionError, match="ingen model"):
        rollback(s, 999, by="anna")


def test_rollback_goes_back_one_step_per_action_without_the_gate(url: str) -> None:
    a, b, c = add(url, "a", 0.90), add(url, "b", 0.91), add(url, "c", 0.92)
    with session_scope(REVIEW, url) as s, pytest.raises(VersionError, match="ingen tidligere"):
        rollback(s, by="anna")  # nothing in service
    promote_(url, a, by="system")
    promote_(url, b)
    promote_(url, c)
    with session_scope(REVIEW, url) as s:
        assert rollback_target(s).id == b  # type: ignore[union-attr]
        result = rollback(s, by="bob", now=T0)
        assert (result.version_id, result.previous_id) == (b, c)
    assert statuses(url) == {a: RETIRED, b: IN_SERVICE, c: RETIRED}
    with session_scope(REVIEW, url) as s:
        rollback(s, by="bob")
    assert statuses(url)[a] == IN_SERVICE
    with session_scope(REVIEW, url) as s, pytest.raises(VersionError, match="ingen tidligere"):
        rollback(s, by="bob")
    with session_scope(REVIEW, url) as s:
        assert [(e.action, e.version_id) for e in history(s)] == [
            ("rollback", a),
            ("rollback", b),
            ("promote", c),
            ("promote", b),
            ("promote", a),
        ]
        rolled = s.scalars(sa.select(PromotionEvent).where(PromotionEvent.at == T0)).one()
        assert (rolled.by, rolled.previous_version_id) == ("bob", c)


def test_rollback_to_a_given_version_even_a_worse_one(url: str) -> None:
    a, worse, b = add(url, "a", 0.9), add(url, "worse", 0.2), add(url, "b", 0.9)
    promote_(url, a)
    promote_(url, worse, reason="prøve")
    promote_(url, b)
    with session_scope(REVIEW, url) as s:
        rollback(s, worse, by="anna")  # no gate: it was in service before
    assert statuses(url) == {a: RETIRED, worse: IN_SERVICE, b: RETIRED}


def test_the_database_refuses_a_second_version_in_service(url: str) -> None:
    a, b = add(url, "a", 0.9), add(url, "b", 0.9)
    promote_(url, a)
    with pytest.raises(IntegrityError), session_scope(REVIEW, url) as s:
        s.get(ModelVersion, b).status = IN_SERVICE  # type: ignore[union-attr]
        s.flush()
    assert statuses(url) == {a: IN_SERVICE, b: CANDIDATE}


def test_racing_promotions_leave_exactly_one_version_in_service(url: str) -> None:
    base = add(url, "base", 0.9)
    promote_(url, base)
    racers = [add(url, f"r{i}", 0.9) for i in range(4)]
    start = threading.Barrier(len(racers))
    outcomes: list[str] = []

    def run(version_id: int) -> None:
        start.wait()
        try:
            outcomes.append("ok" if promote_(url, version_id).promoted else "refused")
        except VersionError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=run, args=(v,)) for v in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == len(racers) and "ok" in outcomes
    in_service_now = [v for v, status in statuses(url).items() if status == IN_SERVICE]
    assert len(in_service_now) == 1
    with session_scope(REVIEW, url) as s:
        promotions = [e for e in history(s) if e.action == "promote"]
        # Every successful promotion retired exactly the version in service before it.
        assert len(promotions) == outcomes.count("ok") + 1
        assert promotions[0].version_id == in_service_now[0]


def test_versions_are_listed_newest_first_with_timezone_aware_times(url: str) -> None:
    ids = [add(url, f"m{i}", 0.9) for i in range(3)]
    with session_scope(REVIEW, url) as s:
        versions = list_versions(s)
        assert [v.id for v in versions] == sorted(ids, reverse=True)
        assert all(v.created_at.tzinfo is not None for v in versions)
        assert versions[0].created_at > datetime.now(timezone.utc) - timedelta(minutes=5)
