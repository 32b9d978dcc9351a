"""Replacing one method of Rasa's, only on the Rasa version the replacement was written for.

Three of our speed-ups (``model_loading``, ``action_validation``, ``action_payload``) each put
a function of ours in place of one method of a Rasa class. Each was written against the code
of one Rasa release, so :func:`replace_rasa_method` installs it only when the installed Rasa
is :data:`RASA_VERSION`; on another version it logs a warning naming what the citizen or the
operator loses (the ``consequence``) and leaves Rasa as it is: slower, still correct.

Rasa's own attribute is kept (:func:`rasas_method`) so a replacement can fall back to it and a
test can compare both.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

# The Rasa version whose methods the replacements were written against (pinned in
# requirements.lock; a Rasa upgrade must re-read each replaced method before raising it).
RASA_VERSION = "3.6.21"

_originals: dict[tuple[type, str], Any] = {}


def _function(attribute: Any) -> Any:
    """The plain function behind a class attribute (a classmethod's or staticmethod's)."""
    return getattr(attribute, "__func__", attribute)


def replace_rasa_method(owner: type, name: str, replacement: Any, consequence: str) -> bool:
    """Set ``owner.name`` to ``replacement`` (a function, or a ``classmethod`` of one) when the
    installed Rasa is :data:`RASA_VERSION`; True if it is in place afterwards.

    Calling it again is harmless. On another Rasa version it logs ``consequence`` ("the
    action server's responses are validated the slow way") as a warning and returns False.
    """
    import rasa

    current = owner.__dict__[name]
    if _function(current) is _function(replacement):
        return True
    if rasa.__version__ != RASA_VERSION:
        logger.warning("Rasa %s is not %s: %s.", rasa.__version__, RASA_VERSION, consequence)
        return False
    _originals.setdefault((owner, name), current)
    setattr(owner, name, replacement)
    return True


def rasas_method(owner: type, name: str) -> Any:
    """Rasa's own ``owner.name`` as it stood in the class (a ``classmethod`` object for a
    class method), whether or not :func:`replace_rasa_method` has replaced it."""
    return _originals.get((owner, name), owner.__dict__[name])
