"""Borger-assistent: a Danish citizen assistant for municipalities, built on Rasa."""

__version__ = "0.1.0"

from bot import legacy_paths as _legacy_paths

_legacy_paths.install()
