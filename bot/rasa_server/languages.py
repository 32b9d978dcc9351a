"""The conversation's language, told to the widget with every bot message.

The widget shows its own labels in the conversation's language: the ``language`` slot after
the turn, carried in each bot message's ``metadata`` (:func:`with_language`). Reading the
tracker back for it would cost a store read a turn, so the tracker store's ``save`` notes the
slot of every tracker a turn saves (:func:`remember_languages`, installed once when the server
has started). The channel's own refusals (429, faults) are said in that language too
(:func:`response_text`).
"""

from __future__ import annotations

from typing import Any

from sanic.request import Request

from bot.rasa_server.ratelimit import ExpiringLRU

# The conversation's language: the domain's slot, its values and the one it starts with.
LANGUAGE_SLOT = "language"
LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"


def language_of(tracker: Any) -> str:
    """The conversation's language: the tracker's ``language`` slot ("da" when unset)."""
    value = tracker.slots[LANGUAGE_SLOT].value if LANGUAGE_SLOT in tracker.slots else None
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def remember_languages(store: Any, languages: ExpiringLRU[str]) -> None:
    """Make ``store.save`` note the language of every tracker it saves in ``languages`` (by
    sender id), once it is saved. Idempotent: a store that already notes into ``languages`` is
    left as it is.

    The channel reads the language of the turn it just passed on from there, instead of
    reading the tracker back from the store: the processor saves the tracker it has in hand at
    the end of every turn (Rasa's ``MessageProcessor.save_tracker``).
    """
    save = store.save
    if getattr(save, "remembers_languages_in", None) is languages:
        return

    async def save_and_remember(tracker: Any) -> None:
        await save(tracker)
        languages.set(tracker.sender_id, language_of(tracker))

    save_and_remember.remembers_languages_in = languages  # type: ignore[attr-defined]
    store.save = save_and_remember


def with_language(
    messages: list[dict[str, Any]], language: str, recipient_id: str | None = None
) -> list[dict[str, Any]]:
    """The bot messages, each with ``"metadata": {"language": language}`` (added to any
    metadata it has) and, when given, ``recipient_id`` (the client's own conversation id
    instead of its pseudonym)."""
    tagged = []
    for message in messages:
        metadata = message.get("metadata")
        metadata = dict(metadata) if isinstance(metadata, dict) else {}
        message = {**message, "metadata": {**metadata, "language": language}}
        if recipient_id is not None and "recipient_id" in message:
            message["recipient_id"] = recipient_id
        tagged.append(message)
    return tagged


def response_text(request: Request, utter: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The text of a domain response in ``language`` (limits and faults are said in
    domain.yml): the variant whose condition is that language slot value, else the one
    without a condition (the Danish default)."""
    try:
        variants = request.app.ctx.agent.domain.responses[utter]
    except (AttributeError, KeyError, TypeError):
        return utter
    return response_variant_text(variants, language) or utter


def response_variant_text(variants: list[dict[str, Any]], language: str) -> str | None:
    """The text of the variant for ``language`` among a response's variants."""
    default = None
    for variant in variants:
        conditions = variant.get("condition") or []
        if not conditions:
            default = default if default is not None else variant.get("text")
        elif all(c.get("name") == LANGUAGE_SLOT and c.get("value") == language for c in conditions):
            return str(variant.get("text"))
    return None if default is None else str(default)

