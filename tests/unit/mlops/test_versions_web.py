"""The model server and the web team's models page, through the real web app
(``python -m bot web`` in a child process) on a SQLite review store and a models directory of
small stand-in model files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.db.engine import get_engine, session_scope
from bot.db.stores import REVIEW
from bot.mlops.promotion import promote
from bot.mlops.versions import in_service, list_versions, register_candidate
from bot.stack.paths import base_env
from bot.stack.ports import free_port
from bot.stack.supervisor import Service
from testkit.staff import create_staff_user, form_token, login

TOKEN = "t" * 40
PASSWORD = "en lang nok adgangskode"
MODEL_PATH = "/model-server/model.tar.gz"


@dataclass
class WebApp:
    url: str
    review_url: str
    env: dict[str, str]
    models: Path

    def add(self, name: str, accuracy: float, promoted_by: str | None = None) -> int:
        """A stand-in model file and its version; promoted when ``promoted_by`` is given."""
        (self.models / f"{name}.tar.gz").write_bytes(f"model {name}".encode() * 100)
        heldout = {"fingerprint": "h", "examples": 10, "accuracy": accuracy, "macro_f1": accuracy}
        with session_scope(REVIEW, self.review_url) as s:
            version = register_candidate(
                s,
                file_name=f"{name}.tar.gz",
                data_fingerprint=f"fp{name}",
                metrics={"heldout": heldout, "cv": None},
                report=None,
                created_by="test",
            )
            if promoted_by:
                promote(s, version.id, by=promoted_by, override_reason=None, tolerance=0.02)
            return version.id

    def served(self) -> int | None:
        with session_scope(REVIEW, self.review_url) as s:
            current = in_service(s)
            return current.id if current else None

    def pull(self, etag: str | None = None, **params: str) -> requests.Response:
        headers = {"If-None-Match": etag} if etag else {}
        return requests.get(self.url + MODEL_PATH, params=params, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    work = tmp_path_factory.mktemp("models-web")
    models = work / "models"
    models.mkdir()
    review_url = f"sqlite:///{work / 'review.db'}"
    port = free_port()
    env = base_env(
        {
            "BOT_ENV": "test",
            "BOT_ANALYTICS_DB_URL": f"sqlite:///{work / 'analytics.db'}",
            "BOT_REVIEW_DB_URL": review_url,
            "BOT_MODELS_DIR": str(models),
            "BOT_MODEL_SERVER_TOKEN": TOKEN,
            "BOT_PUBLIC_URL": f"http://localhost:{port}",
        }
    )
    service = Service(
        "web app",
        ["python", "-m", "bot", "web", "--port", str(port)],
        f"http://localhost:{port}/healthz",
        work / "web.log",
    )
    service.command[0] = __import__("sys").executable
    service.start(env)
    try:
        service.wait_ready(60)
        for name, role in (("webber", "webteam"), ("stella", "staff")):
            create_staff_user(env, name, PASSWORD, role)
        yield WebApp(f"http://localhost:{port}", review_url, env, models)
    finally:
        service.stop()
        service.close_log()
        get_engine.cache_clear()


def test_model_server_protocol_etag_304_and_token(web: WebApp) -> None:
    assert web.pull().status_code == 401  # no token
    assert web.pull(token="x" * 40).status_code == 403
    bearer = requests.get(
        web.url + MODEL_PATH, headers={"Authorization": "Bearer wrong"}, timeout=30
    )
    assert bearer.status_code == 403
    if web.served() is None:
        assert web.pull(token=TOKEN).status_code == 404  # nothing in service yet
        first = web.add("model-first", 0.9, promoted_by="system")
    else:
        first = web.served()
    got = web.pull(token=TOKEN)
    assert got.status_code == 200
    etag = got.headers["ETag"]
    with session_scope(REVIEW, web.review_url) as s:
        version = next(v for v in list_versions(s) if v.id == first)
        assert etag == f'"{version.etag}"'
        assert got.content == (web.models / version.file_name).read_bytes()
        assert got.headers["filename"] == version.file_name
    # Rasa sends back the ETag it got: nothing to download.
    unchanged = web.pull(etag, token=TOKEN)
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert web.pull(etag.strip('"'), token=TOKEN).status_code == 304
    assert web.pull('"v0-something-else"', token=TOKEN).status_code == 200
    header_token = requests.get(
        web.url + MODEL_PATH,
        headers={"Authorization": f"Bearer {TOKEN}", "If-None-Match": etag},
        timeout=30,
    )
    assert header_token.status_code == 304
    # A promotion changes the ETag: the next pull downloads the new model.
    newer = web.add("model-newer", 0.95)
    with session_scope(REVIEW, web.review_url) as s:
        promote(s, newer, by="anna", override_reason=None, tolerance=0.02)
    switched = web.pull(etag, token=TOKEN)
    assert switched.status_code == 200
    assert switched.headers["ETag"] != etag
    assert switched.content == (web.models / "model-newer.tar.gz").read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/model-server/model.tar.gz/../../review.db",
        "/model-server/model-newer.tar.gz",
        "/model-server/",
        "/models/model-newer.tar.gz",
    ],
)
def test_no_other_file_is_served(web: WebApp, path: str) -> None:
    got = requests.get(web.url + path, params={"token": TOKEN}, timeout=30)
    assert got.status_code == 404
    assert b"model " not in got.content


def test_anonymous_and_staff_get_nothing(web: WebApp) -> None:
    candidate = web.add("model-anon", 0.99)
    before = web.served()
    anonymous = requests.get(web.url + "/webteam/models", allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/staff/login")
    posted = requests.post(
        f"{web.url}/webteam/models/{candidate}/promote", allow_redirects=False, timeout=30
    )
    assert posted.status_code == 302
    staff = login(web.url, "stella", PASSWORD)
    page = staff.get(web.url + "/webteam/models", timeout=30)
    assert page.status_code == 403 and "model-anon" not in page.text
    token = form_token(staff.get(web.url + "/staff/", timeout=30).text)
    for path in (f"/webteam/models/{candidate}/promote", "/webteam/models/rollback"):
        refused = staff.post(web.url + path, data={"csrf_token": token}, allow_redirects=False)
        assert refused.status_code == 403
    assert web.served() == before


def test_webteam_promotes_is_stopped_by_the_gate_overrides_and_rolls_back(web: WebApp) -> None:
    if web.served() is None:
        web.add("model-base", 0.9, promoted_by="system")
    base = web.served()
    worse = web.add("model-worse", 0.10)
    browser = login(web.url, "webber", PASSWORD)
    page = browser.get(web.url + "/webteam/models", timeout=30)
    assert page.status_code == 200
    assert "Kontrollen afviser version" in page.text
    assert "falder fra" in page.text and "til 10,0 %" in page.text
    token = form_token(page.text)

    no_csrf = browser.post(f"{web.url}/webteam/models/{worse}/promote", allow_redirects=False)
    assert no_csrf.status_code == 403
    refused = browser.post(
        f"{web.url}/webteam/models/{worse}/promote",
        data={"csrf_token": token, "override_reason": "   "},
        allow_redirects=False,
    )
    assert refused.status_code == 409
    assert "Skriv en begrundelse" in refused.text
    assert web.served() == base

    reason = "Vi tester tilbagerulning <script>alert(1)</script>"
    done = browser.post(
        f"{web.url}/webteam/models/{worse}/promote",
        data={"csrf_token": token, "override_reason": reason},
        allow_redirects=False,
    )
    assert done.status_code == 303
    assert web.served() == worse
    page = browser.get(web.url + done.headers["Location"], timeout=30)
    assert "Versionen er sat i drift" in page.text
    assert "Vi tester tilbagerulning &lt;script&gt;" in page.text  # escaped, shown
    assert "<script>alert(1)" not in page.text
    assert "webber" in page.text

    confirm = browser.get(web.url + "/webteam/models/rollback", params={"to": base}, timeout=30)
    assert confirm.status_code == 200 and f"Gå tilbage til version {base}?" in confirm.text
    assert web.served() == worse  # asking is not doing
    back = browser.post(
        web.url + "/webteam/models/rollback",
        data={"csrf_token": form_token(confirm.text), "to": str(base)},
        allow_redirects=False,
    )
    assert back.status_code == 303
    assert web.served() == base
    unknown = browser.post(
        f"{web.url}/webteam/models/99999/promote",
        data={"csrf_token": token},
        allow_redirects=False,
    )
    assert unknown.status_code == 409 and "ingen modelversion med nummer 99999" in unknown.text
