"""The links the assistant may hand out, by id, and their click-counting redirect URLs.

Only links known from the profile can be redirected to (no open redirect): the redirect
endpoint looks the id up here.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.knowledge.profile import Profile


def known_links(profile: Profile) -> dict[str, str]:
    """Link id -> target URL for every link in the profile."""
    links = {task.id: task.link.value for task in profile.self_service}
    links.update(
        website=profile.contact.website.value,
        contact_form=profile.contact.contact_form.value,
        digital_post=profile.contact.digital_post_link.value,
        digital_post_info=profile.digital_post.info_link.value,
        digital_post_15=profile.digital_post.age15_link.value,
    )
    return links


def redirect_url(public_url: str, link_id: str, sender_id: str | None) -> str:
    """The URL that counts a click on ``link_id`` and then redirects to the real page."""
    url = f"{public_url.rstrip('/')}/r/{quote(link_id, safe='')}"
    return f"{url}?s={quote(sender_id, safe='')}" if sender_id else url
