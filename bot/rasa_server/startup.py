"""The Rasa server's start-up: everything the bot puts in place in that process, in one call.

The Rasa server is started by Rasa (``rasa run``), not by us, so the bot's first chance to run
code there is Rasa building the channels from credentials.yml, before the model loads: the
guarded REST channel (:class:`bot.rasa_server.channel.GuardedRestInput`) calls
:func:`install` as its first line. It installs, once per process:

* the CPR redaction of every log line (:func:`bot.dialogue.privacy.install_log_redaction`);
* a filter for Rasa's false error about button payloads (:func:`not_a_payload_template`);
* the three replaced Rasa methods (:mod:`bot.rasa_server.action_payload`,
  :mod:`~bot.rasa_server.action_validation`, :mod:`~bot.rasa_server.model_loading`: the last
  must be in place before the model loads), each only on the Rasa code it was written for;
* a warning naming the consequence for every other Rasa internal the bot relies on that the
  installed Rasa no longer has as written for (:mod:`bot.rasa_server.internals`); the
  tracker-store hook is then not set (:mod:`bot.rasa_server.turn_errors`);
* the check of the municipality's profile: start-up stops with a message naming the file and
  the field if it is invalid.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

# The logger of Rasa's slot interpolation (internals.INTERPOLATOR_LOG).
INTERPOLATOR_LOGGER = "rasa.core.nlg.interpolator"

_installed = False


def not_a_payload_template(record: logging.LogRecord) -> bool:
    """Drop Rasa's false ERROR for button payloads such as ``/feedback{"helpful": "ja"}``:
    Rasa tries to fill the entity JSON as a slot template (``interpolate_text``, rasa#6616) and
    keeps the payload."""
    return '"response": "/' not in record.getMessage()


def install() -> None:
    """Put everything in place (see the module); a second call does nothing. A call that
    failed (an invalid profile) is repeated in full by the next one."""
    global _installed
    if _installed:
        return
    from bot.dialogue.privacy import install_log_redaction
    from bot.knowledge.profile import get_profile
    from bot.rasa_server import action_payload, action_validation, model_loading
    from bot.rasa_server.internal import usable
    from bot.rasa_server.internals import INTERNALS

    install_log_redaction()
    logging.getLogger(INTERPOLATOR_LOGGER).addFilter(not_a_payload_template)
    action_payload.install()
    action_validation.install()
    model_loading.install()  # before the Rasa server loads its model
    for entry in INTERNALS:
        if entry.how != "replace":
            usable(entry)  # logs what is lost when the installed code differs
    get_profile()
    _installed = True
