"""Shared by every test: the test-data toolkit's fixtures (bot/testkit/fixtures.py).

``database_url`` (a fresh SQLite, then PostgreSQL, statistics database), ``sqlite_url`` and
``testrup`` (the synthetic municipality profile). Events, staff logins and databases of other
scopes come from ``bot.testkit`` directly.
"""

pytest_plugins = ["bot.testkit.fixtures"]
