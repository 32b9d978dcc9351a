"""Pieces several answers share."""

from __future__ import annotations

from bot.dialogue.replies import Reply
from bot.knowledge.profile import english_page
from bot.knowledge.profile_model import Profile

# Link responses -> their variant for an English reader who gets a Danish page: its English
# text says "(page in Danish)", its Danish text is the base response's.
DANISH_PAGE = {
    "utter_self_service_link": "utter_self_service_link_danish_page",
    "utter_self_service_booking": "utter_self_service_booking_danish_page",
    "utter_self_service_information": "utter_self_service_information_danish_page",
    "utter_digital_post_more": "utter_digital_post_more_danish_page",
    "utter_digital_post_age15": "utter_digital_post_age15_danish_page",
    "utter_contact_digital_post": "utter_contact_digital_post_danish_page",
}


def link_reply(
    response: str,
    obj: object,
    field: str,
    language: str,
    variable: str = "link",
    links: tuple[str, ...] = (),
) -> Reply:
    """``response`` with the link ``obj.<field>``. In English: the checked English page when
    there is one, else the Danish page with ``<response>_danish_page`` ("page in Danish")."""
    if language == "en":
        english = english_page(obj, field)
        if english is None:
            danish = getattr(obj, field).value
            return Reply(DANISH_PAGE[response], {variable: danish}, links=links)
        return Reply(response, {variable: english}, links=links)
    return Reply(response, {variable: getattr(obj, field).value}, links=links)


def written_channels(profile: Profile, language: str = "da") -> list[Reply]:
    """The contact form (no personal data), then Digital Post (personal data)."""
    c = profile.contact
    return [
        # The contact form is on the municipality's (Danish) site; the English text says so.
        Reply(
            "utter_contact_form", {"contact_form": c.contact_form.value}, links=("contact_form",)
        ),
        link_reply(
            "utter_contact_digital_post",
            c,
            "digital_post_link",
            language,
            variable="digital_post_link",
            links=("digital_post",),
        ),
    ]
