"""The production topology's files and its checks of the services (bot/stack/topology.py,
endpoints.py, nginx.py, preflight.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
from bot.stack.endpoints import LOCK_STORE, TRACKER_STORE, endpoints_text
from bot.stack.nginx import LOGIN_BURST, LOGIN_RATE_PER_MINUTE, nginx_config, write_files
from bot.stack.ports import free_port
from bot.stack.preflight import check_rabbitmq, check_redis, ensure_tracker_database
from bot.stack.topology import Topology, TopologyError, secret_env


def topology(tmp_path: Path, **options: object) -> Topology:
    values: dict[str, object] = {
        "replicas": 3,
        "state_dir": tmp_path,
        "tracker_db_url": "postgresql://rasa:s%40cret@db.example:5433/rasa_prod?sslmode=require",
        "redis_url": "redis://:redispw@redis.example:6380/2",
        "rabbitmq_url": "amqp://bot:mqpw@mq.example:5672/%2F",
        "event_queue": "rasa_events",
        "port": 8080,
    }
    values.update(options)
    return Topology(**values)  # type: ignore[arg-type]


def test_endpoints_hold_every_shared_store_and_no_password(tmp_path: Path) -> None:
    top = topology(tmp_path)
    text = endpoints_text(top, poll_seconds=10)
    for secret in ("s@cret", "s%40cret", "redispw", "mqpw"):
        assert secret not in text
    assert secret_env(top) == {
        "BOT_TRACKER_DB_PASSWORD": "s@cret",
        "BOT_REDIS_PASSWORD": "redispw",
        "BOT_RABBITMQ_PASSWORD": "mqpw",
    }
    assert f"type: {TRACKER_STORE}" in text and f"type: {LOCK_STORE}" in text
    assert "token: ${BOT_MODEL_SERVER_TOKEN}" in text


def test_rasa_reads_the_endpoints_with_the_passwords_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.core.utils import AvailableEndpoints

    top = topology(tmp_path)
    write_files(top, poll_seconds=7)
    for name, value in {**secret_env(top), "BOT_MODEL_SERVER_TOKEN": "t" * 32}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BOT_RABBITMQ_URL", top.rabbitmq_url)
    endpoints = AvailableEndpoints.read_endpoints(str(top.endpoints))
    tracker = endpoints.tracker_store
    assert tracker.type == TRACKER_STORE and tracker.url == "db.example"
    assert tracker.kwargs["port"] == 5433 and tracker.kwargs["db"] == "rasa_prod"
    assert tracker.kwargs["password"] == "s@cret"
    assert tracker.kwargs["query"] == {"sslmode": "require"}
    lock = endpoints.lock_store
    assert lock.type == LOCK_STORE and lock.url == "redis.example"
    assert (lock.kwargs["port"], lock.kwargs["db"], lock.kwargs["password"]) == (6380, 2, "redispw")
    assert endpoints.event_broker is not None
    assert endpoints.event_broker.kwargs["queues"] == ["rasa_events"]
    assert endpoints.model.url == "http://127.0.0.1:8000/model-server/model.tar.gz"
    assert endpoints.action.url == "http://127.0.0.1:5055/webhook"


def test_nginx_upstream_has_every_replica_and_routes_around_a_dead_one(tmp_path: Path) -> None:
    top = topology(tmp_path, rasa_ports=(7001, 7002, 7003))
    conf = nginx_config(top)
    for port in (7001, 7002, 7003):
        assert f"server 127.0.0.1:{port} max_fails=1" in conf
    assert "proxy_next_upstream error timeout http_502 http_503;" in conf
    assert "hash $remote_addr consistent;" in conf
    assert "keepalive 32;" in conf and 'proxy_set_header Connection "";' in conf
    assert f"listen 127.0.0.1:{top.port};" in conf
    assert "hash $remote_addr" not in nginx_config(replace_balance(top))


def replace_balance(top: Topology) -> Topology:
    from dataclasses import replace

    return replace(top, balance="round-robin")


def test_nginx_never_logs_or_stores_a_request_body(tmp_path: Path) -> None:
    conf = nginx_config(topology(tmp_path))
    log_format = conf.split("log_format assistant", 1)[1].split(";", 1)[0]
    for leak in (
        "$request_body",
        "$request ",
        "$request_uri",
        "$args",
        "$query_string",
        "$remote_addr",
        "$http_x_forwarded_for",
    ):
        assert leak not in log_format
    assert "$uri" in log_format
    assert "client_max_body_size 64k;" in conf and "client_body_buffer_size 64k;" in conf
    assert "proxy_max_temp_file_size 0;" in conf
    assert "location /model-server/ {\n            return 404;" in conf


def test_the_staff_login_is_rate_limited_per_address(tmp_path: Path) -> None:
    """Only login POSTs count (GETs have an empty key); the limit is on the login location."""
    conf = nginx_config(topology(tmp_path))
    assert "map $request_method $staff_login_limit {\n        POST $binary_remote_addr;" in conf
    assert 'default "";' in conf.split("map $request_method $staff_login_limit", 1)[1]
    zone = f"zone=staff_login:1m rate={LOGIN_RATE_PER_MINUTE}r/m;"
    assert f"limit_req_zone $staff_login_limit {zone}" in conf
    login = conf.split("location = /staff/login {", 1)[1].split("}", 1)[0]
    assert f"limit_req zone=staff_login burst={LOGIN_BURST} nodelay;" in login
    assert "limit_req_status 429;" in login and "proxy_pass http://web_app;" in login
    # Nowhere else: the citizen endpoint and the other pages keep their own limits.
    assert conf.count("limit_req zone=") == 1


def test_trusted_proxies_set_the_client_address(tmp_path: Path) -> None:
    conf = nginx_config(topology(tmp_path, trusted_proxies=("10.0.0.0/8",)))
    assert "set_real_ip_from 10.0.0.0/8;" in conf and "real_ip_header X-Forwarded-For;" in conf
    assert "set_real_ip_from" not in nginx_config(topology(tmp_path))


@pytest.mark.skipif(
    not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()), reason="nginx not installed"
)
def test_nginx_accepts_the_written_configuration(tmp_path: Path) -> None:
    from bot.stack.nginx import check_nginx_config

    top = topology(tmp_path, port=free_port())
    write_files(top, poll_seconds=10)
    check_nginx_config(top)
    (top.nginx_conf).write_text("http { nonsense; }", encoding="utf-8")
    with pytest.raises(TopologyError, match=r"nginx\.conf: nginx refuses it"):
        check_nginx_config(top)


@pytest.mark.parametrize(
    ("options", "named"),
    [({"replicas": 0}, "--replicas"), ({"balance": "random"}, "--balance")],
)
def test_bad_options_are_named(tmp_path: Path, options: dict, named: str) -> None:
    with pytest.raises(TopologyError, match=named):
        topology(tmp_path, **options)


def test_unreachable_services_are_named_with_their_setting() -> None:
    closed = free_port()
    with pytest.raises(TopologyError) as redis_error:
        check_redis(f"redis://127.0.0.1:{closed}/1", timeout_s=1)
    assert "Redis at 127.0.0.1" in str(redis_error.value)
    assert "BOT_REDIS_URL" in str(redis_error.value)
    assert "more than one replica requires it" in str(redis_error.value)
    with pytest.raises(TopologyError) as mq_error:
        check_rabbitmq(f"amqp://guest:guest@127.0.0.1:{closed}/", timeout_s=2)
    assert "RabbitMQ at 127.0.0.1" in str(mq_error.value)
    assert "BOT_RABBITMQ_URL" in str(mq_error.value)
    with pytest.raises(TopologyError) as pg_error:
        ensure_tracker_database(f"postgresql://rasa:hidden@127.0.0.1:{closed}/rasa", timeout_s=2)
    assert "PostgreSQL at 127.0.0.1" in str(pg_error.value)
    assert "BOT_TRACKER_DB_URL" in str(pg_error.value) and "hidden" not in str(pg_error.value)


def test_a_missing_tracker_database_is_created() -> None:
    import uuid

    import sqlalchemy as sa

    from testkit.databases import PG_ADMIN_URL, postgres_available

    if not postgres_available():
        pytest.skip(f"PostgreSQL at {PG_ADMIN_URL} is not reachable")
    name = f"topology_unit_{uuid.uuid4().hex[:8]}"
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        assert ensure_tracker_database(url).endswith(f"/{name}")
        assert ensure_tracker_database(url).endswith(f"/{name}")  # exists now: no error
    finally:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_TRACKER_DB_URL", "sqlite:///var/tracker.db"),
        ("BOT_TRACKER_DB_URL", "postgresql://127.0.0.1:port/rasa"),
        ("BOT_REDIS_URL", "redis://127.0.0.1:6379/locks"),
        ("BOT_RABBITMQ_URL", "http://127.0.0.1:5672/"),
        ("BOT_EVENT_QUEUE", "two words"),
    ],
)
def test_bad_service_settings_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})


def test_the_cli_refuses_an_impossible_replica_count(tmp_path: Path) -> None:
    import os
    import sys

    from testkit.production_stack import PRODUCTION_TEST_ENV

    env = {k: v for k, v in os.environ.items() if k != "BOT_NOW"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "run-production",
            "--replicas",
            "0",
            "--state-dir",
            str(tmp_path),
        ],
        env={**env, **PRODUCTION_TEST_ENV},  # past the production settings' check
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "--replicas: must be between 1 and 16" in result.stderr
