"""Tables of the review store's text: conversations kept for review, their messages (CPR
already removed), review items and conversation tags. (Filled in by the inbox work.)"""

from __future__ import annotations

from bot.review.db import Base  # noqa: F401
