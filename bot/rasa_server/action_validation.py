"""The action server's responses validated with a validator built once, not once per turn.

Rasa 3.6 checks every response of the action server against its schema
(``RemoteAction._validate_action_result``) with ``jsonschema.validate(result, schema)``, which
first checks the *schema itself* (``check_schema``, a walk over Rasa's large schema of every
event type) and builds a new validator. Profiled under load, that was 29 % of the Rasa
server's CPU (docs/benchmark-chat.md). The schema is a constant, so this builds its validator
once and validates each response with it: the same schema, the same error (jsonschema's
``best_match``, with Rasa's hint appended), a fraction of the work.

:func:`install` replaces that one method on Rasa's ``RemoteAction`` when the installed Rasa has
the code it was written against (:mod:`bot.rasa_server.internals`); otherwise it logs a warning
and leaves Rasa as it is. :func:`bot.rasa_server.startup.install` installs it when the Rasa
server starts.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.lru_cache(maxsize=1)
def response_validator() -> Any:
    """A validator for Rasa's action-server response schema, its schema checked once."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(_action: Any, result: dict[str, Any]) -> bool:
    """What ``RemoteAction._validate_action_result`` does, with the validator built once."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response "
        "from the Action endpoint is valid. For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> bool:
    """Use :func:`validate_action_result` in Rasa's ``RemoteAction``; True if installed."""
    from bot.rasa_server.internal import replace
    from bot.rasa_server.internals import VALIDATE_ACTION_RESULT

    return replace(VALIDATE_ACTION_RESULT, validate_action_result)
