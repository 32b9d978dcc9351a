"""Running: the local stack (run), the terminal chat, and each server on its own."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from bot.cli.common import Subcommands, validate_profiles
from bot.settings import get_settings


def cmd_run(args: argparse.Namespace) -> int:
    """Validate, train if needed, start everything on localhost, stop all on Ctrl-C.

    Supervises the three servers: one that crashes is restarted with back-off. SIGINT, SIGTERM
    and SIGHUP stop them all; if this process is killed outright, they get SIGTERM from the
    kernel (see bot.stack.supervisor), so no server outlives it.
    """
    import logging

    from bot.mlops.training import ensure_model
    from bot.stack.endpoints import action_endpoint_section, models_section, with_section
    from bot.stack.local import (
        StackConfig,
        isolated_stack,
        model_server_env,
        running_stack,
        with_event_queue,
    )
    from bot.stack.ports import port_in_use
    from bot.stack.tracker_db import TrackerStoreConfigError

    settings = get_settings()
    if validate_profiles([settings.profile]):
        return 2
    for port in (args.port, args.action_port, args.web_port):
        if port_in_use(port):
            print(
                f"Port {port} is already in use. Stop what uses it, or choose another "
                f"with --port / --action-port / --web-port.",
                file=sys.stderr,
            )
            return 2
    model = ensure_model()
    if args.state_dir:
        # A self-contained stack (tracker store, statistics, logs in one folder): tests, demos.
        state = Path(args.state_dir).resolve()
        state.mkdir(parents=True, exist_ok=True)
        cfg = isolated_stack(
            state,
            model,
            {"BOT_PROFILE": settings.profile},
            ports=(args.port, args.action_port, args.web_port),
            model_server=args.model_server,
        )
    else:
        Path("var/logs").mkdir(parents=True, exist_ok=True)
        endpoints = Path("endpoints.yml")
        extra = {"BOT_PROFILE": settings.profile}
        if args.model_server:
            # endpoints.yml with the models: section pointing at this run's web app.
            endpoints = Path("var/endpoints.run.yml")
            section = models_section(args.web_port, settings.model_poll_seconds)
            text = Path("endpoints.yml").read_text(encoding="utf-8")
            if args.action_port != 5055:
                text = with_section(text, action_endpoint_section(args.action_port))
            endpoints.write_text(
                "# Made by python -m bot run from endpoints.yml. Do not edit.\n"
                + with_section(text, section),
                encoding="utf-8",
            )
            extra.update(model_server_env(model))
        cfg = StackConfig(
            rasa_port=args.port,
            action_port=args.action_port,
            web_port=args.web_port,
            model=model,
            endpoints=endpoints.resolve(),
            log_dir=Path("var/logs"),
            env=extra,
            model_server=args.model_server,
        )
        # BOT_RABBITMQ_URL set: statistics through the queue and python -m bot events.
        cfg = with_event_queue(cfg, Path("var/endpoints.run.yml"))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    print("Starting the action server, the Rasa server and the web app (about a minute) ...")
    stop = {"now": False}

    def _stop(*_: object) -> None:
        stop["now"] = True

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    statistics_url = cfg.child_env().get("BOT_ANALYTICS_DB_URL") or settings.analytics_db_url
    if args.model_server:
        print("Registering the model as a version (the first time: 20-40 s to measure it) ...")
    try:
        with running_stack(cfg) as supervisor:
            served = (
                f"  Model:                 {supervisor.served}\n"
                f"  Web team inbox:        {cfg.web_url}/webteam/inbox  "
                "(a login with --role webteam)\n"
                f"  Model versions:        {cfg.web_url}/webteam/models  "
                "(python -m bot models / promote ID / rollback)\n"
                if cfg.model_server
                else f"  Model:                 {model} (no model server: --no-model-server)\n"
            )
            print(
                "\nThe assistant is running:\n"
                f"  Demo page with chat:   {cfg.web_url}/\n"
                f"  Citizen REST endpoint: {cfg.rest_url}\n"
                f"  Staff pages:           {cfg.web_url}/staff/  "
                "(create a login: python -m bot create-user NAME --role staff)\n"
                f"  Link redirects:        {cfg.web_url}/r/<link id>\n"
                f"  Action server:         http://127.0.0.1:{cfg.action_port}/health\n"
                + served
                + f"  Municipality profile:  {settings.profile}\n"
                f"  Statistics database:   {statistics_url}\n"
                f"  Logs:                  {cfg.log_dir}/\n"
                "Talk to it:  python -m bot shell   (or curl, see README)\n"
                "Press Ctrl-C to stop everything.",
                flush=True,
            )
            while not stop["now"]:
                supervisor.poll()
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except (RuntimeError, TimeoutError, TrackerStoreConfigError) as exc:
        print(f"Could not start: {exc}", file=sys.stderr)
        return 1
    print("Stopped.")
    return 0


def cmd_shell(args: argparse.Namespace) -> int:
    """Chat in the terminal through the citizen endpoint (and so through the privacy guard)."""
    import uuid

    from rasa.core.channels.console import record_messages
    from rasa.utils.common import run_in_loop

    run_in_loop(
        record_messages(
            sender_id=f"shell-{uuid.uuid4().hex[:12]}",
            server_url=args.url,
            use_response_stream=False,
        )
    )
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    """Serve the staff web app (link redirects and staff pages) on 127.0.0.1."""
    from bot.web.server import run

    return run(port=args.port)


def cmd_actions(args: argparse.Namespace) -> int:
    """Serve the custom actions on 127.0.0.1 (the action server)."""
    from bot.stack.action_server import run

    return run(port=args.port, package=args.actions)


def cmd_events(args: argparse.Namespace) -> int:
    """Record statistics from the RabbitMQ event queue (docs/statistics.md)."""
    from bot.events.consumer import run

    return run(health_port=args.health_port)


def add_parsers(sub: Subcommands) -> None:
    p = sub.add_parser("run", help="start the assistant on localhost; Ctrl-C stops it")
    p.add_argument("--port", type=int, default=5005)
    p.add_argument("--action-port", type=int, default=5055)
    p.add_argument("--web-port", type=int, default=8000)
    p.add_argument(
        "--state-dir",
        default=None,
        help="keep tracker store, statistics and logs in this folder "
        "(default: endpoints.yml and var/)",
    )
    p.add_argument(
        "--no-model-server",
        dest="model_server",
        action="store_false",
        help="load the model of the current inputs directly instead of the version in service "
        "(no promotion or rollback without a restart)",
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("shell", help="chat with a running assistant in the terminal")
    p.add_argument("--url", default="http://localhost:5005")
    p.set_defaults(func=cmd_shell)

    p = sub.add_parser("web", help="serve the staff web app and link redirects on 127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="default: BOT_WEB_PORT or 8000")
    p.set_defaults(func=cmd_web)

    p = sub.add_parser("actions", help="serve the custom actions on 127.0.0.1 (action server)")
    p.add_argument("--port", type=int, default=5055)
    p.add_argument("--actions", default="actions", help="package with the action classes")
    p.set_defaults(func=cmd_actions)

    p = sub.add_parser(
        "events", help="record statistics from the RabbitMQ event queue (BOT_RABBITMQ_URL)"
    )
    p.add_argument("--health-port", type=int, default=None, help="answer GET /health here")
    p.set_defaults(func=cmd_events)
