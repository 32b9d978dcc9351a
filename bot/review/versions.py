"""Model versions: every trained model with its metrics, data fingerprint and promotion
history; the promotion gate; rollback. (Filled in by the model-versions work.)"""

from __future__ import annotations

from bot.review.db import Base  # noqa: F401
