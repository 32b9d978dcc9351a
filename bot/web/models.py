"""Model versions for the web team (role ``webteam``) and the model server the Rasa server
pulls the version in service from.

- ``GET /model-server/model.tar.gz``: the file of the version in service, with the version's
  identity as ``ETag``; ``304`` when ``If-None-Match`` names it (Rasa sends the ETag it got last
  time), ``404`` when no version is in service. A request must carry ``BOT_MODEL_SERVER_TOKEN``
  (``?token=``, as Rasa's ``models: token:`` sends it, or ``Authorization: Bearer``): none
  gives 401, a wrong one 403, in every environment; without a configured token nothing is
  served (``python -m bot run`` makes one for the run). Loading a crafted model runs code, so
  nobody else may choose or fetch models; the path never comes from the request.
- ``GET /webteam/models``: the versions with their metrics, data fingerprint, status, who
  promoted them and when; the gate's verdict for each version not in service, with a promote
  form (a written reason is required to override a refusal); rollback.
- ``POST /webteam/models/<id>/promote``, ``GET/POST /webteam/models/rollback`` (confirm page).
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, file_stream, redirect, text

from bot.analytics.formats import moment, number, percent
from bot.db.engine import session_scope
from bot.db.stores import REVIEW
from bot.mlops.promotion import GateDecision, gate_with_shadow, promote, rollback, rollback_target
from bot.mlops.versions import (
    IN_SERVICE,
    VersionError,
    as_row,
    get_version,
    history,
    in_service,
    list_versions,
    model_file,
)
from bot.web.auth import StaffSession
from bot.web.security import StaffIdentity, in_thread, render, staff_only

MODEL_SERVER_PATH = "/model-server/model.tar.gz"
MAX_REASON_CHARS = 2000
log = logging.getLogger(__name__)

models = Blueprint("models")

# Messages after a redirect (?ok=...): fixed texts, never text from the address.
DONE = {
    "promoted": "Versionen er sat i drift. Assistenten skifter til den inden for et minut.",
    "rolled_back": "Den tidligere version er sat i drift igen. Assistenten skifter inden for et "
    "minut.",
}


# -- the model server ----------------------------------------------------------------


def _etag_matches(header: str | None, etag: str) -> bool:
    """True when an If-None-Match header names ``etag`` (quoted or not, weak or not) or is *."""
    if not header:
        return False
    for part in header.split(","):
        tag = part.strip().removeprefix("W/").strip('"')
        if tag == "*" or hmac.compare_digest(tag.encode(), etag.encode()):
            return True
    return False


def _token_problem(request: Request, expected: str) -> HTTPResponse | None:
    """401 without a token, 403 with a wrong one, None when it is right.

    With no token configured (``BOT_MODEL_SERVER_TOKEN`` empty) no token is right: the model
    server is closed rather than open to anyone who can reach the web app.
    """
    given = request.args.get("token") or ""
    auth = request.headers.get("authorization", "")
    if not given and auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    if not given:
        return text("A token is required.", status=401, headers={"WWW-Authenticate": "Bearer"})
    if not expected:
        log.warning("A model download was refused: BOT_MODEL_SERVER_TOKEN is not set")
        return text("The model server is closed: no token is configured.", status=403)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return text("Wrong token.", status=403)
    return None


def _served(url: str) -> tuple[str, Path] | None:
    """Blocking: the ETag and file of the version in service."""
    with session_scope(REVIEW, url) as session:
        version = in_service(session)
        return (version.etag, model_file(version)) if version is not None else None


@models.get(MODEL_SERVER_PATH)
async def model_server(request: Request) -> HTTPResponse:
    """The model in service for the Rasa server's ``models:`` endpoint (Rasa's protocol)."""
    problem = _token_problem(request, request.app.ctx.settings.model_server_token)
    if problem is not None:
        return problem
    served = await in_thread(_served, request.app.ctx.review_db_url)
    if served is None:
        return text("No model version is in service.", status=404)
    etag, path = served
    headers = {"ETag": f'"{etag}"', "Cache-Control": "no-cache"}
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return HTTPResponse(status=304, headers=headers)
    if not path.is_file():
        log.error("The model file of the version in service is missing: %s", path.name)
        return text("The model file of the version in service is missing.", status=404)
    # Rasa saves the download under the "filename" header's name.
    headers["filename"] = path.name
    return await file_stream(
        path, headers=headers, mime_type="application/gzip", chunk_size=1 << 20
    )


# -- the web team's page ---------------------------------------------------------------


@dataclass(frozen=True)
class VersionView:
    """One row of the versions table."""

    row: dict[str, Any]
    decision: GateDecision | None  # None for the version in service
    report_url: str | None


def _local(value: datetime | None) -> str:
    """A stored time in the staff's one date format (bot.analytics.formats.moment)."""
    return moment(value)


def _pct(value: float | None) -> str:
    return "–" if value is None else percent(value, 1)


