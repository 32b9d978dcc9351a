"""Links in replies, swapped for the web app's click-counting redirect URLs."""

from __future__ import annotations

from dataclasses import replace

from bot.dialogue.replies import Reply
from bot.knowledge.links import known_links, redirect_url
from bot.knowledge.profile import Profile


def through_redirect(reply: Reply, profile: Profile, public_url: str, sender_id: str) -> Reply:
    """``reply`` with each of its links replaced by the click-counting redirect URL."""
    if not reply.links:
        return reply
    swap: dict[str, str] = {}
    for language in ("en", "da"):  # a Danish URL that is also the English one counts as Danish
        targets = known_links(profile, language)
        swap.update(
            (targets[i], redirect_url(public_url, i, sender_id, language))
            for i in reply.links
            if i in targets
        )
    variables = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in reply.variables.items()}
    return replace(reply, variables=variables)
