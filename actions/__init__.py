"""Thin rasa-sdk actions. Each module is one feature; the logic lives in ``bot``."""