def _page_data(url: str, tolerance: float) -> dict[str, Any]:
    """Blocking: everything the models page shows."""
    with session_scope(REVIEW, url) as session:
        current = in_service(session)
        target = rollback_target(session)
        views = []
        for version in list_versions(session):
            row = as_row(version)
            row["created_local"] = _local(version.created_at)
            row["promoted_local"] = _local(version.promoted_at)
            decision = None
            if version.status != IN_SERVICE:
                decision = gate_with_shadow(session, version, current, tolerance)
            report = f"/webteam/reports/{version.id}" if version.report is not None else None
            views.append(VersionView(row, decision, report))
        events = [
            {
                "version_id": e.version_id,
                "previous_version_id": e.previous_version_id,
                "action": e.action,
                "by": e.by,
                "at": _local(e.at),
                "reason": e.reason,
            }
            for e in history(session, limit=30)
        ]
        return {
            "versions": views,
            "current": as_row(current) if current else None,
            "rollback_to": target.id if target else None,
            "events": events,
        }


async def _page(
    request: Request,
    session: StaffSession,
    user: StaffIdentity,
    status: int = 200,
    error: str | None = None,
    error_version: int | None = None,
    reason: str = "",
) -> HTTPResponse:
    settings = request.app.ctx.settings
    data = await in_thread(_page_data, request.app.ctx.review_db_url, settings.promotion_tolerance)
    done = DONE.get(request.args.get("ok", "")) if status == 200 else None
    return render(
        request,
        "webteam/models.html",
        status=status,
        session=session,
        user=user,
        pct=_pct,
        tolerance=number(settings.promotion_tolerance * 100, 1) + " procentpoint",
        poll_seconds=settings.model_poll_seconds,
        done=done,
        error=error,
        error_version=error_version,
        reason=reason,
        max_reason=MAX_REASON_CHARS,
        **data,
    )


@models.get("/webteam/models")
@staff_only(role="webteam")
async def versions_page(
    request: Request, session: StaffSession, user: StaffIdentity
) -> HTTPResponse:
    return await _page(request, session, user)


def _promote(url: str, version_id: int, by: str, reason: str | None, tolerance: float) -> Any:
    with session_scope(REVIEW, url) as session:
        return promote(session, version_id, by=by, override_reason=reason, tolerance=tolerance)


@models.post("/webteam/models/<version_id:int>/promote")
@staff_only(role="webteam")
async def promote_version(
    request: Request, session: StaffSession, user: StaffIdentity, version_id: int
) -> HTTPResponse:
    reason = (request.form.get("override_reason") or "").strip()
    if len(reason) > MAX_REASON_CHARS:
        return await _page(
            request,
            session,
            user,
            400,
            f"Begrundelsen er for lang. Skriv højst {MAX_REASON_CHARS} tegn.",
            version_id,
            reason[:MAX_REASON_CHARS],
        )
    try:
        result = await in_thread(
            _promote,
            request.app.ctx.review_db_url,
            version_id,
            user.username,
            reason or None,
            request.app.ctx.settings.promotion_tolerance,
        )
    except VersionError as exc:
        return await _page(request, session, user, 409, str(exc), version_id, reason)
    if not result.promoted:
        return await _page(
            request,
            session,
            user,
            409,
            "Versionen er ikke sat i drift: den er dårligere end modellen i drift. Skriv en "
            "begrundelse, hvis den alligevel skal i drift.",
            version_id,
        )
    return redirect("/webteam/models?ok=promoted", status=303)


def _rollback_choice(url: str, to: int | None) -> dict[str, Any] | None:
    with session_scope(REVIEW, url) as session:
        current = in_service(session)
        target = get_version(session, to) if to is not None else rollback_target(session)
        if target is None or current is None or target.id == current.id:
            return None
        return {"target": as_row(target), "current": as_row(current)}


def _version_arg(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else None


@models.get("/webteam/models/rollback")
@staff_only(role="webteam")
async def rollback_confirm(
    request: Request, session: StaffSession, user: StaffIdentity
) -> HTTPResponse:
    to = _version_arg(request.args.get("to"))
    choice = await in_thread(_rollback_choice, request.app.ctx.review_db_url, to)
    if choice is None:
        return await _page(
            request, session, user, 409, "Der er ingen tidligere version at gå tilbage til."
        )
    return render(
        request, "webteam/models_rollback.html", session=session, user=user, pct=_pct, **choice
    )


def _rollback(url: str, to: int | None, by: str) -> Any:
    with session_scope(REVIEW, url) as session:
        return rollback(session, to, by=by)


@models.post("/webteam/models/rollback")
@staff_only(role="webteam")
async def rollback_now(
    request: Request, session: StaffSession, user: StaffIdentity
) -> HTTPResponse:
    to = _version_arg(request.form.get("to"))
    try:
        await in_thread(_rollback, request.app.ctx.review_db_url, to, user.username)
    except VersionError as exc:
        return await _page(request, session, user, 409, str(exc))
    return redirect("/webteam/models?ok=rolled_back", status=303)
