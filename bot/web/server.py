"""Serve the web app (``python -m bot.web.server [--port N]``, or ``python -m bot web``) until
interrupted."""

from __future__ import annotations

import logging
import sys

from bot.dialogue.privacy import install_log_redaction
from bot.settings import get_settings
from bot.stack.ports import port_in_use


def run(port: int | None = None, host: str = "127.0.0.1") -> int:
    """Serve the web app on ``host``:``port`` (default BOT_WEB_PORT); return an exit code
    (2 when the port is taken)."""
    from bot.web.app import create_app  # Sanic and the app's modules only when serving

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    bot_log = logging.getLogger("bot")
    bot_log.addHandler(handler)
    bot_log.setLevel(logging.INFO)
    bot_log.propagate = False  # Sanic configures the root logging; do not print twice
    install_log_redaction()
    port = port or get_settings().web_port
    if port_in_use(port):
        print(
            f"Port {port} is already in use. Stop what uses it, or choose another with --port.",
            file=sys.stderr,
        )
        return 2
    app = create_app()
    app.run(host=host, port=port, workers=1, access_log=False, motd=False)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.web.server [--port N]``: how a stack starts the web app."""
    import argparse

    from bot.settings import SettingsError

    parser = argparse.ArgumentParser(prog="python -m bot.web.server")
    parser.add_argument("--port", type=int, default=None, help="default: BOT_WEB_PORT or 8000")
    args = parser.parse_args(argv)
    try:
        return run(port=args.port)
    except SettingsError as exc:  # as python -m bot does: the message, not a traceback
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
