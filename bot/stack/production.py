"""The production topology's processes (bot.stack.topology) under one supervisor: check the
services, write the files, register the model, start everything in order, stop it all.

``python -m bot run-production`` uses :func:`running_topology`; the processes are the local
stack's (bot.stack.local) with the Rasa server once per replica, and nginx.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from bot.settings import load_settings
from bot.stack.local import StackConfig, model_server_env, register_model, stack_services
from bot.stack.nginx import check_nginx_config, nginx_executable, write_files
from bot.stack.preflight import check_services
from bot.stack.supervisor import Service, Supervisor
from bot.stack.topology import Topology, secret_env


def stack_config(top: Topology, model: Path) -> StackConfig:
    """The local stack's StackConfig of the first replica: the web app, action server and model
    server as ``python -m bot run`` has them, links and the widget pointing at nginx."""
    ours = {
        "BOT_PUBLIC_URL": top.url,
        "BOT_ASSISTANT_URL": top.url,
        # Behind nginx: the client address is the last X-Forwarded-For entry (rate limits).
        "BOT_PROXIES_COUNT": "1",
    }
    env = {k: v for k, v in ours.items() if not os.environ.get(k)}
    env.update(model_server_env(model, top.env))
    env.update(secret_env(top))
    env.update(
        {
            "BOT_RABBITMQ_URL": top.rabbitmq_url,
            "BOT_EVENT_QUEUE": top.event_queue,
            "BOT_TRACKER_DB_URL": top.tracker_db_url,
            "BOT_REDIS_URL": top.redis_url,
        }
    )
    env.update(top.env)
    return StackConfig(
        rasa_port=top.rasa_ports[0],
        action_port=top.action_port,
        web_port=top.web_port,
        model=model,
        endpoints=top.endpoints,
        log_dir=top.log_dir,
        env=env,
        model_server=True,
        # The statistics consumer of the event queue (bot.events.consumer), one of the services.
        events_port=top.events_port,
    )


def topology_services(top: Topology, cfg: StackConfig) -> list[Service]:
    """In start order: the action server, the statistics consumer (bot.events.consumer), the web
    app (it serves the replicas' model), the Rasa replicas and nginx. Stopped in reverse."""
    by_name = {s.name: s for s in stack_services(cfg)}
    services = [by_name.pop("action server")]
    services += [s for name, s in by_name.items() if name not in ("web app", "Rasa server")]
    services.append(by_name["web app"])
    for number, port in enumerate(top.rasa_ports, 1):
        replica = replace(cfg, rasa_port=port)
        (rasa,) = [s for s in stack_services(replica) if s.name == "Rasa server"]
        rasa.name = f"Rasa server {number}"
        rasa.log_path = top.log_dir / f"rasa-{number}.log"
        services.append(rasa)
    nginx = [
        nginx_executable(),
        "-e",  # the error log before the configuration is read (not /var/log/nginx)
        "stderr",
        "-p",
        str(top.nginx_prefix),
        "-c",
        str(top.nginx_conf),
        "-g",
        "daemon off;",
    ]
    services.append(Service("nginx", nginx, top.health_url, top.log_dir / "nginx.log"))
    return services


class TopologySupervisor(Supervisor):
    """The supervisor, knowing which services the topology found."""

    found: dict[str, str]


@contextmanager
def running_topology(
    top: Topology, model: Path, found: dict[str, str] | None = None
) -> Iterator[TopologySupervisor]:
    """Check the services (unless ``found`` says what :func:`check_services` found), write the
    files, register the model, start every process and wait until all answer; stop them all
    on exit."""
    found = found if found is not None else check_services(top)
    cfg = stack_config(top, model)
    env = cfg.child_env()
    write_files(top, load_settings(env).model_poll_seconds)
    check_nginx_config(top)
    supervisor = TopologySupervisor(topology_services(top, cfg), env)
    supervisor.found = found
    supervisor.served = register_model(cfg)
    try:
        supervisor.start_all()
        yield supervisor
    finally:
        supervisor.stop_all()
