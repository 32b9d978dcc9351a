"""Links in replies, written so the citizen sees where they go, through the click-counting
redirect: ``[borger.dk: Flytning](https://<web app>/r/moving?s=<sender>)``."""

from __future__ import annotations

from dataclasses import replace

from bot.dialogue.replies import Reply
from bot.knowledge.links import all_links, markdown_link, redirect_url
from bot.knowledge.profile_model import Profile


def through_redirect(
    reply: Reply, profile: Profile, public_url: str | None, sender_id: str | None
) -> Reply:
    """``reply`` with each of its links written as ``[label](href)``: the label says where it
    goes ("borger.dk: Flytning"), the href is the click-counting redirect URL (or, with
    ``public_url`` None, the page itself)."""
    if not reply.links:
        return reply
    swap: dict[str, str] = {}
    for language in ("en", "da"):  # a Danish URL that is also the English one counts as Danish
        targets = all_links(profile, language)
        for link_id in reply.links:
            link = targets.get(link_id)
            if link is None:
                continue
            href = (
                link.url
                if public_url is None
                else redirect_url(public_url, link_id, sender_id, language)
            )
            swap[link.url] = markdown_link(link.label, href)
    variables = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in reply.variables.items()}
    return replace(reply, variables=variables)
