"""The topic registry: one declaration per thing the assistant can be asked (``topics.yml``).

Everything that used to repeat a topic reads it from here: the actions (``actions/topics.py``
makes one action per entry with an answer), the training rules (intent -> action), the help
menu's buttons, the outcome each turn reports to the statistics, the staff labels, the meta
intents, and the statistics benchmark. An invalid registry raises :class:`TopicError`, whose
message names the file and the field.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Extra, Field, root_validator, validator

from bot.dialogue.outcome import Kind, Outcome
from bot.dialogue.replies import Answer, Question
from bot.knowledge.profile_model import Profile
from bot.knowledge.yamlfile import load_model

REGISTRY_FILE = Path(__file__).parent / "topics.yml"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_ANSWER = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")

AnswerFunction = Callable[[Profile, Question], Answer]
FollowUpField = Literal["place", "day", "period", "task", "aspect"]


class TopicError(Exception):
    """The topic registry is missing or invalid; the message names the file and the field."""


class Topic(BaseModel):
    """One registry entry: how it is asked, who answers it, and how the statistics count it."""

    id: str
    topic: str
    intents: tuple[str, ...] = ()
    action: str | None = None
    answer: str | None = None
    kind: Kind
    area: str = Field(..., min_length=1, max_length=64)
    label: str = Field(..., min_length=1, max_length=80)
    button: str | None = Field(None, min_length=1, max_length=40)
    button_en: str | None = Field(None, min_length=1, max_length=40)
    follow_ups: tuple[FollowUpField, ...] = ()
    aspects: tuple[str, ...] = ()

    class Config:
        extra = Extra.forbid
        allow_mutation = False
        keep_untouched = (cached_property,)

    @validator("id", "topic")
    def _slug(cls, v: str) -> str:
        if not _NAME.fullmatch(v) or len(v) > 48:
            raise ValueError("must be lower-case letters, digits and _ (at most 48)")
        return v

    @validator("intents", each_item=True)
    def _intent(cls, v: str) -> str:
        if not _NAME.fullmatch(v):
            raise ValueError("an intent name is lower-case letters, digits and _")
        return v

    @validator("action")
    def _action(cls, v: str | None) -> str | None:
        if v is not None and not (v.startswith("action_") and _NAME.fullmatch(v)):
            raise ValueError("must be a custom action name starting with action_")
        return v

    @validator("aspects", each_item=True)
    def _aspect(cls, v: str) -> str:
        if not _NAME.fullmatch(v):
            raise ValueError("an aspect is lower-case letters, digits and _")
        return v

    @validator("answer")
    def _answer(cls, v: str | None) -> str | None:
        if v is not None and not _ANSWER.fullmatch(v):
            raise ValueError('must be "package.module:function"')
        return v

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values: dict[str, Any]) -> dict[str, Any]:
        if values.get("action") and not values.get("answer"):
            raise ValueError("an entry with an action needs an answer function")
        if values.get("action") and not values.get("intents"):
            raise ValueError("an entry with an action needs at least one intent")
        if values.get("button") and not values.get("action"):
            raise ValueError("a help button needs an action to answer it")
        if bool(values.get("button")) != bool(values.get("button_en")):
            raise ValueError("a help button needs its title in both languages (button_en)")
        if bool(values.get("aspects")) != ("aspect" in values.get("follow_ups", ())):
            raise ValueError("follow_ups names aspect exactly when aspects lists its values")
        return values

    def takes(self, named: frozenset[str], aspects: frozenset[str] = frozenset()) -> bool:
        """Whether a follow-up naming ``named`` (and these aspect values) is this entry's."""
        return named <= set(self.follow_ups) and aspects <= set(self.aspects)

    def answer_function(self) -> AnswerFunction:
        """The answer function, imported when first needed."""
        if self.answer is None:
            raise TopicError(f"Topic {self.id} has no answer function")
        module_name, function_name = self.answer.split(":")
        function = getattr(importlib.import_module(module_name), function_name, None)
        if not callable(function):
            raise TopicError(f"Topic {self.id}: answer {self.answer} is not a function")
        return function  # type: ignore[no-any-return]

    def ask(self, profile: Profile, question: Question) -> Answer:
        """This entry's answer to ``question``."""
        return self.answer_function()(profile, question)

    def outcome(self, answer: Answer) -> Outcome:
        """What answering did: the registry's declaration, refined by the answer."""
        return Outcome(
            topic=answer.topic or self.topic,
            kind=answer.kind or self.kind,
            area=answer.area or self.area,
            links=answer.links,
        )


class IntentText(BaseModel):
    """An intent as the web team reads it in the inbox: a Danish label and one line about it."""

    label: str = Field(..., min_length=1, max_length=60)
    description: str = Field(..., min_length=1, max_length=160)

    class Config:
        extra = Extra.forbid
        allow_mutation = False


