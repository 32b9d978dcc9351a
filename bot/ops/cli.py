"""Command line: ``python -m bot <command>``. Run ``python -m bot --help`` for the list."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from bot.knowledge.profile import PROFILE_DIR, ProfileError, load_profile_file, profile_path
from bot.settings import SettingsError, get_settings


def _validate_profiles(names: list[str]) -> int:
    paths = [profile_path(n) for n in names] or sorted(PROFILE_DIR.glob("*.yml"))
    failed = 0
    for path in paths:
        try:
            profile = load_profile_file(path)
        except ProfileError as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        print(f"{path}: OK ({profile.municipality.name}, {len(profile.self_service)} tasks)")
    return 1 if failed else 0


def cmd_validate(args: argparse.Namespace) -> int:
    return _validate_profiles(args.profiles)


def cmd_build_spacy(args: argparse.Namespace) -> int:
    from bot.ops.spacy_model import build

    print(f"spaCy pipeline: {build(Path(args.out))}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from bot.ops.training import ensure_model

    print(f"Model: {ensure_model(config=args.config, force=args.force)}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Validate, train if needed, start everything on localhost, stop all on Ctrl-C.

    Supervises the three servers: one that crashes is restarted with back-off. SIGINT, SIGTERM
    and SIGHUP stop them all; if this process is killed outright, they get SIGTERM from the
    kernel (see bot.ops.runner), so no server outlives it.
    """
    import logging

    from bot.ops.runner import (
        StackConfig,
        action_endpoint_section,
        isolated_stack,
        model_server_env,
        port_in_use,
        running_stack,
        with_event_queue,
    )
    from bot.ops.serving import models_section, with_models_section, with_section
    from bot.ops.tracker_db import TrackerStoreConfigError
    from bot.ops.training import ensure_model

    settings = get_settings()
    if _validate_profiles([settings.profile]):
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
                action = action_endpoint_section(args.action_port)
                text = with_section(text, "action_endpoint", action)
            endpoints.write_text(
                "# Made by python -m bot run from endpoints.yml. Do not edit.\n"
                + with_models_section(text, section),
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
    from bot.ops.web_server import run

    return run(port=args.port)


def cmd_actions(args: argparse.Namespace) -> int:
    """Serve the custom actions on 127.0.0.1 (the action server)."""
    from bot.ops.action_server import run

    return run(port=args.port, package=args.actions)


def cmd_events(args: argparse.Namespace) -> int:
    """Record statistics from the RabbitMQ event queue (docs/statistics.md)."""
    from bot.ops.event_consumer import run

    return run(health_port=args.health_port)


def cmd_create_user(args: argparse.Namespace) -> int:
    """Create a staff user in the statistics database."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.analytics.db import session_scope
    from bot.ops.cli_users import new_password
    from bot.web.auth import UserError, create_user, validate_new_user

    try:
        validate_new_user(args.username, "x" * 12, args.role)  # fail before asking
    except UserError as exc:
        print(f"Cannot create user: {exc}", file=sys.stderr)
        return 2
    password = new_password(args.password_stdin, "Cannot create user")
    if password is None:
        return 2
    try:
        with session_scope() as session:
            create_user(session, args.username, password, args.role)
    except UserError as exc:
        print(f"Cannot create user: {exc}", file=sys.stderr)
        return 2
    except (SQLAlchemyError, OSError) as exc:
        print(
            f"Cannot create user: the statistics database is not reachable "
            f"({type(exc).__name__}); check BOT_ANALYTICS_DB_URL",
            file=sys.stderr,
        )
        return 1
    print(f"Created user {args.username!r} with role {args.role}.")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete what is older than its retention period (BOT_RETENTION_*; docs/privacy.md)."""
    from bot.ops.retention import models_folder, purge
    from bot.ops.runner import ROOT

    settings = get_settings()
    report = purge(
        settings.now(),
        settings,
        endpoints=Path(args.endpoints),
        log_dir=Path(args.log_dir),
        dry_run=args.dry_run,
        retrain_log_dir=ROOT / "var" / "logs",  # the web page's retrain logs
        models_dir=models_folder(settings),
    )
    for line in report.lines():
        print(line)
    for error in report.errors:
        print(f"Cannot purge: {error}", file=sys.stderr)
    return 0 if report.ok else 1


def cmd_migrate(args: argparse.Namespace) -> int:
    """Upgrade the statistics database to the newest schema (Alembic revisions)."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.analytics.migrations import MigrationError, shown_url, upgrade
    from bot.ops.tracker_db import db_error_reason

    source = "--url" if args.url else "BOT_ANALYTICS_DB_URL"
    url = args.url or get_settings().analytics_db_url
    shown = shown_url(url)
    try:
        before, after = upgrade(url)
    except MigrationError as exc:
        print(f"Cannot migrate: {source}: {exc}", file=sys.stderr)
        return 1
    except (SQLAlchemyError, OSError) as exc:
        print(
            f"Cannot migrate: {source}: cannot upgrade {shown}: {db_error_reason(exc)}",
            file=sys.stderr,
        )
        return 1
    print(f"Statistics database: {shown}")
    if before == after:
        print(f"Schema revision: {after} (already the newest)")
    else:
        print(f"Schema revision: {before or 'none'} -> {after}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate-profile", help="validate municipality profiles (all by default)")
    p.add_argument("profiles", nargs="*", help="profile ids or .yml paths")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("build-spacy", help="build the blank Danish spaCy pipeline with lemmas")
    p.add_argument("--out", default="build/spacy/da_lemma")
    p.set_defaults(func=cmd_build_spacy)

    p = sub.add_parser("train", help="train the model if config or data changed")
    p.add_argument("--config", default="config.yml")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_train)

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

    from bot.ops import cli_production

    cli_production.add_parsers(sub)  # run-production (docs/production.md)

    from bot.analytics.cli import add_parser as add_stats_parser
    from bot.ops import cli_inbox, cli_models, cli_retrain

    add_stats_parser(sub)
    # The web team's retraining loop (README "Retraining").
    cli_inbox.add_parsers(sub)
    cli_retrain.add_parsers(sub)
    cli_models.add_parsers(sub)
    from bot.ops import cli_shadow

    cli_shadow.add_parsers(sub)  # shadow test and verdicts (docs/retraining.md)
    from bot.ops import cli_import

    cli_import.add_parsers(sub)  # import-site: the municipality's pages (docs/site-import.md)

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

    p = sub.add_parser("create-user", help="create a staff user for the web app")
    p.add_argument("username", help="3-64 characters: a-z, 0-9, . _ -")
    p.add_argument("--role", choices=("staff", "webteam"), required=True)
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from one line on stdin instead of prompting",
    )
    p.set_defaults(func=cmd_create_user)

    from bot.ops import cli_users

    cli_users.add_parsers(sub)  # disable-user, enable-user, delete-user, reset-password, users

    p = sub.add_parser(
        "purge", help="delete conversations, statistics and logs older than their retention"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
    )
    p.add_argument("--endpoints", default="endpoints.yml", help="Rasa endpoints file")
    p.add_argument("--log-dir", default="var/logs", help="directory of the log files")
    p.set_defaults(func=cmd_purge)

    p = sub.add_parser(
        "migrate", help="upgrade the statistics database's schema to the newest revision"
    )
    p.add_argument("--url", default=None, help="database URL (default BOT_ANALYTICS_DB_URL)")
    p.set_defaults(func=cmd_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (SettingsError, ProfileError) as exc:
        print(exc, file=sys.stderr)
        return 2
