"""Faults under load in the production topology (python -m bot run-production, 2 replicas).

A few client threads send messages back to back through nginx, each from its own loopback
address (nginx keeps a client address on one replica), while

* a Rasa replica is killed (SIGKILL): every message gets a real answer (one client retry
  allowed), nginx sends the dead replica's clients to the other one, and the supervisor
  restarts it;
* PostgreSQL is restarted: replies resume, every turn that got a 200 is in the tracker store
  (Rasa's events table), and nothing fell back to Rasa's in-memory tracker store;
* Redis is stopped, or hangs: every message gets a reply within 15 s, the Danish "try again"
  reply while the lock store is away, and normal replies once it is back.

RabbitMQ stopped is tests/integration/test_event_queue.py's. Each run has its own tracker
database and event queue (dropped afterwards). PostgreSQL, Redis and RabbitMQ run on the
machine at their standard ports (make services); without one, the tests are skipped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter

from bot.stack.paths import base_env
from testkit import ROOT
from testkit.databases import PG_ADMIN_URL, postgres_available
from testkit.ports import ports_in_a_row
from testkit.production_stack import (
    PRODUCTION_TEST_ENV,
    RABBITMQ_URL,
    drop_database_and_queue,
)
from testkit.senders import new_sender, stored_sender
from tests.integration.supervised import alive, wait_until

pytestmark = pytest.mark.integration

STARTUP_S = 300
TECHNICAL = "Prøv igen om lidt"
REDIS = ("redis-cli", "-h", "127.0.0.1", "-p", "6379")
CLIENTS = 4


def _redis_up() -> bool:
    """Redis answers and accepts writes (one whose snapshots fail refuses them: MISCONF)."""
    probe = [*REDIS, "set", "topology:probe", "1", "ex", "5"]
    result = subprocess.run(probe, capture_output=True, text=True, check=False)
    return result.stdout.strip() == "OK"


def _missing_service() -> str | None:
    from bot.stack.nginx import nginx_executable
    from bot.stack.preflight import check_rabbitmq
    from bot.stack.topology import TopologyError

    if not postgres_available():
        return f"PostgreSQL at {PG_ADMIN_URL} is not reachable"
    try:
        nginx_executable()
        check_rabbitmq(RABBITMQ_URL)
    except TopologyError as exc:
        return str(exc)
    if not _redis_up():
        return "Redis on 127.0.0.1:6379 is not running or refuses writes (make services)"
    return None


@dataclass
class Production:
    """``python -m bot run-production --replicas 2`` in a subprocess, its output in a file."""

    state: Path
    database: str
    queue: str
    # nginx, action server, web app, consumer, Rasa servers 1 and 2: below the ephemeral range,
    # so no other test's free_port() takes one before the Rasa servers bind (testkit.ports).
    ports: list[int] = field(default_factory=lambda: ports_in_a_row(6))
    process: subprocess.Popen | None = None

    @property
    def port(self) -> int:
        return self.ports[0]

    @property
    def first_rasa_port(self) -> int:
        return self.ports[4]

    @property
    def output(self) -> Path:
        return self.state / "supervisor.out"

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/rest/webhook"

    @property
    def tracker_url(self) -> str:
        return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.database}"

    def start(self) -> Production:
        self.state.mkdir(parents=True, exist_ok=True)
        env = base_env(
            {
                # Production settings (run-production refuses others); no BOT_NOW: nothing here
                # depends on the time of day.
                **PRODUCTION_TEST_ENV,
                "BOT_PROFILE": "taarnby",
                "BOT_TRACKER_DB_URL": self.tracker_url,
                "BOT_REDIS_URL": "redis://127.0.0.1:6379/1",
                "BOT_RABBITMQ_URL": RABBITMQ_URL,
                "BOT_EVENT_QUEUE": self.queue,
                "BOT_ANALYTICS_DB_URL": f"sqlite:///{self.state / 'analytics.db'}",
                "BOT_REVIEW_DB_URL": f"sqlite:///{self.state / 'review.db'}",
                "BOT_RATE_PER_ADDRESS": "100000",
                "BOT_RATE_PER_CONVERSATION": "1000",
            }
        )
        env.pop("BOT_NOW", None)  # refused in production
        command = [
            sys.executable,
            "-m",
            "bot",
            "run-production",
            "--replicas",
            "2",
            "--port",
            str(self.port),
            "--first-rasa-port",
            str(self.first_rasa_port),
            "--action-port",
            str(self.ports[1]),
            "--web-port",
            str(self.ports[2]),
            "--events-port",
            str(self.ports[3]),
            "--state-dir",
            str(self.state),
        ]
        with open(self.output, "ab") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            text = self.output.read_text(errors="replace")
            assert self.process.poll() is None, text
            if "The assistant is running" in text:
                return self
            time.sleep(1)
        raise TimeoutError(self.output.read_text(errors="replace"))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def replica_pid(self, number: int) -> int | None:
        """The pid of Rasa server ``number`` (a child of the supervisor)."""
        assert self.process is not None
        wanted = f"--port {self.first_rasa_port + number - 1} "
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, ValueError, IndexError):
                continue
            if ppid == self.process.pid and " run " in cmdline and wanted in cmdline:
                return int(proc.name)
        return None

    def replica_answers(self, number: int) -> bool:
        url = f"http://127.0.0.1:{self.first_rasa_port + number - 1}/webhooks/rest/"
        try:
            return requests.get(url, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def busiest_replica(self) -> int:
        """The replica that answered most of the messages so far (nginx's access log)."""
        log = (self.state / "logs" / "nginx.log").read_text(errors="replace")
        counts = {
            n: log.count(f"upstream=127.0.0.1:{self.first_rasa_port + n - 1} status=200")
            for n in (1, 2)
        }
        return max(counts, key=lambda n: counts[n])

    def rasa_logs(self) -> str:
        return "".join(
            p.read_text(errors="replace") for p in sorted((self.state / "logs").glob("rasa-*"))
        )


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[Production]:
    missing = _missing_service()
    if missing:
        pytest.skip(missing)
    run = uuid.uuid4().hex[:8]
    stack = Production(
        tmp_path_factory.mktemp("production"), f"topology_test_{run}", f"topology_test_{run}"
    )
    try:
        yield stack.start()
    finally:
        stack.stop()
        drop_database_and_queue(stack.database, stack.queue)
        assert _stale_locks() == [], "lock keys outlived their tickets"


def _stale_locks() -> list[str]:
    """This run's lock keys left in Redis after their tickets expired (they must not be)."""
    time.sleep(7)  # the lock lifetime (5 s) and a second
    keys = subprocess.run(
        [*REDIS, "-n", "1", "--scan", "--pattern", "lock:topo[a-h]-*"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    return keys


# -- load ----------------------------------------------------------------------------------


class FromAddress(HTTPAdapter):
    """Connections from one loopback address (nginx balances by client address)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]


@dataclass
class Turn:
    sender: str
    text: str
    status: int  # 0: no HTTP answer
    seconds: float
    reply: str
    retried: bool
    at: float


class Load:
    """Client threads sending messages back to back (3 turns per conversation) until stopped."""

    MESSAGES = ("hvornår har borgerservice åbent?", "hvad med rådhuset?", "tak for hjælpen")

    def __init__(self, url: str, clients: int = CLIENTS, retry: bool = False) -> None:
        self.url = url
        self.retry = retry
        self.turns: list[Turn] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(clients)
        ]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _post(self, session: requests.Session, sender: str, text: str) -> tuple[int, str]:
        try:
            response = session.post(self.url, json={"sender": sender, "message": text}, timeout=30)
        except requests.RequestException as exc:
            return 0, type(exc).__name__
        try:
            body = response.json()
        except ValueError:
            return response.status_code, response.text
        if isinstance(body, list):  # the bot's messages: their text
            return response.status_code, "\n".join(str(m.get("text", "")) for m in body)
        return response.status_code, str(body)

    def _client(self, number: int) -> None:
        session = requests.Session()
        session.mount("http://", FromAddress(f"127.0.0.{10 + number}"))
        turn = 0
        sender = ""
        while not self._stop.is_set():
            if turn % 3 == 0:
                sender = new_sender(f"topo{'abcdefgh'[number]}")
            # Unique text, so the tracker store can be searched for every acknowledged turn.
            text = f"{self.MESSAGES[turn % 3]} ({new_sender('nr', 6)})"
            started = time.monotonic()
            status, reply = self._post(session, sender, text)
            retried = False
            if status != 200 and self.retry:
                retried = True
                status, reply = self._post(session, sender, text)
            with self._lock:
                self.turns.append(
                    Turn(sender, text, status, time.monotonic() - started, reply, retried, started)
                )
            turn += 1

    def after(self, moment: float) -> list[Turn]:
        with self._lock:
            return [t for t in self.turns if t.at >= moment]


def _pg_cluster() -> tuple[str, str]:
    versions = sorted(os.listdir("/etc/postgresql"), key=lambda v: float(v))
    return versions[-1], "main"


def _run(*command: str) -> None:
    subprocess.run(list(command), capture_output=True, text=True, check=False, timeout=120)


def _ensure_redis() -> None:
    if _redis_up():
        return
    _run("service", "redis-server", "start")
    if not wait_until(_redis_up, 15):
        _run("redis-server", "/etc/redis/redis.conf")
        wait_until(_redis_up, 15)


def _summary(name: str, turns: list[Turn]) -> None:
    """One line for the docs (pytest -rA shows it): statuses, retries, slowest reply."""
    statuses: dict[int, int] = {}
    for turn in turns:
        statuses[turn.status] = statuses.get(turn.status, 0) + 1
    print(
        f"{name}: {len(turns)} turns, statuses {statuses}, "
        f"{sum(t.retried for t in turns)} retried, "
        f"slowest {max((t.seconds for t in turns), default=0):.2f} s"
    )


def _settle(load: Load, seconds: float, condition: Callable[[], bool] | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (condition and condition()):
        time.sleep(0.25)


# -- the faults ----------------------------------------------------------------------------


def test_a_killed_replica_is_routed_around_and_restarted(production: Production) -> None:
    with Load(production.rest_url, retry=True) as load:
        _settle(load, 4)
        victim = production.busiest_replica()
        pid = production.replica_pid(victim)
        assert pid is not None, production.output.read_text(errors="replace")
        killed_at = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        _settle(load, 10)
    turns = load.turns
    _summary("replica killed", turns)
    after = [t for t in turns if t.at >= killed_at]
    assert len(after) >= 10, len(after)
    failed = [(t.status, t.reply[:120]) for t in turns if t.status != 200]
    assert failed == [], failed
    # Real answers, not the "try again" reply: the retry of a message that was in flight on
    # the killed replica waits at most the lock's short lifetime for its abandoned ticket.
    degraded = [(t.sender, t.seconds) for t in turns if TECHNICAL in t.reply or not t.reply]
    assert degraded == [], degraded
    log = (production.state / "logs" / "nginx.log").read_text(errors="replace")
    other = production.first_rasa_port + (2 if victim == 1 else 1) - 1
    assert f"upstream=127.0.0.1:{other} status=200" in log
    assert "Connection refused" in log or "prematurely closed" in log
    # The supervisor restarts it, and it serves again.
    assert wait_until(lambda: (production.replica_pid(victim) or pid) != pid, 30)
    assert f"The Rasa server {victim} exited with code -9" in production.output.read_text()
    assert wait_until(lambda: production.replica_answers(victim), 180)
    assert alive(production.replica_pid(victim) or 0)


def test_postgresql_restarted_replies_resume_and_no_acknowledged_turn_is_lost(
    production: Production,
) -> None:
    import sqlalchemy as sa

    version, cluster = _pg_cluster()
    try:
        with Load(production.rest_url) as load:
            _settle(load, 3)
            restarted_at = time.monotonic()
            _run("pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart")
            back_at = time.monotonic()
            # Replies resume: some 200s after the restart.
            _settle(load, 20, lambda: sum(t.status == 200 for t in load.after(back_at)) >= 8)
    finally:
        if not postgres_available():
            _run("pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "start")
            wait_until(postgres_available, 30)
    _summary("PostgreSQL restarted", load.turns)
    resumed = [t for t in load.after(back_at) if t.status == 200]
    assert len(resumed) >= 8, [(t.status, t.reply[:80]) for t in load.after(restarted_at)]
    # Whatever did not get a 200 got a clear error, fast: never a hang.
    for turn in load.turns:
        assert turn.status in (200, 503), (turn.status, turn.reply[:200])
        assert turn.seconds < 15, turn.seconds
    acknowledged = [t for t in load.turns if t.status == 200]
    engine = sa.create_engine(production.tracker_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        stored = {
            (sender, text)
            for sender, text in conn.execute(
                sa.text(
                    "SELECT sender_id, CAST(data AS json)->>'text' FROM events "
                    "WHERE type_name = 'user'"
                )
            )
        }
    engine.dispose()
    secret = PRODUCTION_TEST_ENV["BOT_SECRET_KEY"]  # the stack's pseudonyms
    lost = [
        (t.sender, t.text)
        for t in acknowledged
        if (stored_sender(t.sender, secret), t.text) not in stored
    ]
    assert lost == [], f"{len(lost)} of {len(acknowledged)} acknowledged turns lost: {lost[:5]}"
    logs = production.rasa_logs()
    assert "InMemoryTrackerStore" not in logs


@pytest.mark.parametrize("fault", ["stopped", "hanging"])
def test_redis_away_gets_a_danish_reply_within_15_s_never_a_hang(
    production: Production, fault: str
) -> None:
    pid = None
    try:
        with Load(production.rest_url) as load:
            _settle(load, 2)
            away_at = time.monotonic()
            if fault == "stopped":
                _run(*REDIS, "shutdown", "nosave")
            else:
                info = subprocess.run(
                    [*REDIS, "info", "server"], capture_output=True, text=True, check=True
                ).stdout
                pid = int(info.split("process_id:", 1)[1].split()[0])
                os.kill(pid, signal.SIGSTOP)
            _settle(load, 8)
            if pid is not None:
                os.kill(pid, signal.SIGCONT)
                pid = None
            else:
                _ensure_redis()
            back_at = time.monotonic()

            def normal_again() -> bool:
                return any(
                    t.status == 200 and TECHNICAL not in t.reply for t in load.after(back_at + 6)
                )

            _settle(load, 25, normal_again)
    finally:
        if pid is not None:
            os.kill(pid, signal.SIGCONT)
        _ensure_redis()
    during = [t for t in load.turns if away_at <= t.at < back_at]
    _summary(f"Redis {fault}", load.turns)
    _summary(f"Redis {fault}, while away", during)
    assert len(during) >= 4, len(during)
    for turn in load.turns:
        assert turn.status == 200, (turn.status, turn.reply[:200])
        assert turn.seconds < 15, turn.seconds
    assert any(TECHNICAL in t.reply for t in during), [t.reply[:100] for t in during]
    assert normal_again(), [t.reply[:100] for t in load.after(back_at)]
    assert "endpoints.yml: lock_store) failed" in production.rasa_logs()


def test_nginx_keeps_no_message_text_and_no_cpr_number(production: Production) -> None:
    cpr = "010190-1234"
    response = requests.post(
        production.rest_url,
        json={"sender": new_sender("topocpr"), "message": f"mit cpr er {cpr} hjælp"},
        timeout=30,
    )
    assert response.status_code == 200
    nginx_files = [p for p in (production.state / "nginx").rglob("*") if p.is_file()]
    nginx_files.append(production.state / "logs" / "nginx.log")
    for path in nginx_files:
        text = path.read_text(errors="replace")
        assert "0101901234" not in text.replace("-", "") and "hjælp" not in text, path
        assert "borgerservice" not in text, path
    bodies = [p for p in (production.state / "nginx" / "tmp").rglob("*") if p.is_file()]
    assert bodies == [], "a request body on disk"
