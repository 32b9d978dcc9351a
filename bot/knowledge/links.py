"""The links the assistant may hand out, by id, and their click-counting redirect URLs.

Only links known from the profile can be redirected to (no open redirect): the redirect
endpoint looks the id up here.

A link is shown to the citizen with a label that says where it goes: the site's host without
``www.`` and, for a page below the front page, the page's title ("borger.dk: Flytning",
"lifeindenmark.borger.dk: Moving", "taarnby.dk"). In a reply it is written as a Markdown link,
``[label](href)``, whose href is the click-counting redirect.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from bot.knowledge.profile import english_page, localized
from bot.knowledge.profile_model import Profile, UrlFact

ENGLISH_SUFFIX = "_en"

# Link id -> (section of the profile, field) for the links that are not self-service tasks.
_FIXED = {
    "website": ("contact", "website"),
    "contact_form": ("contact", "contact_form"),
    "digital_post": ("contact", "digital_post_link"),
    "digital_post_info": ("digital_post", "info_link"),
    "digital_post_15": ("digital_post", "age15_link"),
}


@dataclass(frozen=True)
class Link:
    """One link as handed out in a language: where it goes and what its page is called."""

    id: str
    url: str
    title: str | None = None

    @property
    def label(self) -> str:
        """What the citizen reads: "borger.dk: Flytning", or only the host for a front page."""
        return link_label(self.url, self.title)


def link_label(url: str, title: str | None = None) -> str:
    """The host without ``www.`` and, for a page below the front page, ``": <title>"``."""
    parts = urlsplit(url)
    host = (parts.hostname or url).removeprefix("www.")
    if title and parts.path.strip("/"):
        return f"{host}: {title}"
    return host


def markdown_link(label: str, href: str) -> str:
    """``[label](href)``, with the characters that would end either part taken out."""
    clean = label.replace("[", "").replace("]", "").replace("\n", " ")
    return f"[{clean}]({href.replace(')', '%29').replace(' ', '%20')})"


def _link(
    link_id: str,
    obj: object,
    field: str,
    language: str,
    name: str | None = None,
    name_en: str | None = None,
) -> Link:
    """The link ``obj.<field>`` in ``language``: in English the checked English page where
    there is one (``<field>_en``, or the link itself on an English site), titled by its own
    title or ``name_en``; else the (Danish) page, titled by its own title or ``name``."""
    fact: UrlFact = getattr(obj, field)
    if language == "en" and english_page(obj, field) is not None:
        english: UrlFact = getattr(obj, field + ENGLISH_SUFFIX, None) or fact
        return Link(link_id, english.value, english.title or name_en)
    return Link(link_id, fact.value, fact.title or name)


def profile_links(profile: Profile, language: str = "da") -> dict[str, Link]:
    """Every link of the profile by id, as handed out in ``language``: with "en" a checked
    English page where there is one (the click counts for the same id), else the Danish one.
    A task's page is titled by the task's name unless the link has its own title."""
    links = {
        t.id: _link(t.id, t, "link", language, t.name, str(localized(t, "name", "en")))
        for t in profile.self_service
    }
    for link_id, (section, field) in _FIXED.items():
        links[link_id] = _link(link_id, getattr(profile, section), field, language)
    return links


def page_links(profile: Profile) -> dict[str, Link]:
    """The pages of the profile's page catalogue (bot/knowledge/pages.py) by link id, each
    titled by its own title; empty when the municipality has no catalogue."""
    from bot.knowledge.pages import catalogue_of, page_link_id

    catalogue = catalogue_of(profile.municipality.id)
    if catalogue is None:
        return {}
    return {
        page_link_id(page.url): Link(page_link_id(page.url), page.url, page.title)
        for page in catalogue.pages
    }


def all_links(profile: Profile, language: str = "da") -> dict[str, Link]:
    """The profile's links (:func:`profile_links`) and its catalogue's pages."""
    return {**page_links(profile), **profile_links(profile, language)}


def known_links(profile: Profile, language: str = "da") -> dict[str, str]:
    """Link id -> target URL for every link the assistant may hand out: the profile's and
    the page catalogue's (see :func:`all_links`)."""
    return {i: link.url for i, link in all_links(profile, language).items()}


def redirect_url(public_url: str, link_id: str, sender_id: str | None, language: str = "da") -> str:
    """The URL that counts a click on ``link_id`` and then redirects to the real page
    (the English one for ``language`` "en" where there is one)."""
    url = f"{public_url.rstrip('/')}/r/{quote(link_id, safe='')}"
    query = [f"s={quote(sender_id, safe='')}"] if sender_id else []
    if language == "en":
        query.append("lang=en")
    return f"{url}?{'&'.join(query)}" if query else url
