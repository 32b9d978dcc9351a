"""The toolkit's pytest fixtures (a pytest plugin: ``tests/conftest.py`` loads it).

``database_url`` is the one fresh-database fixture: every test that takes it runs once on SQLite
and once on PostgreSQL (skipped when the server does not answer), each time on a new, empty
database that is dropped afterwards. Fixtures of wider scope use :func:`database_params` and
:func:`testkit.databases.fresh_database` themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.db.engine import get_engine
from bot.knowledge.profile_model import Profile
from testkit.databases import DATABASE_KINDS, PG_ADMIN_URL, fresh_database, postgres_available
from testkit.profile import synthetic_profile


def database_params() -> list[Any]:
    """``DATABASE_KINDS`` as pytest parameters, PostgreSQL skipped when it is unreachable."""
    reachable = postgres_available()
    return [
        pytest.param(
            kind,
            id=kind,
            marks=pytest.mark.skipif(
                kind == "postgresql" and not reachable,
                reason=f"PostgreSQL is not reachable at {PG_ADMIN_URL}",
            ),
        )
        for kind in DATABASE_KINDS
    ]


@pytest.fixture(params=database_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty statistics database: SQLite, then PostgreSQL."""
    get_engine.cache_clear()
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty SQLite statistics database (for tests of one backend only)."""
    get_engine.cache_clear()
    with fresh_database("sqlite", tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def testrup() -> Profile:
    """The synthetic municipality profile ("Testrup Kommune")."""
    return synthetic_profile()


@pytest.fixture
def review_url(database_url: str) -> Iterator[str]:
    """A new, empty review store on each database kind (tables made on first use)."""
    from bot.db.engine import get_engine
    from bot.db.stores import REVIEW

    get_engine.cache_clear()
    get_engine(REVIEW, database_url)
    yield database_url
    get_engine(REVIEW, database_url).dispose()
    get_engine.cache_clear()
