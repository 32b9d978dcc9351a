"""Thin rasa-sdk actions. One action per answered entry of the topic registry
(``bot/dialogue/topics.yml``), made in :mod:`actions.topics`; the logic lives in ``bot``."""
