"""The web team's training pages (role ``webteam``).

- ``GET /webteam/retrain``: what a retrain will include (accepted review items), the button
  that starts one, the running job's progress and the past jobs;
- ``POST /webteam/retrain``: creates a job (:mod:`bot.mlops.jobs`; refused while one runs) and
  starts ``python -m bot.mlops.retrain --job ID`` as a detached, low-priority process in the
  project root (:func:`bot.mlops.retrain.start_detached`);
- ``GET /webteam/retrain/jobs/<id>.json``: a job's progress, polled by
  ``static/webteam/retrain.js`` (without JavaScript the page refreshes itself while a job runs);
- ``GET /webteam/reports/<version_id>``: the comparison report of a candidate version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json, redirect
from sqlalchemy.exc import SQLAlchemyError

from bot.analytics.formats import clock, moment, percent
from bot.db.engine import session_scope
from bot.db.stores import REVIEW
from bot.mlops import jobs
from bot.stack.paths import Project
from bot.web.auth import StaffSession
from bot.web.security import StaffIdentity, in_thread, message_page, render, staff_only

training = Blueprint("training")

# The pages with a script allow the app's own scripts (and nothing inline).
SCRIPT_CSP = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CATEGORY_LABELS = {
    "wrong_high": "Forkert, men sikker",
    "wrong_low": "Forkert og usikker",
    "right_low": "Rigtig, men usikker",
}
CATEGORY_HELP = {
    "wrong_high": "Assistenten svarer med et andet emne. Det er den fejl, der vildleder borgeren.",
    "wrong_low": "Assistenten gætter forkert, men er usikker og beder borgeren omformulere.",
    "right_low": "Assistenten gætter rigtigt, men er for usikker til at svare. Flere eksempler "
    "hjælper.",
}


def review_url(request: Request) -> str:
    """The review store's URL; a relative SQLite path is made absolute (the retrain process
    runs in the project root)."""
    url = request.app.ctx.review_db_url
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        url = prefix + str(Path(url.removeprefix(prefix)).resolve())
    return url


def _local(value: Any) -> str:
    """A stored time in the staff's one date format (bot.analytics.formats.moment)."""
    return moment(value)


def _waiting(url: str) -> dict[str, Any] | None:
    """Accepted review items a retrain will include, per intent (distinct messages; the
    export writes every accepted one). None when the review store has no items table."""
    import sqlalchemy as sa

    try:
        from bot.review.records import ReviewItem
    except ImportError:
        return None
    intent = sa.case(
        (ReviewItem.status == "out_of_scope", "out_of_scope"), else_=ReviewItem.decided_intent
    )
    query = (
        sa.select(intent, sa.func.count(sa.distinct(ReviewItem.normalized)))
        .where(ReviewItem.status.in_(("accepted", "out_of_scope")))
        .group_by(intent)
        .order_by(intent)
    )
    with session_scope(REVIEW, url) as session:
        counts = {str(name): int(n) for name, n in session.execute(query)}
    return {"total": sum(counts.values()), "by_intent": counts}


def _page_data(url: str) -> dict[str, Any]:
    with session_scope(REVIEW, url) as session:
        running = jobs.running_job(session)
        recent = jobs.recent_jobs(session, limit=15)
    return {"running": running, "recent": recent, "waiting": _waiting(url)}


def _job_dict(job: jobs.JobView) -> dict[str, Any]:
    data = job.to_dict()
    data["started_local"] = _local(job.started_at)
    data["finished_local"] = _local(job.finished_at)
    data["lines"] = [{"at": _clock(line["at"]), "text": line["text"]} for line in job.lines[-40:]]
    data["report_url"] = (
        f"/webteam/reports/{job.candidate_version_id}" if job.candidate_version_id else None
    )
    return data


def _clock(iso: str) -> str:
    from datetime import datetime

    try:
        return clock(datetime.fromisoformat(iso))
    except ValueError:
        return ""


async def retrain_page(
    request: Request,
    session: StaffSession,
    user: StaffIdentity,
    notice: str | None = None,
    status: int = 200,
) -> HTTPResponse:
    url = review_url(request)
    try:
        data = await in_thread(_page_data, url)
    except SQLAlchemyError:
        return message_page(request, "db_down", 503, session=session, user=user)
    running = _job_dict(data["running"]) if data["running"] else None
    response = render(
        request,
        "webteam/retrain.html",
        status=status,
        session=session,
        user=user,
        running=running,
        recent=[_job_dict(j) for j in data["recent"]],
        waiting=data["waiting"],
        notice=notice,
        intent=intent_label,
    )
    response.headers["Content-Security-Policy"] = SCRIPT_CSP
    return response


