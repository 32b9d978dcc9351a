"""Model versions: every trained model with its metrics, data fingerprint and promotion
history; the promotion gate; rollback.

A version is one ``.tar.gz`` in the models directory (``BOT_MODELS_DIR``). Its status is
``candidate`` (registered, never served or not yet), ``in_service`` (the one the Rasa server
pulls from the web app's model server) or ``retired`` (served before). Exactly one version is
in service once one has been promoted: the code retires the previous one in the same
transaction, and a partial unique index refuses a second ``in_service`` row even when two
promotions race.

Every promotion, refused promotion and rollback is a :class:`PromotionEvent` (who, when, why).

The gate (:func:`gate`) is pure: it compares the metrics of two versions (schema in
docs/model-versions.md) and gives its reasons in Danish, for the web team's page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot.analytics.models import UTCDateTime, utcnow
from bot.review.db import Base

CANDIDATE = "candidate"
IN_SERVICE = "in_service"
RETIRED = "retired"
STATUSES = (CANDIDATE, IN_SERVICE, RETIRED)

PROMOTE = "promote"
REFUSED = "refused"
ROLLBACK = "rollback"
ACTIONS = (PROMOTE, REFUSED, ROLLBACK)

# Who registers and promotes the baseline model when nothing is in service.
SYSTEM = "system"


class VersionError(Exception):
    """A promotion or rollback that cannot be done; the message is Danish, for the page/CLI."""


class ModelVersion(Base):
    """One trained model (a file in the models directory) with its metrics and status."""

    __tablename__ = "model_versions"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="ck_model_versions_status"),
        # At most one row in service, whatever the code does (races included).
        sa.Index(
            "ux_model_versions_one_in_service",
            "status",
            unique=True,
            sqlite_where=sa.text(f"status = '{IN_SERVICE}'"),
            postgresql_where=sa.text(f"status = '{IN_SERVICE}'"),
        ),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    file_name = sa.Column(sa.String(255), nullable=False, unique=True)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    created_by = sa.Column(sa.String(64), nullable=False)
    data_fingerprint = sa.Column(sa.String(64), nullable=False)
    status = sa.Column(sa.String(16), nullable=False, default=CANDIDATE)
    metrics = sa.Column(sa.JSON, nullable=True)
    report = sa.Column(sa.JSON, nullable=True)
    promoted_by = sa.Column(sa.String(64), nullable=True)
    promoted_at = sa.Column(UTCDateTime, nullable=True)
    override_reason = sa.Column(sa.Text, nullable=True)

    @property
    def etag(self) -> str:
        """The identity the model server sends as ETag: version id and file name."""
        return f"v{self.id}-{self.file_name.removesuffix('.tar.gz')}"


class PromotionEvent(Base):
    """One promotion, refused promotion or rollback: which version, from which, who, when, why."""

    __tablename__ = "model_promotions"

    id = sa.Column(sa.Integer, primary_key=True)
    version_id = sa.Column(sa.Integer, sa.ForeignKey("model_versions.id"), nullable=False)
    previous_version_id = sa.Column(sa.Integer, sa.ForeignKey("model_versions.id"), nullable=True)
    action = sa.Column(sa.String(16), nullable=False)
    by = sa.Column(sa.String(64), nullable=False)
    at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    reason = sa.Column(sa.Text, nullable=True)
    gate_reasons = sa.Column(sa.JSON, nullable=True)


# -- files ------------------------------------------------------------------------


def models_dir() -> Path:
    """The models directory (``BOT_MODELS_DIR``; relative paths are under the project root)."""
    from bot.settings import get_settings

    path = Path(get_settings().models_dir)
    return path if path.is_absolute() else Path(__file__).resolve().parents[2] / path


def model_file(version: ModelVersion) -> Path:
    """The model file of ``version`` (only its name is stored, never a path)."""
    return models_dir() / Path(version.file_name).name


# -- queries ----------------------------------------------------------------------


def in_service(session: Session) -> ModelVersion | None:
    """The version in service, if any."""
    return session.scalars(sa.select(ModelVersion).where(ModelVersion.status == IN_SERVICE)).first()


def get_version(session: Session, version_id: int) -> ModelVersion | None:
    """The version with ``version_id``, if it exists."""
    return session.get(ModelVersion, version_id)


def list_versions(session: Session) -> list[ModelVersion]:
    """All versions, newest first."""
    return list(session.scalars(sa.select(ModelVersion).order_by(ModelVersion.id.desc())))


def history(session: Session, limit: int = 50) -> list[PromotionEvent]:
    """The latest promotions, refusals and rollbacks, newest first."""
    query = sa.select(PromotionEvent).order_by(PromotionEvent.id.desc()).limit(limit)
    return list(session.scalars(query))


def register_candidate(
    session: Session,
    *,
    file_name: str,
    data_fingerprint: str,
    metrics: dict | None,
    report: dict | None,
    created_by: str,
    now: datetime | None = None,
) -> ModelVersion:
    """Register the model file ``file_name`` as a candidate; the same file twice returns the
    existing version, with ``metrics`` and ``report`` updated when given."""
    name = Path(file_name).name
    if name != file_name or not name.endswith(".tar.gz"):
        raise ValueError(f"file_name: {file_name!r} is not the name of a .tar.gz model file")
    version = session.scalars(sa.select(ModelVersion).where(ModelVersion.file_name == name)).first()
    if version is None:
        version = ModelVersion(
            file_name=name,
            created_at=now or utcnow(),
            created_by=created_by,
            data_fingerprint=data_fingerprint,
            status=CANDIDATE,
            metrics=metrics,
            report=report,
        )
        session.add(version)
    else:
        if metrics is not None:
            version.metrics = metrics
        if report is not None:
            version.report = report
    session.flush()
    return version


def set_metrics(session: Session, version_id: int, metrics: dict) -> None:
    """Store the metrics of a version (schema: docs/model-versions.md)."""
    version = _existing(session, version_id)
    version.metrics = metrics
    session.flush()


def last_activation(session: Session, version_id: int) -> PromotionEvent | None:
    """The promotion or rollback that last put ``version_id`` into service."""
    query = (
        sa.select(PromotionEvent)
        .where(PromotionEvent.version_id == version_id)
        .where(PromotionEvent.action.in_((PROMOTE, ROLLBACK)))
        .order_by(PromotionEvent.id.desc())
    )
    return session.scalars(query).first()


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
    (:func:`bot.review.shadow.gate_for`): refused while the candidate answers a message worse
    than the model in service by a web team's verdict; the note counts the disagreements not
    yet looked at."""
    from bot.review.shadow import gate_for

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


