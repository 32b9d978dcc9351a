"""The web team's retraining loop: the review store (citizens' message text kept for review,
with its own retention), the inbox, annotation and export to training data, and the model
versions with their metrics, promotion gate and rollback.

Layer: above :mod:`bot.analytics` (it reuses its time type and reads staff users), below
:mod:`bot.web` (the web team's pages) and :mod:`bot.ops` (training and the CLI).

The review store is its own database (``BOT_REVIEW_DB_URL``): the statistics database
deliberately keeps no message text. See docs/privacy.md and docs/retraining.md.
"""