class TopicRegistry(BaseModel):
    """All entries of the registry file, looked up by id, action, intent and topic."""

    topics: tuple[Topic, ...]
    # Every intent, also those without an entry of their own (nlu_fallback), by its name.
    intents: dict[str, IntentText] = {}

    class Config:
        extra = Extra.forbid
        allow_mutation = False
        keep_untouched = (cached_property,)

    @root_validator(skip_on_failure=True)
    def _unique(cls, values: dict[str, Any]) -> dict[str, Any]:
        topics: tuple[Topic, ...] = values["topics"]
        _no_repeats("id", [t.id for t in topics])
        _no_repeats("action", [t.action for t in topics if t.action])
        _no_repeats("intents", [i for t in topics for i in t.intents])
        labels: dict[str, str] = {}
        for t in topics:
            if labels.setdefault(t.topic, t.label) != t.label:
                raise ValueError(
                    f"entries of topic {t.topic} have different labels: "
                    f"{labels[t.topic]!r} and {t.label!r}"
                )
        return values

    @cached_property
    def _by_id(self) -> dict[str, Topic]:
        return {t.id: t for t in self.topics}

    @cached_property
    def _by_intent(self) -> dict[str, Topic]:
        return {i: t for t in self.topics for i in t.intents}

    @cached_property
    def _labels(self) -> dict[str, str]:
        return {t.topic: t.label for t in self.topics}

    def get(self, entry_id: str) -> Topic:
        try:
            return self._by_id[entry_id]
        except KeyError:
            raise TopicError(f"{REGISTRY_FILE.name} has no entry {entry_id!r}") from None

    def for_intent(self, intent: str | None) -> Topic | None:
        return self._by_intent.get(intent or "")

    def follow_up_entry(
        self, latest: str | None, named: frozenset[str], aspects: frozenset[str] = frozenset()
    ) -> Topic | None:
        """The entry that answers a follow-up naming ``named`` after entry ``latest``.

        The latest entry keeps it if it takes everything named; otherwise the first entry
        (in registry order) that takes it all. An aspect ("og hvis man er 15?", "kan min datter
        gøre det?") only stays within the latest entry's topic: after "hvor læser jeg Digital
        Post?" the age question goes to the Digital Post entry that answers it, after opening
        hours to none. None when no entry fits (or nothing is named and there is no latest
        entry).
        """
        current = self._by_id.get(latest or "")
        if current is not None and current.takes(named, aspects):
            return current
        if not named:
            return None
        candidates = self.topics
        if "aspect" in named:
            if current is None:
                return None
            candidates = [t for t in self.topics if t.topic == current.topic]
        return next((t for t in candidates if t.takes(named, aspects)), None)

    @cached_property
    def aspects(self) -> frozenset[str]:
        """Every aspect value some entry answers (the entity ``aspect``'s meaningful values)."""
        return frozenset(a for t in self.topics for a in t.aspects)

    def answered(self) -> list[Topic]:
        """Entries answered by a custom action, in registry order."""
        return [t for t in self.topics if t.action]

    @cached_property
    def _intents_by_kind(self) -> dict[Kind, frozenset[str]]:
        return {
            kind: frozenset(i for t in self.topics if t.kind is kind for i in t.intents)
            for kind in Kind
        }

    def intents_of(self, kind: Kind) -> frozenset[str]:
        """The intents of every entry of ``kind`` (e.g. the meta intents, the misses).

        Computed once per registry: the recorder asks for every citizen message.
        """
        return self._intents_by_kind[kind]

    def help_buttons(self, language: str = "da") -> list[dict[str, str]]:
        """The help menu: one button per entry with a title, asking its first intent."""
        return [
            {
                "title": str(t.button_en if language == "en" else t.button),
                "payload": f"/{t.intents[0]}",
            }
            for t in self.topics
            if t.button
        ]

    def intent_text(self, intent: str) -> IntentText | None:
        """The Danish label and description of ``intent`` (None when the registry has none)."""
        return self.intents.get(intent)

    def intent_label(self, intent: str) -> str:
        """An intent as the web team reads it: its Danish label (the name itself if the
        registry has none)."""
        text = self.intent_text(intent)
        return text.label if text is not None else intent

    def label(self, topic: str) -> str:
        """A topic id as staff read it (the id itself if the registry does not know it)."""
        return self._labels.get(topic, topic)

    def rules(self) -> dict[str, Any]:
        """Rasa training data with one rule per intent of every answered entry."""
        return {
            "version": "3.1",
            "rules": [
                {
                    "rule": f"{t.id}: {intent} -> {t.action}",
                    "steps": [{"intent": intent}, {"action": t.action}],
                }
                for t in self.answered()
                for intent in t.intents
            ],
        }

    def problems_with_domain(self, domain: Mapping[str, Any], domain_file: str) -> list[str]:
        """What in the domain does not match the registry, each naming file and field."""
        problems = []
        intents = {_name(i) for i in domain.get("intents") or []}
        actions = set(domain.get("actions") or [])
        for n, t in enumerate(self.topics):
            where = f"{REGISTRY_FILE.name}: topics[{n}] ({t.id})"
            for intent in t.intents:
                # nlu_fallback is Rasa's own intent, never declared in a domain.
                if intent not in intents and intent != "nlu_fallback":
                    problems.append(f"{where}: intent {intent} is not in {domain_file} (intents)")
            if t.action and t.action not in actions:
                problems.append(f"{where}: action {t.action} is not in {domain_file} (actions)")
            if t.answer:
                try:
                    t.answer_function()
                except (ImportError, TopicError) as exc:
                    problems.append(f"{where}: answer {t.answer} cannot be imported ({exc})")
        declared = {t.action for t in self.topics if t.action}
        for action in sorted(a for a in actions if a.startswith("action_") and a not in declared):
            problems.append(f"{domain_file}: actions: {action} has no entry in {REGISTRY_FILE}")
        return problems


def _name(intent: object) -> str:
    return next(iter(intent)) if isinstance(intent, dict) else str(intent)


def _no_repeats(field: str, values: list[str]) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"{field} {v!r} is declared twice")
        seen.add(v)


def load_registry(path: Path = REGISTRY_FILE) -> TopicRegistry:
    """Read and validate a registry file; raise TopicError naming the file and the field."""
    return load_model(path, TopicRegistry, "topic registry", TopicError)


@lru_cache(maxsize=1)
def get_registry() -> TopicRegistry:
    """The registry of this installation (read once per process)."""
    return load_registry()