def _existing(session: Session, version_id: int) -> ModelVersion:
    version = session.get(ModelVersion, version_id)
    if version is None:
        raise VersionError(f"Der er ingen modelversion med nummer {version_id}.")
    return version


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
    version = _existing(session, version_id)
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


def archives_to_keep(session: Session, rollback_steps: int) -> set[str]:
    """File names of the model archives retention must keep: the version in service and the
    ``rollback_steps`` versions a rollback without a number would go back to, one after the
    other (following promotions, as :func:`rollback_target` does)."""
    current = in_service(session)
    if current is None:
        return set()
    keep = {current.file_name}
    seen = {current.id}
    version: ModelVersion | None = current
    for _ in range(rollback_steps):
        event = session.scalars(
            sa.select(PromotionEvent)
            .where(PromotionEvent.version_id == version.id, PromotionEvent.action == PROMOTE)
            .order_by(PromotionEvent.id.desc())
        ).first()
        if event is None or event.previous_version_id in (None, *seen):
            break
        version = session.get(ModelVersion, event.previous_version_id)
        if version is None:
            break
        seen.add(version.id)
        keep.add(version.file_name)
    return keep


def registered_archives(session: Session) -> dict[str, int]:
    """The model file name of every registered version, with its id."""
    return {v.file_name: v.id for v in session.scalars(sa.select(ModelVersion))}


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
        target = _existing(session, to)
        if current is not None and target.id == current.id:
            raise VersionError(f"Version {target.id} er allerede i drift.")
    _switch(session, target, current, action=ROLLBACK, by=by, reason=None, decision=None, now=now)
    return Promotion(True, target.id, current.id if current else None, None)


def as_row(version: ModelVersion) -> dict[str, Any]:
    """A version as plain data (CLI ``--json`` and the page)."""
    heldout = (version.metrics or {}).get("heldout") or {}
    cv = (version.metrics or {}).get("cv") or {}
    return {
        "id": version.id,
        "file_name": version.file_name,
        "created_at": version.created_at.isoformat() if version.created_at else None,
        "created_by": version.created_by,
        "data_fingerprint": version.data_fingerprint,
        "status": version.status,
        "heldout_accuracy": heldout.get("accuracy"),
        "heldout_macro_f1": heldout.get("macro_f1"),
        "cv_macro_f1": cv.get("macro_f1"),
        "promoted_by": version.promoted_by,
        "promoted_at": version.promoted_at.isoformat() if version.promoted_at else None,
        "override_reason": version.override_reason,
        "has_report": version.report is not None,
    }
