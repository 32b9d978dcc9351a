"""The production nginx limits staff login posts per client address (security review, issue
21): the real nginx with the configuration ``python -m bot run-production`` writes, in front
of a stand-in web app that counts what reaches it."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import requests

from bot.stack.nginx import LOGIN_BURST, nginx_executable, write_files
from bot.stack.ports import free_port
from bot.stack.topology import Topology

pytestmark = pytest.mark.skipif(
    not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()), reason="nginx not installed"
)


class StandIn(BaseHTTPRequestHandler):
    """The web app's place: answers 200 and counts each request by method and path."""

    seen: ClassVar[list[tuple[str, str]]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        StandIn.seen.append((self.command, self.path))
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[str]:
    web_port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", web_port), StandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    top = Topology(
        replicas=1,
        state_dir=tmp_path,
        tracker_db_url="postgresql://rasa@127.0.0.1:5432/rasa",
        redis_url="redis://127.0.0.1:6379/1",
        rabbitmq_url="amqp://guest:guest@127.0.0.1:5672/%2F",
        event_queue="rasa_events",
        port=free_port(),
        rasa_ports=(free_port(),),
        web_port=web_port,
    )
    write_files(top, poll_seconds=10)
    command = [nginx_executable(), "-e", "stderr", "-p", str(top.nginx_prefix)]
    process = subprocess.Popen(
        [*command, "-c", str(top.nginx_conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{top.port}"
    try:
        for _ in range(100):
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.ConnectionError:
                threading.Event().wait(0.1)
        StandIn.seen = []
        yield base
    finally:
        process.terminate()
        process.wait(10)
        server.shutdown()


def test_login_posts_beyond_the_burst_get_429_from_nginx(nginx: str) -> None:
    posts = [
        requests.post(nginx + "/staff/login", data={"username": f"u{i}"}, timeout=10).status_code
        for i in range(20)
    ]
    # The first post and the burst pass at once; the rest, within the same second, are refused
    # by nginx without reaching the web app.
    assert posts[: 1 + LOGIN_BURST] == [200] * (1 + LOGIN_BURST), posts
    assert posts[1 + LOGIN_BURST :] == [429] * (19 - LOGIN_BURST), posts
    assert StandIn.seen.count(("POST", "/staff/login")) == 1 + LOGIN_BURST
    # The form itself (GET) and the other pages are not limited.
    gets = [requests.get(nginx + "/staff/login", timeout=10).status_code for _ in range(20)]
    assert gets == [200] * 20
    assert requests.post(nginx + "/staff/logout", timeout=10).status_code == 200
