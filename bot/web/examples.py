"""The rows of the EKSEMPEL-værdier page: every value of the profile still marked EXAMPLE (or
"needs confirmation"), in a shape the page can show in full.

:func:`bot.knowledge.profile.example_facts` says which facts they are (dotted paths such as
``places.1.address``); this module looks each one up and hands the template its kind and its
value: a weekly schedule, a channel mix, a price list, an amount, a self-service task or a
plain value. The template (``templates/examples.html``) holds the Danish labels of the fields
and writes the values in the staff's Danish formats; no value is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from pydantic import BaseModel

from bot.knowledge.profile import example_facts
from bot.knowledge.profile_model import (
    OTHERWISE_KEYS,
    WEEKDAYS,
    AssistantCost,
    ChannelMix,
    ChannelPrices,
    Profile,
    SelfServiceTask,
    WeeklyHours,
)

# The price keys of ChannelPrices, in the order the page lists them.
PRICE_KEYS = ("telephone", "email", "personal_attendance", "paper_post")


@dataclass(frozen=True)
class ExampleRow:
    """One EXAMPLE value: ``field`` is its path without list positions ("places.address"),
    the key of its Danish label; ``owner`` the name of the place or task it belongs to."""

    path: str
    field: str
    owner: str | None
    kind: str  # "hours" | "mix" | "prices" | "dkk" | "task" | "text"
    value: Any


def clock(moment: time) -> str:
    """A time of day as Danish opening hours write it: "09.00", and "24.00" for the day's end."""
    if moment == time(23, 59, 59):
        return "24.00"
    return f"{moment.hour:02d}.{moment.minute:02d}"


def _hours(hours: WeeklyHours) -> dict[str, Any]:
    return {
        "days": [
            [f"{clock(i.start)}–{clock(i.end)}" for i in getattr(hours, day)] for day in WEEKDAYS
        ],
        "closed_on_public_holidays": hours.closed_on_public_holidays,
        # "MM-DD" as a day of a leap year, so the template can name it ("5. jun.").
        "closed_yearly": [date(2000, int(d[:2]), int(d[3:])) for d in hours.closed_yearly],
        "exceptions": [
            (e.date, [f"{clock(i.start)}–{clock(i.end)}" for i in e.hours], e.note)
            for e in hours.exceptions
        ],
    }


def _value(obj: object) -> tuple[str, Any]:
    """The kind of an EXAMPLE fact and the value the page shows for it."""
    if isinstance(obj, WeeklyHours):
        return "hours", _hours(obj)
    if isinstance(obj, ChannelMix):
        return "mix", [(key, getattr(obj, key)) for key in OTHERWISE_KEYS]
    if isinstance(obj, ChannelPrices):
        return "prices", {"year": obj.year, "prices": [(k, getattr(obj, k)) for k in PRICE_KEYS]}
    if isinstance(obj, AssistantCost):
        return "dkk", obj.dkk
    if isinstance(obj, SelfServiceTask):
        return "task", {"name": obj.name, "link": obj.link.value, "text": obj.text}
    value = getattr(obj, "value", None)
    if value is not None:
        return "text", str(value)
    return "text", str(obj)


def _lookup(profile: Profile, path: str) -> tuple[object, str | None]:
    """The object at a dotted path of the profile, and the name of the last named list item
    on the way (the place or the task the value belongs to)."""
    obj: object = profile
    owner: str | None = None
    for part in path.split("."):
        if part.isdigit() and isinstance(obj, list):
            obj = obj[int(part)]
            owner = getattr(obj, "name", owner)
        elif isinstance(obj, BaseModel):
            obj = getattr(obj, part)
        else:  # not a path of this profile: show the path itself rather than hide it
            return path, owner
    return obj, owner


def example_rows(profile: Profile) -> list[ExampleRow]:
    """Every EXAMPLE value of ``profile``, in the profile's order."""
    rows = []
    for path, _ in example_facts(profile):
        obj, owner = _lookup(profile, path)
        kind, value = _value(obj)
        field = ".".join(part for part in path.split(".") if not part.isdigit())
        rows.append(ExampleRow(path=path, field=field, owner=owner, kind=kind, value=value))
    return rows
