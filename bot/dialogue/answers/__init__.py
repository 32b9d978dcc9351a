"""The answer functions, one module per feature.

Each answer function takes the profile and the citizen's :class:`~bot.dialogue.replies.Question`
and returns an :class:`~bot.dialogue.replies.Answer`: response names from ``domain.yml`` plus
the profile values that fill them. The topic registry (``bot/dialogue/topics.yml``) names the
function of each topic. Nothing here needs Rasa, so it is all unit-testable.
"""
