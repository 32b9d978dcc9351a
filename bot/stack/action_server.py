"""The action server: rasa-sdk's app, served on 127.0.0.1 with the privacy rules of this project.

``rasa run actions`` listens on every interface (``0.0.0.0``) and, when an action fails, logs
the traceback and answers Rasa with the whole request (the tracker, so the conversation text)
in the error body, which the Rasa server then logs too. This launcher uses rasa-sdk's own
``create_app`` and changes exactly that: it binds to 127.0.0.1 only, redacts CPR numbers in
every log record and Python warning of this process, and answers a failed action with its name
and the error's type, nothing of the conversation.

Run it with ``python -m bot.stack.action_server --port 5055`` (the local stack does) or
``python -m bot actions --port 5055``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"


def create_app(package: str = "actions") -> object:
    """rasa-sdk's action server app with a failure handler that logs no conversation."""
    from rasa_sdk.endpoint import create_app as sdk_create_app
    from sanic.request import Request
    from sanic.response import HTTPResponse, json

    app = sdk_create_app(package, cors_origins=None)

    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        action = "unknown"
        try:
            action = str((request.json or {}).get("next_action", "unknown"))[:64]
        except Exception:  # noqa: S110 - the body may not even be JSON; the name is optional
            pass
        logger.error("Action %s failed: %s", action, type(exception).__name__)
        return json({"error": f"action {action} failed", "action_name": action}, status=500)

    # Replaces rasa-sdk's handler for Exception, which logs and returns the request body.
    app.error_handler.add(Exception, failed)  # type: ignore[attr-defined]
    return app


def _warm_up() -> None:
    """Build the page and task indexes before the first question needs them; a failure here
    only means the first question builds them (and reports the error) itself."""
    try:
        from bot.dialogue.arbiter import warm_up
        from bot.knowledge.profile import get_profile

        warm_up(get_profile())
        logger.info("Page and task indexes built")
    except Exception as exc:
        logger.warning("Warm-up failed: %s", type(exc).__name__)


def run(port: int, package: str = "actions") -> int:
    """Serve the actions in ``package`` on 127.0.0.1:``port`` until stopped."""
    from rasa_sdk import utils

    from bot.dialogue.privacy import install_log_redaction

    install_log_redaction()
    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    app = create_app(package)
    threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
    logger.info("Action server on http://%s:%s", HOST, port)
    app.run(HOST, port, workers=1, access_log=False)  # type: ignore[attr-defined]
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.stack.action_server [--port N] [--actions PACKAGE]``."""
    from bot.settings import SettingsError

    parser = argparse.ArgumentParser(prog="python -m bot.stack.action_server")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--actions", default="actions", help="package with the action classes")
    args = parser.parse_args(argv)
    try:
        return run(args.port, args.actions)
    except SettingsError as exc:  # as python -m bot does: the message, not a traceback
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