@training.get("/webteam/retrain")
@staff_only(role="webteam")
async def retrain_get(request: Request, session: StaffSession, user: StaffIdentity) -> HTTPResponse:
    return await retrain_page(request, session, user)


def _create_and_start(url: str, username: str) -> tuple[int | None, jobs.JobView | None]:
    from bot.mlops.retrain import start_detached
    from bot.settings import get_settings

    now = get_settings().now()
    with session_scope(REVIEW, url) as session:
        try:
            job = jobs.create_job(session, started_by=username, now=now)
        except jobs.JobAlreadyRunning as exc:
            return None, exc.job
    try:
        start_detached(job.id, url, Project.current())
    except OSError as exc:
        with session_scope(REVIEW, url) as session:
            jobs.finish(
                session,
                job.id,
                now=get_settings().now(),
                error=f"Gentræningen kunne ikke startes ({type(exc).__name__}).",
            )
    return job.id, None


@training.post("/webteam/retrain")
@staff_only(role="webteam")
async def retrain_post(
    request: Request, session: StaffSession, user: StaffIdentity
) -> HTTPResponse:
    url = review_url(request)
    try:
        job_id, busy = await in_thread(_create_and_start, url, user.username)
    except SQLAlchemyError:
        return message_page(request, "db_down", 503, session=session, user=user)
    if busy is not None:
        notice = (
            f"Der kører allerede en gentræning (startet {_local(busy.started_at)} af "
            f"{busy.started_by}). Vent, til den er færdig."
        )
        return await retrain_page(request, session, user, notice=notice, status=409)
    return redirect(f"/webteam/retrain?job={job_id}", status=303)


def _get_job(url: str, job_id: int) -> jobs.JobView | None:
    with session_scope(REVIEW, url) as session:
        return jobs.get_job(session, job_id)


# Sanic 21.12 has no "<id:int>.json" parameter; a pattern parameter holds "<digits>.json".
@training.get(r"/webteam/retrain/jobs/<name:\d{1,9}\.json>")
@staff_only(role="webteam")
async def job_json(
    request: Request, session: StaffSession, user: StaffIdentity, name: str
) -> HTTPResponse:
    job_id = int(name.removesuffix(".json"))
    try:
        job = await in_thread(_get_job, review_url(request), job_id)
    except SQLAlchemyError:
        return json({"error": "db_down"}, status=503)
    if job is None:
        return json({"error": "not_found"}, status=404)
    return json(_job_dict(job), headers={"Cache-Control": "no-store"})


# -- the comparison report ---------------------------------------------------------


def _version(url: str, version_id: int) -> dict[str, Any] | None:
    from bot.mlops.shadow_verdicts import report as shadow_report
    from bot.mlops.versions import get_version, in_service

    with session_scope(REVIEW, url) as session:
        version = get_version(session, version_id)
        if version is None:
            return None
        current = in_service(session)
        return {
            "id": version.id,
            "file_name": version.file_name,
            "status": version.status,
            "created_at": _local(version.created_at),
            "created_by": version.created_by,
            "report": version.report,
            "in_service_id": current.id if current else None,
            "shadow": shadow_report(session, version.id),
        }


def intent_label(name: str | None) -> str:
    """An intent as the web team knows it: its Danish label from the topic registry."""
    from bot.dialogue.topics import get_registry

    return get_registry().intent_label(name) if name else "–"


def _pct(value: float | None) -> str:
    return "–" if value is None else percent(value, 1)


def _points(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{100 * value:+.1f}".replace(".", ",").replace("-", "−") + " point"


def _trend(delta: float | None) -> str:
    if delta is None or abs(delta) < 0.005:
        return "same"
    return "better" if delta > 0 else "worse"


@training.get("/webteam/reports/<version_id:int>")
@staff_only(role="webteam")
async def report_page(
    request: Request, session: StaffSession, user: StaffIdentity, version_id: int
) -> HTTPResponse:
    try:
        version = await in_thread(_version, review_url(request), version_id)
    except SQLAlchemyError:
        return message_page(request, "db_down", 503, session=session, user=user)
    if version is None:
        return message_page(request, "page_not_found", 404, session=session, user=user)
    report = version["report"]
    rows = []
    if report:
        for row in report.get("per_intent", []):
            old = row.get("in_service")
            delta = row["candidate"]["f1"] - old["f1"] if old else None
            rows.append({**row, "delta": delta, "trend": _trend(delta)})
    return render(
        request,
        "webteam/report.html",
        session=session,
        user=user,
        version=version,
        report=report,
        rows=rows,
        labels=CATEGORY_LABELS,
        help=CATEGORY_HELP,
        pct=_pct,
        points=_points,
        trend=_trend,
        intent=intent_label,
    )
