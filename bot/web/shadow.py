"""The shadow test's report page and the web team's verdicts (role ``webteam``).

- ``GET /webteam/shadow/<version id>``: what changes for citizens if the candidate goes into
  service (disagreements with the model in service, grouped by the change, intents by their
  Danish label), then the figures and the gate's part;
- ``POST /webteam/shadow/<version id>/verdict/<disagreement id>`` with ``side`` =
  ``service`` or ``candidate``: which side answers right, in one click (CSRF-protected). The
  verdict becomes a reviewed example (:func:`bot.mlops.shadow_verdicts.record_verdict`).

Every showing of the page logs the texts shown (kind ``shadow``, :mod:`bot.web.audit`). The
test itself runs with ``python -m bot shadow`` (docs/retraining.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.analytics.formats import percent
from bot.db.engine import session_scope
from bot.db.stores import REVIEW
from bot.knowledge.profile import get_profile
from bot.mlops.shadow_gate import VERDICTS, messages_word
from bot.mlops.shadow_verdicts import VerdictError, record_verdict, report
from bot.mlops.versions import get_version
from bot.review.domain import domain_intents
from bot.review.inbox import public_phone_numbers
from bot.web.audit import record_reads
from bot.web.auth import StaffSession
from bot.web.security import StaffIdentity, in_thread, message_page, render, staff_only

shadow = Blueprint("shadow")


def _data(url: str, version_id: int) -> dict[str, Any] | None:
    with session_scope(REVIEW, url) as session:
        version = get_version(session, version_id)
        if version is None:
            return None
        return {
            "version": {"id": version.id, "status": version.status},
            "report": report(session, version_id),
        }


def _pct(value: float | None) -> str:
    return "–" if value is None else percent(value, 0)


def _since(report_data: dict[str, Any] | None) -> datetime | None:
    """The start of the run's window as a datetime, for the staff date format."""
    raw = (report_data or {}).get("since")
    return datetime.fromisoformat(raw) if isinstance(raw, str) else None


async def _page(
    request: Request,
    session: StaffSession,
    user: StaffIdentity,
    version_id: int,
    status: int = 200,
    error: str | None = None,
    done: str | None = None,
) -> HTTPResponse:
    url = request.app.ctx.review_db_url
    data = await in_thread(_data, url, version_id)
    if data is None:
        return message_page(request, "page_not_found", 404, session=session)
    shown = [
        row["id"] for change in (data["report"] or {}).get("changes", []) for row in change["rows"]
    ]
    await in_thread(record_reads, request.app.ctx.db_url, user.username, "shadow", shown)
    return render(
        request,
        "webteam/shadow.html",
        status=status,
        session=session,
        user=user,
        pct=_pct,
        since=_since(data["report"]),
        messages_word=messages_word,
        error=error,
        done=done,
        **data,
    )


@shadow.get("/webteam/shadow/<version_id:int>")
@staff_only(role="webteam")
async def shadow_page(
    request: Request, session: StaffSession, user: StaffIdentity, version_id: int
) -> HTTPResponse:
    done = "Vurderingen er gemt som et gennemgået eksempel." if request.args.get("ok") else None
    return await _page(request, session, user, version_id, done=done)


def _verdict(url: str, disagreement_id: int, side: str, by: str, now: Any) -> None:
    with session_scope(REVIEW, url) as session:
        record_verdict(
            session,
            disagreement_id,
            side,
            by=by,
            now=now,
            intents=domain_intents(),
            tasks=[t.id for t in get_profile().self_service],
            allow=public_phone_numbers(),
        )


@shadow.post("/webteam/shadow/<version_id:int>/verdict/<disagreement_id:int>")
@staff_only(role="webteam")
async def shadow_verdict(
    request: Request,
    session: StaffSession,
    user: StaffIdentity,
    version_id: int,
    disagreement_id: int,
) -> HTTPResponse:
    side = request.form.get("side") or ""
    if side not in VERDICTS:
        return await _page(
            request, session, user, version_id, 400, "Vælg hvilken model der svarer rigtigt."
        )
    try:
        await in_thread(
            _verdict,
            request.app.ctx.review_db_url,
            disagreement_id,
            side,
            user.username,
            request.app.ctx.settings.now(),
        )
    except VerdictError as exc:
        return await _page(request, session, user, version_id, 409, exc.danish)
    return redirect(f"/webteam/shadow/{version_id}?ok=1#d{disagreement_id}", status=303)
