"""Links handed out in English go to the checked English page, counted under the same id."""

from __future__ import annotations

from bot.dialogue.redirects import through_redirect
from bot.dialogue.replies import Reply
from bot.knowledge.links import known_links, redirect_url
from bot.knowledge.profile import load_profile_file, profile_path

LIFE_IN_DENMARK_MOVING = "https://lifeindenmark.borger.dk/housing-and-moving/moving/change-address"


def test_english_links_where_a_checked_page_exists() -> None:
    profile = load_profile_file(profile_path("taarnby"))
    danish, english = known_links(profile), known_links(profile, "en")
    assert "guide--naar-du-skal-flytte" in danish["moving"]
    assert english["moving"] == LIFE_IN_DENMARK_MOVING
    assert english["passport"] == danish["passport"]  # no English page: the Danish one
    assert english.keys() == danish.keys()


def test_redirect_url_says_the_language() -> None:
    assert redirect_url("https://x.dk/", "moving", "abc") == "https://x.dk/r/moving?s=abc"
    assert redirect_url("https://x.dk", "moving", None, "en") == "https://x.dk/r/moving?lang=en"


def test_an_english_link_goes_through_the_english_redirect() -> None:
    profile = load_profile_file(profile_path("taarnby"))
    reply = Reply("utter_self_service_link", {"link": LIFE_IN_DENMARK_MOVING}, links=("moving",))
    swapped = through_redirect(reply, profile, "https://x.dk", "s1")
    assert swapped.variables["link"] == "https://x.dk/r/moving?s=s1&lang=en"
    danish = Reply(
        "utter_self_service_link", {"link": known_links(profile)["moving"]}, links=("moving",)
    )
    assert through_redirect(danish, profile, "https://x.dk", "s1").variables["link"] == (
        "https://x.dk/r/moving?s=s1"
    )
