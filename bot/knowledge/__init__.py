"""Knowledge: the municipality profile and what can be computed from it (hours, days, links).

The bottom layer: imports only ``bot.settings`` and libraries.
"""
