"""``python -m bot run-production``: the production topology on one machine.

See docs/production.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import Subcommands
from bot.stack.topology import BALANCES, DEFAULT_PORT, FIRST_RASA_PORT, MAX_REPLICAS

# What run-production needs in its environment, said when it refuses to start.
PRODUCTION_SETTINGS = (
    "run-production needs production settings: set BOT_ENV=production, BOT_SECRET_KEY and "
    "BOT_MODEL_SERVER_TOKEN (each a random value of at least 32 characters, e.g. "
    "python -c 'import secrets; print(secrets.token_urlsafe(32))'); see docs/production.md"
)


def production_settings_error(env: str) -> str | None:
    """Why the settings of this process are not production settings, or None."""
    if env != "production":
        return f"Cannot start: BOT_ENV is {env!r}. {PRODUCTION_SETTINGS}."
    return None


def cmd_run_production(args: argparse.Namespace) -> int:
    """Start nginx, N Rasa replicas, the action server and the web app on PostgreSQL, Redis
    and RabbitMQ; print the URLs; stop everything on Ctrl-C, SIGTERM or SIGHUP.

    Only with production settings (``BOT_ENV=production``: a real secret, a model server token,
    no ``BOT_NOW``, no DEBUG logging, no development model override); otherwise it refuses and
    names what to set."""
    import logging
    import signal
    import time

    from bot.cli.common import validate_profiles
    from bot.mlops.training import ensure_model
    from bot.settings import SettingsError, get_settings
    from bot.stack.preflight import check_services
    from bot.stack.production import running_topology
    from bot.stack.topology import TopologyError, from_settings

    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"Cannot start: {exc}. {PRODUCTION_SETTINGS}.", file=sys.stderr)
        return 2
    refused = production_settings_error(settings.env)
    if refused:
        print(refused, file=sys.stderr)
        return 2
    if validate_profiles([settings.profile]):
        return 2
    try:
        top = from_settings(
            settings,
            args.replicas,
            Path(args.state_dir).resolve(),
            port=args.port,
            listen=args.host,
            rasa_ports=tuple(range(args.first_rasa_port, args.first_rasa_port + args.replicas)),
            action_port=args.action_port,
            web_port=args.web_port,
            events_port=args.events_port,
            balance=args.balance,
            trusted_proxies=tuple(args.trusted_proxy),
            env={"BOT_PROFILE": settings.profile},
        )
    except TopologyError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 2
    try:  # before training: refuse at once when a service is missing
        found = check_services(top)
    except TopologyError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 1
    model = ensure_model()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    print(
        f"Starting nginx, {top.replicas} Rasa server(s), the action server and the web app "
        "(a minute or two) ..."
    )
    stop = {"now": False}

    def _stop(*_: object) -> None:
        stop["now"] = True

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    try:
        with running_topology(top, model, found) as supervisor:
            replicas = "\n".join(
                f"  Rasa server {n}:         http://127.0.0.1:{port}/webhooks/rest/"
                for n, port in enumerate(top.rasa_ports, 1)
            )
            print(
                "\nThe assistant is running (production topology):\n"
                f"  Demo page with chat:   {top.url}/\n"
                f"  Citizen REST endpoint: {top.rest_url}\n"
                f"  Health:                {top.url}/webhooks/rest/  and  {top.url}/healthz\n"
                f"  Staff pages:           {top.url}/staff/\n"
                f"  Link redirects:        {top.url}/r/<link id>\n"
                f"  Model:                 {supervisor.served}\n"
                f"{replicas}\n"
                f"  Action server:         http://127.0.0.1:{top.action_port}/health\n"
                f"  Web app:               http://127.0.0.1:{top.web_port}/healthz\n"
                + "".join(f"  {name}: {shown}\n" for name, shown in supervisor.found.items())
                + f"  Endpoints file:        {top.endpoints}\n"
                f"  nginx configuration:   {top.nginx_conf}\n"
                f"  Logs:                  {top.log_dir}/\n"
                "Press Ctrl-C to stop everything.",
                flush=True,
            )
            while not stop["now"]:
                supervisor.poll()
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except TopologyError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 1
    except (RuntimeError, TimeoutError) as exc:
        print(f"Could not start: {exc}", file=sys.stderr)
        return 1
    print("Stopped.")
    return 0


def add_parsers(sub: Subcommands) -> None:
    """Add ``run-production`` to ``python -m bot``."""
    p = sub.add_parser(
        "run-production",
        help="nginx + N Rasa replicas on PostgreSQL, Redis and RabbitMQ; Ctrl-C stops it",
    )
    p.add_argument(
        "--replicas", type=int, default=2, help=f"Rasa servers, 1-{MAX_REPLICAS} (default 2)"
    )
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"nginx's port (default {DEFAULT_PORT})"
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address nginx listens on (default 127.0.0.1; 0.0.0.0 behind a TLS proxy)",
    )
    p.add_argument(
        "--first-rasa-port",
        type=int,
        default=FIRST_RASA_PORT,
        help=f"port of Rasa server 1; the others follow (default {FIRST_RASA_PORT})",
    )
    p.add_argument("--action-port", type=int, default=5055)
    p.add_argument("--web-port", type=int, default=8000)
    p.add_argument(
        "--events-port", type=int, default=5056, help="the statistics consumer's health port"
    )
    p.add_argument(
        "--state-dir",
        default="var/production",
        help="endpoints file, nginx's files and logs (default var/production)",
    )
    p.add_argument(
        "--balance",
        choices=BALANCES,
        default="address",
        help="address (default): a client address stays on one replica; round-robin",
    )
    p.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="CIDR",
        help="a load balancer in front of nginx whose X-Forwarded-For is trusted (repeatable)",
    )
    p.set_defaults(func=cmd_run_production)
