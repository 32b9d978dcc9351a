"""What the retention purge deletes of the staff login's tables (``python -m bot purge``,
bot.stack.retention, which opens the statistics database they live in; docs/privacy.md):
revoked session ids and failed login attempts whose time has passed (bot.web.auth also removes
them as new ones are written), and the read log's rows older than the review store keeps the
text they point at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.db.purge import run_purge_plan
from bot.web.auth_models import LoginFailure, RevokedSession, StaffRead


@dataclass
class StaffLoginPurge:
    """What a purge deleted (or, dry, would delete) of the staff login's tables."""

    expired_sessions: int = 0  # revoked staff sessions past their expiry
    expired_login_failures: int = 0  # failed login attempts past the limiter's window
    staff_reads: int = 0  # reads of citizen text older than the review store's retention


def purge_staff_logins(
    session: Session, *, now: datetime, review_cutoff: datetime, dry_run: bool
) -> StaffLoginPurge:
    """Delete (or with ``dry_run`` count) in ``session`` the rows expired at ``now`` and the
    reads before ``review_cutoff``."""
    revoked = RevokedSession.__table__
    failures = LoginFailure.__table__
    reads = StaffRead.__table__
    params = {"now": now, "review_cutoff": review_cutoff}
    plan = (
        ("expired_sessions", revoked, revoked.c.expires_at <= sa.bindparam("now")),
        ("expired_login_failures", failures, failures.c.expires_at <= sa.bindparam("now")),
        ("staff_reads", reads, reads.c.at < sa.bindparam("review_cutoff")),
    )
    return StaffLoginPurge(**run_purge_plan(session, plan, params, dry_run=dry_run))
