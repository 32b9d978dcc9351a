"""Everything with opening hours a citizen may ask about, not only the profile's places.

Besides ``profile.places`` (Borgerservice, Rådhuset, ...), the phone line and Kontaktcenter
Borger.dk (1881) have opening hours: "hvornår har 1881 åbent?", "kan man ringe til jer om
aftenen?". :func:`hours_places` lists them all as :class:`HoursPlace`, the profile's places
first; :func:`match_hours_place` finds the one a text names.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge.matching import best_match
from bot.knowledge.profile import Place, Profile, WeeklyHours

KONTAKTCENTER_ID = "kontaktcenter_1881"
PHONE_ID = "phone"


@dataclass(frozen=True)
class HoursPlace:
    """Something with opening hours: a profile place, the 1881 contact centre or the phone.

    ``place`` is the profile's :class:`Place` when it is one (else None); ``synonyms`` are the
    words that name it in a question. ``name_en`` is its name in an English answer, if the
    profile gives one (``bot.knowledge.profile.localized(place, "name", language)``).
    """

    id: str
    name: str
    hours: WeeklyHours
    address: str | None = None
    place: Place | None = None
    synonyms: tuple[str, ...] = ()
    name_en: str | None = None


def hours_places(profile: Profile) -> list[HoursPlace]:
    """The profile's places, then Kontaktcenter 1881 and the phone line."""
    found = [
        HoursPlace(
            p.id,
            p.name,
            p.hours,
            p.address.value if p.address is not None else None,
            p,
            tuple(p.synonyms),
            name_en=p.name_en,
        )
        for p in profile.places
    ]
    centre = profile.kontaktcenter_1881
    found.append(
        HoursPlace(
            KONTAKTCENTER_ID,
            centre.name,
            centre.hours,
            synonyms=tuple(centre.synonyms),
            name_en=centre.name_en,
        )
    )
    contact = profile.contact
    found.append(
        HoursPlace(
            PHONE_ID,
            contact.phone_line_name,
            contact.phone_hours,
            synonyms=tuple(contact.phone_line_synonyms),
            name_en=contact.phone_line_name_en,
        )
    )
    return found


def hours_place(profile: Profile, place_id: str) -> HoursPlace | None:
    """The place with opening hours whose id is ``place_id``, else None."""
    return next((p for p in hours_places(profile) if p.id == place_id), None)


def match_hours_place(profile: Profile, text: str | None) -> HoursPlace | None:
    """The place with opening hours named in ``text`` (by id, name or synonym), if any."""
    if not text:
        return None
    return best_match(hours_places(profile), text, lambda p: [p.name, *p.synonyms])
