"""The web team's review: the review store (citizens' message text kept for review, with its
own retention), the inbox, annotation and export to training data.

Layer: above :mod:`bot.analytics`, below :mod:`bot.events` (which feeds it), :mod:`bot.mlops`
(model versions, retraining) and :mod:`bot.web` (the web team's pages).

The review store is its own database (``BOT_REVIEW_DB_URL``): the statistics database
deliberately keeps no message text. See docs/privacy.md and docs/retraining.md.
"""
