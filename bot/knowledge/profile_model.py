"""The municipality profile's schema: every fact the assistant may state, with its source.

The pydantic models of a profile file (bot/knowledge/profiles/<id>.yml); reading a file and
the helpers over a loaded profile are in :mod:`bot.knowledge.profile`. An invalid profile
raises :class:`ProfileError`, whose message names the file and the dotted path of the
offending field.

Every fact carries ``source`` (a key of ``sources``) and ``example``: a value marked
``example: true`` is a placeholder the municipality must confirm before launch.
"""

from __future__ import annotations

import re
from datetime import date, time
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, Extra, Field, root_validator, validator

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_INTERVAL = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_PHONE = re.compile(r"^\+?[0-9 ]{4,20}$")
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


class ProfileError(Exception):
    """The profile file is missing, unreadable or invalid; the message names file and field."""


class _Model(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class Fact(_Model):
    """One stated fact: its value, where it comes from, and whether it is a placeholder."""

    source: str
    example: bool = False


class TextFact(Fact):
    value: str = Field(..., min_length=1)
    # The same fact in English, from the same source (see :func:`localized`).
    value_en: str | None = Field(None, min_length=1)


class UrlFact(Fact):
    value: str
    # The page's title, in the page's own language: a link reads "borger.dk: <title>". Not for
    # a front page (the host says it). A self-service task's page defaults to the task's name.
    title: str | None = Field(None, min_length=1)
    # A general page stands in because no checked deep link exists: staff must confirm it.
    needs_confirmation: bool = False

    @validator("value")
    def _http_url(cls, v: str) -> str:
        if not re.match(r"^https?://[^\s/$.?#][^\s]*$", v):
            raise ValueError("must be an http(s) URL")
        return v


class PhoneFact(Fact):
    value: str

    @validator("value")
    def _phone(cls, v: str) -> str:
        if not _PHONE.match(v):
            raise ValueError("must be a phone number of digits and spaces, optionally with +")
        return v


class EmailFact(Fact):
    value: str

    @validator("value")
    def _email(cls, v: str) -> str:
        if not re.match(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", v):
            raise ValueError("must be an e-mail address")
        return v


def _as_long_as(value: list[str] | None, values: dict, field: str) -> list[str] | None:
    """An English list (``<field>_en``) must translate the Danish one item by item."""
    if value is not None and field in values and len(value) != len(values[field]):
        raise ValueError(f"must have as many items as {field} ({len(values[field])})")
    return value


class Interval(_Model):
    """An opening interval within one day, local time (Europe/Copenhagen)."""

    start: time
    end: time


def _parse_intervals(value: object) -> list[Interval]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError('must be a list of "HH:MM-HH:MM" strings (empty list = closed)')
    result: list[Interval] = []
    for item in value:
        m = _INTERVAL.match(str(item))
        if not m:
            raise ValueError(f'"{item}" is not of the form "HH:MM-HH:MM"')
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
            raise ValueError(f'"{item}" is not a valid time of day')
        start = time(h1, m1)
        end = time(23, 59, 59) if h2 == 24 else time(h2, m2)
        if end <= start:
            raise ValueError(f'"{item}" ends before it starts')
        result.append(Interval(start=start, end=end))
    result.sort(key=lambda i: i.start)
    for a, b in pairwise(result):
        if b.start < a.end:
            raise ValueError("intervals overlap")
    return result


class DateException(_Model):
    """A dated deviation from the weekly schedule (closed day or special hours)."""

    date: date
    hours: list[Interval] = []
    note: str | None = None
    note_en: str | None = None

    _hours = validator("hours", pre=True, allow_reuse=True)(_parse_intervals)


class WeeklyHours(Fact):
    """A weekly schedule plus holiday rules and dated exceptions."""

    monday: list[Interval] = []
    tuesday: list[Interval] = []
    wednesday: list[Interval] = []
    thursday: list[Interval] = []
    friday: list[Interval] = []
    saturday: list[Interval] = []
    sunday: list[Interval] = []
    closed_on_public_holidays: bool = True
    # Extra yearly closed days as "MM-DD" (e.g. "12-24" juleaftensdag).
    closed_yearly: list[str] = []
    exceptions: list[DateException] = []

    _days = validator(*WEEKDAYS, pre=True, allow_reuse=True)(_parse_intervals)

    @validator("closed_yearly", each_item=True)
    def _month_day(cls, v: str) -> str:
        if not re.match(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", v):
            raise ValueError(f'"{v}" must be "MM-DD"')
        return v

    def for_weekday(self, weekday: int) -> list[Interval]:
        """Intervals for ``weekday`` (0 = Monday)."""
        return getattr(self, WEEKDAYS[weekday])


class Place(_Model):
    """A place citizens can visit, with opening hours."""

    id: str
    name: str
    # The English name, keeping the Danish one: "Borgerservice (Citizen Service)".
    name_en: str | None = None
    synonyms: list[str] = []
    address: TextFact | None = None
    appointment: TextFact
    hours: WeeklyHours
    note: TextFact | None = None


class SelfServiceTask(_Model):
    """A common citizen task: a self-service link, or the in-person procedure."""

    id: str
    name: str
    name_en: str | None = None
    synonyms: list[str] = Field(..., min_items=1)
    # Words English-speaking citizens use for it ("change my address").
    synonyms_en: list[str] = []
    area: str  # KOMHEN-style area, e.g. "Folkeregister"
    kind: Literal["self_service", "in_person_booking", "information"]
    text: str = Field(..., min_length=1)
    text_en: str | None = Field(None, min_length=1)
    link: UrlFact
    # A checked English page for the task, when one exists (else English readers get ``link``,
    # marked as a page in Danish).
    link_en: UrlFact | None = None
    needs_confirmation: bool = False


class Kontaktcenter1881(_Model):
    """Kontaktcenter Borger.dk (1881)."""

    name: str
    name_en: str | None = None
    # Words that name it in a question about its hours ("hvornår har 1881 åbent?").
    synonyms: list[str] = []
    phone: PhoneFact
    alt_phone: PhoneFact | None = None
    hours: WeeklyHours
    helps_with: list[str] = Field(..., min_items=1)
    helps_with_en: list[str] | None = None
    source: str

    _same_length = validator("helps_with_en", allow_reuse=True)(
        lambda v, values: _as_long_as(v, values, "helps_with")
    )


class DigitalPost(_Model):
    """Digital Post facts and the exemption procedure."""

    mandatory_since: TextFact
    who_must: TextFact
    read_on: list[str] = Field(..., min_items=1)
    read_on_en: list[str] | None = None
    info_link: UrlFact
    # A checked English page for ``info_link`` (English readers; see :func:`english_page`).
    info_link_en: UrlFact | None = None
    age15_link: UrlFact
    age15_link_en: UrlFact | None = None
    mitdk_support_phone: PhoneFact
    exemption_grounds: list[str] = Field(..., min_items=1)
    exemption_grounds_en: list[str] | None = None
    source: str

    _read_on_length = validator("read_on_en", allow_reuse=True)(
        lambda v, values: _as_long_as(v, values, "read_on")
    )
    _grounds_length = validator("exemption_grounds_en", allow_reuse=True)(
        lambda v, values: _as_long_as(v, values, "exemption_grounds")
    )


class Contact(_Model):
    """How to reach the municipality, in channel-strategy order."""

    phone: PhoneFact
    phone_hours: WeeklyHours
    # The phone line as an opening-hours place ("hvornår kan man ringe?"): its name in an
    # answer ("Telefonen har åbent ...") and the words that name it in a question.
    phone_line_name: str = Field(..., min_length=1)
    phone_line_name_en: str | None = Field(None, min_length=1)
    phone_line_synonyms: list[str] = []
    website: UrlFact
    contact_form: UrlFact
    email: EmailFact | None = None
    secure_mail_authorities: EmailFact | None = None
    digital_post_link: UrlFact
    digital_post_link_en: UrlFact | None = None
    social_media_note: TextFact
    mitid_support_phone: PhoneFact | None = None


class ChannelPrices(Fact):
    """KL channel prices per information inquiry, with source and year."""

    year: int = Field(..., ge=2000, le=2100)
    personal_attendance: float = Field(..., ge=0)
    paper_post: float = Field(..., ge=0)
    email: float = Field(..., ge=0)
    telephone: float = Field(..., ge=0)


class ChannelMix(Fact):
    """Shares of how citizens would otherwise have contacted the municipality (sum 1)."""

    telephone: float = Field(..., ge=0, le=1)
    email: float = Field(..., ge=0, le=1)
    personal_attendance: float = Field(..., ge=0, le=1)
    paper_post: float = Field(..., ge=0, le=1)
    none: float = Field(..., ge=0, le=1)

    @root_validator(skip_on_failure=True)
    def _sums_to_one(cls, values: dict) -> dict:
        total = sum(
            values[k] for k in ("telephone", "email", "personal_attendance", "paper_post", "none")
        )
        if abs(total - 1) > 0.001:
            raise ValueError(f"the shares must add up to 1 (they add up to {total:.3f})")
        return values

    def shares(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in OTHERWISE_KEYS}


OTHERWISE_KEYS = ("telephone", "email", "personal_attendance", "paper_post", "none")


class AssistantCost(Fact):
    """What one assistant conversation costs the municipality, in DKK."""

    dkk: float = Field(..., ge=0)


class Statistics(_Model):
    """Assumptions of the savings estimate."""

    assistant_cost_per_conversation: AssistantCost
    default_mix: ChannelMix
    # Below this many "how would you otherwise have contacted us" answers in a period, the
    # default mix is used instead of the answers' own distribution.
    min_answers_for_mix: int = Field(30, ge=1)
    # Share of resolved conversations asked the "otherwise" question (1 = every one).
    otherwise_question_sampling: float = Field(1.0, ge=0, le=1)


class Municipality(_Model):
    id: str
    name: str
    short_name: str


class Profile(_Model):
    """A whole municipality profile."""

    schema_version: Literal[1]
    municipality: Municipality
    sources: dict[str, str]
    contact: Contact
    places: list[Place] = Field(..., min_items=1)
    kontaktcenter_1881: Kontaktcenter1881
    digital_post: DigitalPost
    self_service: list[SelfServiceTask] = Field(..., min_items=1)
    channel_prices: ChannelPrices
    statistics: Statistics

    @validator("sources")
    def _some_sources(cls, v: dict[str, str]) -> dict[str, str]:
        if not v:
            raise ValueError("list at least one source")
        return v

    @validator("places", "self_service")
    def _unique_slug_ids(cls, items: list) -> list:
        seen: set[str] = set()
        for item in items:
            if not _SLUG.match(item.id):
                raise ValueError(f'id "{item.id}" must be lower case letters, digits and _')
            if item.id in seen:
                raise ValueError(f'id "{item.id}" appears twice')
            seen.add(item.id)
        return items

    @root_validator(skip_on_failure=True)
    def _sources_exist(cls, values: dict) -> dict:
        known = set(values.get("sources", {}))
        for path, fact_source in _walk_sources(values):
            if fact_source not in known:
                raise ValueError(f'{path}: source "{fact_source}" is not listed under sources')
        return values

    # -- lookups ---------------------------------------------------------

    def place(self, place_id: str) -> Place:
        return next(p for p in self.places if p.id == place_id)

    def task(self, task_id: str) -> SelfServiceTask:
        return next(t for t in self.self_service if t.id == task_id)

    @property
    def default_place(self) -> Place:
        """The first place listed is the one meant when the citizen names none."""
        return self.places[0]


def _walk_sources(obj: object, path: str = "") -> list[tuple[str, str]]:
    """Every (dotted path, source key) of facts and sourced sections inside ``obj``."""
    found: list[tuple[str, str]] = []
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, BaseModel):
        if "source" in obj.__fields__:
            found.append((path or "profile", obj.source))  # type: ignore[attr-defined]
        items = ((k, getattr(obj, k)) for k in obj.__fields__)
    elif isinstance(obj, list):
        items = ((str(i), v) for i, v in enumerate(obj))
    else:
        return found
    for key, value in items:
        if key == "sources":
            continue
        found.extend(_walk_sources(value, f"{path}.{key}" if path else str(key)))
    return found
