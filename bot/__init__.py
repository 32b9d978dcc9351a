"""Borger-assistent: a Danish citizen assistant for municipalities, built on Rasa."""

__version__ = "0.1.0"
