"""The links the assistant may hand out, by id, and their click-counting redirect URLs.

Only links known from the profile can be redirected to (no open redirect): the redirect
endpoint looks the id up here.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.knowledge.profile import Profile, english_page


def known_links(profile: Profile, language: str = "da") -> dict[str, str]:
    """Link id -> target URL for every link in the profile; with ``language`` "en" a task's
    checked English page where it has one (the click counts for the same id)."""
    links = {task.id: task.link.value for task in profile.self_service}
    if language == "en":
        links.update(
            (task.id, page)
            for task in profile.self_service
            if (page := english_page(task, "link")) is not None
        )
    links.update(
        website=profile.contact.website.value,
        contact_form=profile.contact.contact_form.value,
        digital_post=profile.contact.digital_post_link.value,
        digital_post_info=profile.digital_post.info_link.value,
        digital_post_15=profile.digital_post.age15_link.value,
    )
    return links


def redirect_url(public_url: str, link_id: str, sender_id: str | None, language: str = "da") -> str:
    """The URL that counts a click on ``link_id`` and then redirects to the real page
    (the English one for ``language`` "en" where there is one)."""
    url = f"{public_url.rstrip('/')}/r/{quote(link_id, safe='')}"
    query = [f"s={quote(sender_id, safe='')}"] if sender_id else []
    if language == "en":
        query.append("lang=en")
    return f"{url}?{'&'.join(query)}" if query else url
