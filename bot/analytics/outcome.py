"""What an action did in a turn, in the terms of the statistics (topic, kind, area, links).

The custom actions put this in the ``turn_outcome`` slot; the event broker records it.
"""

from __future__ import annotations

from typing import Any

from bot.dialogue.answers import Reply
from bot.knowledge.profile import Profile

GENERAL_AREA = "Generel information"

# action name -> (topic, kind, KOMHEN-style area)
ACTION_OUTCOMES: dict[str, tuple[str, str, str]] = {
    "action_opening_hours": ("opening_hours", "information", GENERAL_AREA),
    "action_appointment": ("appointment", "information", GENERAL_AREA),
    "action_kontaktcenter_1881": ("kontaktcenter_1881", "information", GENERAL_AREA),
    "action_digital_post_info": ("digital_post", "information", "Digital Post"),
    "action_digital_post_read": ("digital_post", "information", "Digital Post"),
    "action_digital_post_write": ("digital_post", "referral_digital_post", "Digital Post"),
    "action_digital_post_exemption": (
        "digital_post_exemption",
        "referral_attendance",
        "Digital Post",
    ),
    "action_self_service": ("self_service", "meta", GENERAL_AREA),
    "action_contact": ("contact", "referral_phone", GENERAL_AREA),
    "action_social_media": ("contact", "referral_digital_post", GENERAL_AREA),
    "action_fallback": ("fallback", "fallback", GENERAL_AREA),
    "action_feedback": ("feedback", "meta", GENERAL_AREA),
    # Sent by the citizen endpoint when a server part failed: the citizen is sent to the phone.
    "utter_technical_error": ("technical_error", "referral_phone", GENERAL_AREA),
}
_TASK_KIND = {
    "self_service": "self_service_link",
    "information": "information",
    "in_person_booking": "referral_attendance",
}


def describe_turn(action: str, profile: Profile, replies: list[Reply]) -> dict[str, Any]:
    """The turn's outcome: topic, kind, area and the ids of the links handed out."""
    topic, kind, area = ACTION_OUTCOMES.get(action, (action, "information", GENERAL_AREA))
    links = sorted({link for r in replies for link in r.links})
    if action == "action_feedback" and any(r.response == "utter_contact_phone" for r in replies):
        topic, kind = "contact", "referral_phone"  # "it did not help": we referred to the phone
    if action == "action_self_service":
        tasks = [t for t in profile.self_service if t.id in links]
        if tasks:
            task = tasks[0]
            topic, kind, area = f"self_service:{task.id}", _TASK_KIND[task.kind], task.area
    return {"topic": topic, "kind": kind, "area": area, "links": links}
