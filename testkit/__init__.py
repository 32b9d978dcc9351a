"""Test-data toolkit shared by the tests and the statistics benchmark (the top layer of ``bot``).

- :mod:`testkit.databases`: a fresh SQLite or PostgreSQL statistics database, dropped after.
- :mod:`testkit.events`: the Rasa events the statistics are fed from, and feeding them
  through the real recorder.
- :mod:`testkit.staff`: a staff user made with the real CLI, logged in through the real form.
- :mod:`testkit.senders`: conversation ids without digits (none can read as a CPR number).
- :mod:`testkit.profile`: "Testrup Kommune", a small synthetic municipality profile.
- :mod:`testkit.fixtures`: the pytest fixtures built on these (a pytest plugin, loaded by
  ``tests/conftest.py``).

Nothing in the assistant itself imports this package.
"""

from pathlib import Path

# The checkout the tests run in (the package itself never computes it: bot.stack.paths).
ROOT = Path(__file__).resolve().parents[1]

