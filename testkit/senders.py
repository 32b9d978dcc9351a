"""Conversation ids for tests and benchmarks, and the id a conversation is stored under.

The channel stores and logs a conversation under a pseudonym of the client's id (a keyed hash
with the server's ``BOT_SECRET_KEY``, :func:`bot.dialogue.privacy.pseudonymous_sender`). A test
that looks a conversation up in the tracker store, the statistics or the review store asks
:func:`stored_sender` for that id.
"""

from __future__ import annotations

import secrets
import string

from bot.dialogue.privacy import pseudonymous_sender


def new_sender(prefix: str = "test", letters: int = 12) -> str:
    """``<prefix>-`` and ``letters`` random lowercase letters."""
    return f"{prefix}-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(letters))


def stored_sender(client_id: str, secret_key: str | None = None) -> str:
    """The id under which the stores and logs hold the conversation of ``client_id``: its
    pseudonym with ``secret_key`` (default: this process's settings, which a stack started by
    the tests shares unless its environment sets another ``BOT_SECRET_KEY``)."""
    if secret_key is None:
        from bot.settings import get_settings

        secret_key = get_settings().secret_key
    return pseudonymous_sender(client_id, secret_key)
