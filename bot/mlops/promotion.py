"""The promotion gate, promotion and rollback of model versions (:mod:`bot.mlops.versions`).

The gate (:func:`gate`) is pure: it compares the metrics of two versions (schema in
docs/model-versions.md) and gives its reasons in Danish, for the web team's page;
:func:`gate_with_shadow` adds the shadow test's part. :func:`promote` puts a version into
service when the gate allows it (or with a written override reason), :func:`rollback` puts an
earlier one back without the gate. Each is recorded as a :class:`PromotionEvent`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot.db.types import utcnow
from bot.mlops.shadow_store import gate_for
from bot.mlops.versions import (
    IN_SERVICE,
    PROMOTE,
    REFUSED,
    RETIRED,
    ROLLBACK,
    ModelVersion,
    PromotionEvent,
    VersionError,
    existing_version,
    in_service,
)

# -- the gate ---------------------------------------------------------------------


@dataclass(frozen=True)
class GateDecision:
    """The gate's verdict: ``allowed`` and the reasons (Danish sentences for the page).

    ``reasons`` lists why it refuses when it does, otherwise what it compared. ``notes`` are
    things worth knowing that do not change the verdict (e.g. no cross-validation).
    """

    allowed: bool
    reasons: list[str]
    notes: list[str] = field(default_factory=list)


def _pct(value: float) -> str:
    return f"{value * 100:.1f}".replace(".", ",") + " %"


def _points(value: float) -> str:
    return f"{value * 100:.1f}".replace(".", ",") + " procentpoint"


def _number(metrics: dict | None, part: str, name: str) -> float | None:
    value = ((metrics or {}).get(part) or {}).get(name)
    return float(value) if isinstance(value, (int, float)) else None


def gate(candidate: dict | None, in_service: dict | None, tolerance: float) -> GateDecision:
    """May a model with metrics ``candidate`` replace one with metrics ``in_service``?

    Refuses when the candidate's held-out accuracy or macro F1 (or cross-validated macro F1,
    when both have one) is lower than the model in service's by more than ``tolerance``
    (a fraction, 0.02 = 2 percentage points), and when the two cannot be compared (missing
    metrics, or held-out metrics measured on different held-out sets).
    """
    limit = f"(grænse: {_points(tolerance)})"
    if in_service is None:
        return GateDecision(True, ["Der er ingen model i drift at sammenligne med."])
    refused: list[str] = []
    compared: list[str] = []
    notes: list[str] = []
    cand_h, serv_h = (candidate or {}).get("heldout"), (in_service or {}).get("heldout")
    if not cand_h:
        refused.append("Den nye model er ikke målt på testsættet, så den kan ikke sammenlignes.")
    if not serv_h:
        refused.append(
            "Modellen i drift er ikke målt på testsættet, så de to kan ikke sammenlignes."
        )
    if cand_h and serv_h and cand_h.get("fingerprint") != serv_h.get("fingerprint"):
        refused.append(
            "De to modeller er målt på forskellige testsæt, så tallene kan ikke sammenlignes. "
            "Mål begge på det samme testsæt."
        )
    if refused:
        return GateDecision(False, refused)

    checks = [
        ("heldout", "accuracy", "Træfsikkerheden på testsættet"),
        ("heldout", "macro_f1", "Gennemsnitlig F1 på testsættet"),
    ]
    cand_cv, serv_cv = candidate.get("cv"), in_service.get("cv")  # type: ignore[union-attr]
    if cand_cv and serv_cv:
        checks.append(("cv", "macro_f1", "Gennemsnitlig F1 ved krydsvalidering"))
    else:
        missing = "den nye model" if not cand_cv else "modellen i drift"
        if not cand_cv and not serv_cv:
            missing = "nogen af modellerne"
        notes.append(f"Der er ingen krydsvalidering for {missing}; kun testsættet er sammenlignet.")
    for part, name, label in checks:
        new, old = _number(candidate, part, name), _number(in_service, part, name)
        if new is None or old is None:
            refused.append(f"{label} mangler, så modellerne kan ikke sammenlignes.")
            continue
        # A tiny epsilon: a drop of exactly the tolerance is allowed despite float rounding.
        if new < old - tolerance - 1e-9:
            refused.append(f"{label} falder fra {_pct(old)} til {_pct(new)} {limit}.")
        elif new < old:
            compared.append(
                f"{label} falder fra {_pct(old)} til {_pct(new)}, "
                f"inden for grænsen på {_points(tolerance)}."
            )
        elif new > old:
            compared.append(f"{label} stiger fra {_pct(old)} til {_pct(new)}.")
        else:
            compared.append(f"{label} er uændret: {_pct(new)}.")
    if refused:
        return GateDecision(False, refused, notes)
    return GateDecision(True, compared, notes)


def gate_with_shadow(
    session: Session, version: ModelVersion, current: ModelVersion | None, tolerance: float
) -> GateDecision:
    """:func:`gate` of the metrics, joined with the shadow test's part
    (:func:`bot.mlops.shadow_store.gate_for`): refused while the candidate answers a message worse
    than the model in service by a web team's verdict; the note counts the disagreements not
    yet looked at."""
    decision = gate(version.metrics, current.metrics if current else None, tolerance)
    if current is None:
        return decision
    shadow = gate_for(session, version.id)
    if shadow.refusals:
        reasons = shadow.refusals + ([] if decision.allowed else decision.reasons)
        return GateDecision(False, reasons, decision.notes + shadow.notes)
    return GateDecision(decision.allowed, decision.reasons, decision.notes + shadow.notes)


# -- promote and roll back --------------------------------------------------------


@dataclass(frozen=True)
class Promotion:
    """What :func:`promote` or :func:`rollback` did."""

    promoted: bool
    version_id: int
    previous_id: int | None
    decision: GateDecision | None
    overridden: bool = False


def _lock(session: Session) -> None:
    """Take the write lock first (SQLite: the database; PostgreSQL: the row in service), so two
    promotions run one after the other instead of both reading the same model in service."""
    session.execute(
        sa.update(ModelVersion)
        .where(ModelVersion.status == IN_SERVICE)
        .values(status=ModelVersion.status)
    )


def _switch(
    session: Session,
    version: ModelVersion,
    current: ModelVersion | None,
    *,
    action: str,
    by: str,
    reason: str | None,
    decision: GateDecision | None,
    now: datetime,
) -> None:
    if current is not None:
        current.status = RETIRED
        session.flush()
    version.status = IN_SERVICE
    version.promoted_by = by
    version.promoted_at = now
    version.override_reason = reason if action == PROMOTE else version.override_reason
    session.add(
        PromotionEvent(
            version_id=version.id,
            previous_version_id=current.id if current is not None else None,
            action=action,
            by=by,
            at=now,
            reason=reason,
            gate_reasons=decision.reasons if decision else None,
        )
    )
    try:
        session.flush()
    except IntegrityError as exc:
        raise VersionError(
            "En anden skiftede model samtidig. Genindlæs siden og prøv igen."
        ) from exc


def _checked_by(by: str) -> str:
    by = (by or "").strip()
    if not by:
        raise VersionError("Der mangler et navn på den, der skifter model.")
    return by[:64]


def promote(
    session: Session,
    version_id: int,
    *,
    by: str,
    override_reason: str | None,
    tolerance: float,
    now: datetime | None = None,
) -> Promotion:
    """Put ``version_id`` into service if the gate allows it, or if ``override_reason`` (a
    written reason) is given; the version in service becomes retired.

    A refusal is recorded too and returned with ``promoted=False``. Raises
    :class:`VersionError` for an unknown version, the version already in service, a blank
    override reason, or a promotion that raced with another.
    """
    by = _checked_by(by)
    if override_reason is not None:
        override_reason = override_reason.strip()
        if not override_reason:
            raise VersionError("Skriv en begrundelse for at sætte modellen i drift alligevel.")
    now = now or utcnow()
    try:
        _lock(session)
    except OperationalError as exc:
        raise VersionError("Databasen er optaget. Prøv igen om lidt.") from exc
    version = existing_version(session, version_id)
    current = in_service(session)
    if current is not None and current.id == version.id:
        raise VersionError(f"Version {version.id} er allerede i drift.")
    decision = gate_with_shadow(session, version, current, tolerance)
    if not decision.allowed and override_reason is None:
        session.add(
            PromotionEvent(
                version_id=version.id,
                previous_version_id=current.id if current else None,
                action=REFUSED,
                by=by,
                at=now,
                reason=None,
                gate_reasons=decision.reasons,
            )
        )
        session.flush()
        return Promotion(False, version.id, current.id if current else None, decision)
    _switch(
        session,
        version,
        current,
        action=PROMOTE,
        by=by,
        reason=override_reason,
        decision=decision,
        now=now,
    )
    return Promotion(
        True,
        version.id,
        current.id if current else None,
        decision,
        overridden=not decision.allowed,
    )


def rollback_target(session: Session) -> ModelVersion | None:
    """The version a rollback without a number goes back to: the one that was in service
    before the current one was promoted (following promotions, not earlier rollbacks, so
    repeated rollbacks step further back)."""
    current = in_service(session)
    if current is None:
        return None
    query = (
        sa.select(PromotionEvent)
        .where(PromotionEvent.version_id == current.id, PromotionEvent.action == PROMOTE)
        .order_by(PromotionEvent.id.desc())
    )
    event = session.scalars(query).first()
    if event is None or event.previous_version_id is None:
        return None
    return session.get(ModelVersion, event.previous_version_id)


def rollback(
    session: Session,
    to: int | None = None,
    *,
    by: str,
    now: datetime | None = None,
) -> Promotion:
    """Put an earlier version back into service in one action, without the gate.

    ``to=None``: the version in service before the current one (:func:`rollback_target`).
    Raises :class:`VersionError` when there is nothing to go back to.
    """
    by = _checked_by(by)
    now = now or utcnow()
    try:
        _lock(session)
    except OperationalError as exc:
        raise VersionError("Databasen er optaget. Prøv igen om lidt.") from exc
    current = in_service(session)
    if to is None:
        target = rollback_target(session)
        if target is None:
            raise VersionError("Der er ingen tidligere version at gå tilbage til.")
    else:
        target = existing_version(session, to)
        if current is not None and target.id == current.id:
            raise VersionError(f"Version {target.id} er allerede i drift.")
    _switch(session, target, current, action=ROLLBACK, by=by, reason=None, decision=None, now=now)
    return Promotion(True, target.id, current.id if current else None, None)
