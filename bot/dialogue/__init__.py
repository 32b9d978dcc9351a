"""Dialogue: the topic registry, the answers, and the guarded citizen channel.

Imports ``bot.knowledge`` and ``bot.settings``; never analytics, web or ops.
"""
