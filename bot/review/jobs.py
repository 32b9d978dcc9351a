"""Retraining jobs and their progress, read by the web team's page while a model trains.
(Filled in by the retraining work.)"""

from __future__ import annotations

from bot.review.db import Base  # noqa: F401
