"""Model versions: every trained model with its metrics, data fingerprint and promotion
history, and the model archives in the models directory. The gate, promotion and rollback are
:mod:`bot.mlops.promotion`'s; this module is what they, the model server and retention share.

A version is one ``.tar.gz`` in the models directory (``Project.models``, ``BOT_MODELS_DIR``).
Its status is ``candidate`` (registered, never served or not yet), ``in_service`` (the one the
Rasa server pulls from the web app's model server) or ``retired`` (served before). Exactly one
version is in service once one has been promoted: promotion retires the previous one in the
same transaction, and a partial unique index refuses a second ``in_service`` row even when two
promotions race.

Every promotion, refused promotion and rollback is a :class:`PromotionEvent` (who, when, why).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.db.stores import ReviewBase
from bot.db.types import UTCDateTime, utcnow
from bot.stack.paths import Project

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


class ModelVersion(ReviewBase):
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


class PromotionEvent(ReviewBase):
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


def model_file(version: ModelVersion) -> Path:
    """The model file of ``version`` in the project's models directory (``Project.models``,
    ``BOT_MODELS_DIR``; only its name is stored, never a path)."""
    return Project.current().models / Path(version.file_name).name


# -- queries ----------------------------------------------------------------------


def in_service(session: Session) -> ModelVersion | None:
    """The version in service, if any."""
    return session.scalars(sa.select(ModelVersion).where(ModelVersion.status == IN_SERVICE)).first()


def get_version(session: Session, version_id: int) -> ModelVersion | None:
    """The version with ``version_id``, if it exists."""
    return session.get(ModelVersion, version_id)


def version_of_file(session: Session, file_name: str) -> ModelVersion | None:
    """The version of the model file ``file_name``, if it is registered."""
    query = sa.select(ModelVersion).where(ModelVersion.file_name == file_name)
    return session.scalars(query).first()


def existing_version(session: Session, version_id: int) -> ModelVersion:
    """The version with ``version_id``; :class:`VersionError` when there is none."""
    version = session.get(ModelVersion, version_id)
    if version is None:
        raise VersionError(f"Der er ingen modelversion med nummer {version_id}.")
    return version


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
    version = version_of_file(session, name)
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
    version = existing_version(session, version_id)
    version.metrics = metrics
    session.flush()


def archives_to_keep(session: Session, rollback_steps: int) -> set[str]:
    """File names of the model archives retention must keep: the version in service and the
    ``rollback_steps`` versions a rollback without a number would go back to, one after the
    other (following promotions, as :func:`bot.mlops.promotion.rollback_target` does)."""
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


@dataclass
class ArchivePurge:
    """What the retention purge deleted (or would delete) in the models directory."""

    files: int = 0  # model archives
    bytes: int = 0
    versions: int = 0  # of them, registered versions (their rows stay)
    kept: int = 0  # old archives kept: in service, for rollback, current inputs


def _current_model_name() -> str | None:
    """The file name of the model of the current training inputs (``make run`` serves it)."""
    try:
        from bot.mlops.training import model_path

        return model_path().name
    except Exception:
        return None


def purge_archives(
    folder: Path, cutoff: datetime, *, keep: set[str], registered: Collection[str], dry_run: bool
) -> ArchivePurge:
    """Delete (or with ``dry_run`` count) the ``.tar.gz`` archives in ``folder`` last modified
    before ``cutoff``, with the other files of the same name (``.heldout.json``), except those
    in ``keep`` (:func:`archives_to_keep`) and the model of the current training inputs. A
    deleted version keeps its row; it cannot be served again. OSError when one cannot go."""
    done = ArchivePurge()
    current = _current_model_name()
    keep = keep | ({current} if current else set())
    for archive in sorted(folder.glob("*.tar.gz")):
        if archive.is_symlink() or not archive.is_file():
            continue
        if archive.stat().st_mtime >= cutoff.timestamp():
            continue
        if archive.name in keep:
            done.kept += 1
            continue
        stem = archive.name.removesuffix(".tar.gz")
        for path in [archive, *(f for f in folder.glob(stem + ".*") if f != archive)]:
            if path.is_file() and not path.is_symlink():
                done.bytes += path.stat().st_size
                if not dry_run:
                    path.unlink(missing_ok=True)
        done.files += 1
        done.versions += archive.name in registered
    return done
