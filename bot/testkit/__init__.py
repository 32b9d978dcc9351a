"""Test-data toolkit shared by the tests and the statistics benchmark (the top layer of ``bot``).

- :mod:`bot.testkit.databases`: a fresh SQLite or PostgreSQL statistics database, dropped after.
- :mod:`bot.testkit.events`: the Rasa events the statistics are fed from, and feeding them
  through the real recorder.
- :mod:`bot.testkit.staff`: a staff user made with the real CLI, logged in through the real form.
- :mod:`bot.testkit.senders`: conversation ids without digits (none can read as a CPR number).
- :mod:`bot.testkit.profile`: "Testrup Kommune", a small synthetic municipality profile.
- :mod:`bot.testkit.fixtures`: the pytest fixtures built on these (a pytest plugin, loaded by
  ``tests/conftest.py``).

Nothing in the assistant itself imports this package.
"""
