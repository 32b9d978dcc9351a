"""Rasa NLU component: a ``language`` entity ("da"/"en") from bot.knowledge.language.

Add it to config.yml's pipeline after the intent classifier (``name:
bot.rasa_server.nlu_language.LanguageDetector``). For each message whose language the detector
can tell, it appends ``{"entity": "language", "value": "da"|"en", "start": 0, "end":
len(text), "extractor": "LanguageDetector", "confidence": ...}``. An unclear message ("ok",
"1881", "MitID") gets no entity, so the ``language`` slot (filled from this entity) keeps the
conversation's language; a mixed Danish/English message gets "da".

Messages that arrive as payloads (``/feedback{...}``: intent and entities given by the client)
get no entity: they carry no language. Not trainable: the detector is a library, created on
first use and cached; :meth:`LanguageDetector.create` warms it so the first citizen does not
wait for it.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.knowledge.language import language_confidence

ENTITY = "language"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(GraphComponent, EntityExtractorMixin):
    """Adds a ``language`` entity to messages whose language is clear."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"entity": ENTITY}

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = {**self.get_default_config(), **config}
        self.entity = str(self._config["entity"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        component = cls(config)
        # Load the language models and the English word table now, not mid-chat.
        language_confidence("hvornår åbner i")
        language_confidence("when are you open")
        return component

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training data is left alone: the entity is never annotated there."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entity = self._entity(message)
            if entity is None:
                continue
            message.set(
                ENTITIES,
                [*message.get(ENTITIES, []), *self.add_extractor_name([entity])],
                add_to_output=True,
            )
        return messages

    def _entity(self, message: Message) -> dict[str, Any] | None:
        text = message.get(TEXT)
        if not isinstance(text, str) or not text.strip():
            return None
        if text.lstrip().startswith(INTENT_MESSAGE_PREFIX):
            return None  # a payload: "/feedback{...}"
        language, confidence = language_confidence(text)
        if language is None:
            return None
        return {
            "entity": self.entity,
            "value": language,
            "start": 0,
            "end": len(text),
            "confidence": confidence,
        }
