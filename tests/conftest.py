"""Shared by every test: the test-data toolkit's fixtures (testkit/fixtures.py).

``database_url`` (a fresh SQLite, then PostgreSQL, statistics database), ``sqlite_url`` and
``testrup`` (the synthetic municipality profile). Events, staff logins and databases of other
scopes come from ``testkit`` directly.
"""

pytest_plugins = ["testkit.fixtures"]
