"""Digital Post: what it is, where to read it, writing securely, exemption."""

from __future__ import annotations

import re

from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.formatting import format_list
from bot.knowledge.profile import Profile

_AGE_15 = re.compile(r"\b15\b|15[- ]?[aå]r")


def digital_post_info(profile: Profile, q: Question) -> Answer:
    """What Digital Post is and who must have it; the page for 15-year-olds if they ask."""
    dp = profile.digital_post
    if _AGE_15.search(q.text.lower()):
        link = dp.age15_link.value
        more = Reply("utter_digital_post_age15", {"link": link}, links=("digital_post_15",))
    else:
        link = dp.info_link.value
        more = Reply("utter_digital_post_more", {"link": link}, links=("digital_post_info",))
    return Answer.of(
        Reply("utter_digital_post_what"),
        Reply(
            "utter_digital_post_who",
            {"who_must": dp.who_must.value, "since": dp.mandatory_since.value},
        ),
        more,
    )


def digital_post_read(profile: Profile, q: Question) -> Answer:
    dp = profile.digital_post
    return Answer.of(
        Reply("utter_digital_post_read", {"read_on": format_list(dp.read_on, "or")}),
        Reply("utter_digital_post_mitdk_support", {"phone": dp.mitdk_support_phone.value}),
    )


def digital_post_write(profile: Profile, q: Question) -> Answer:
    return Answer.of(
        Reply("utter_digital_post_write"),
        Reply("utter_digital_post_where_to_write"),
        Reply(
            "utter_contact_form",
            {"contact_form": profile.contact.contact_form.value},
            links=("contact_form",),
        ),
    )


def digital_post_exemption(profile: Profile, q: Question) -> Answer:
    grounds = profile.digital_post.exemption_grounds
    return Answer.of(
        Reply("utter_exemption_grounds", {"grounds": "\n".join(f"- {g}" for g in grounds)}),
        Reply("utter_exemption_how"),
        Reply("utter_exemption_proxy"),
        Reply("utter_exemption_not_by_phone"),
        Reply("utter_exemption_paper"),
    )
