"""Both stores' schemas come from their Alembic revisions and match what the code declares.

For each store, on SQLite and PostgreSQL: an empty database upgraded to head has every table
and column declared on the store's base (``compare_metadata``) and exactly the schema
``create_all`` makes from the models (columns, keys, indexes with their conditions,
constraints). The review store's baseline adopts a database ``create_all`` made before it had
revisions and refuses a half-made one; the two stores can share a database; ``alembic -n
review`` works from the repository root; and alembic.ini names every module that declares a
store's tables (``--autogenerate`` imports them).
"""

from __future__ import annotations

import ast
import configparser
import subprocess
import sys
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.db.engine import get_engine, session_scope
from bot.db.migrate import MigrationError, current_revision, downgrade, head_revision, upgrade
from bot.db.stores import REVIEW, STATISTICS, STORES, Store
from bot.stack.paths import base_env
from testkit import ROOT
from testkit.databases import fresh_database

ALEMBIC = Path(sys.executable).parent / "alembic"
STORE_IDS = [store.name for store in STORES]


def table_modules(store: Store) -> list[str]:
    """The modules alembic.ini names for ``store`` (its section's ``table_modules``)."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(ROOT / "alembic.ini", encoding="utf-8")
    section = "alembic" if store is STATISTICS else store.name
    return ini[section]["table_modules"].split()


def declaring_modules(base_name: str) -> set[str]:
    """Every module under bot/ with a class on ``base_name`` (read from the source)."""
    found = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id == base_name for b in node.bases
            ):
                parts = path.relative_to(ROOT).with_suffix("").parts
                found.add(".".join(parts))
    return found


def declared_metadata(store: Store) -> sa.MetaData:
    for module in table_modules(store):
        import_module(module)
    return store.base.metadata


@pytest.mark.parametrize("store", STORES, ids=STORE_IDS)
def test_alembic_ini_names_every_module_that_declares_tables(store: Store) -> None:
    base_name = {STATISTICS: "StatisticsBase", REVIEW: "ReviewBase"}[store]
    assert set(table_modules(store)) == declaring_modules(base_name)


def test_the_review_store_declares_the_ten_tables_of_its_baseline() -> None:
    assert set(declared_metadata(REVIEW).tables) == {
        "review_conversations",
        "review_messages",
        "review_items",
        "review_tags",
        "model_versions",
        "model_promotions",
        "retrain_jobs",
        "shadow_runs",
        "shadow_disagreements",
        "shadow_answers",
    }
    staff = {"staff_users", "revoked_sessions", "login_failures", "staff_reads"}
    assert staff <= set(declared_metadata(STATISTICS).tables)  # bot.web.auth_models


def schema(url: str, store: Store) -> dict[str, Any]:
    """Everything about the store's tables the database reports (not the version table)."""
    engine = sa.create_engine(url)
    inspector = sa.inspect(engine)
    tables: dict[str, Any] = {}
    for name in sorted(set(inspector.get_table_names()) - {store.version_table}):
        tables[name] = {
            "columns": sorted(  # in any order: revisions add columns at the end
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in inspector.get_columns(name)
            ),
            "primary key": inspector.get_pk_constraint(name)["constrained_columns"],
            "foreign keys": sorted(
                (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    fk["options"].get("ondelete"),
                )
                for fk in inspector.get_foreign_keys(name)
            ),
            "unique": sorted(
                (u["name"] or "", tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(name)
            ),
            "checks": sorted(
                (c["name"] or "", " ".join(c["sqltext"].split()))
                for c in inspector.get_check_constraints(name)
            ),
        }
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        else:
            query = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        indexes = dict(connection.execute(sa.text(query)).all())
    engine.dispose()
    tables["(indexes)"] = {n: d for n, d in indexes.items() if store.version_table not in d}
    return tables


@pytest.fixture
def second_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Another fresh database of the same kind as ``database_url``."""
    kind = sa.engine.make_url(database_url).get_backend_name()
    directory = tmp_path / "second"
    directory.mkdir()
    with fresh_database(kind, directory) as url:
        yield url


@pytest.mark.parametrize("store", STORES, ids=STORE_IDS)
def test_a_new_database_at_head_is_exactly_what_the_store_declares(
    store: Store, database_url: str, second_url: str
) -> None:
    metadata = declared_metadata(store)
    assert upgrade(store, database_url) == (None, head_revision(store))
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "version_table": store.version_table},
        )
        assert compare_metadata(context, metadata) == []
        tables = set(sa.inspect(connection).get_table_names())
    engine.dispose()
    assert tables == set(metadata.tables) | {store.version_table}

    made = sa.create_engine(second_url)
    metadata.create_all(made)
    made.dispose()
    assert schema(database_url, store) == schema(second_url, store)


def review_tables_made_by_create_all(url: str) -> None:
    """A review store as the code before its revisions left it (with one model version)."""
    from bot.mlops.versions import ModelVersion

    engine = sa.create_engine(url)
    declared_metadata(REVIEW).create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(ModelVersion.__table__).values(
                file_name="model-1.tar.gz",
                created_at=sa.func.now(),
                created_by="system",
                data_fingerprint="abc",
                status="in_service",
            )
        )
    engine.dispose()


def test_a_review_store_from_before_its_revisions_is_adopted_at_the_baseline(
    database_url: str,
) -> None:
    from bot.mlops.versions import ModelVersion

    review_tables_made_by_create_all(database_url)
    assert current_revision(REVIEW, database_url) is None
    assert upgrade(REVIEW, database_url) == (None, head_revision(REVIEW))
    get_engine.cache_clear()
    with session_scope(REVIEW, database_url) as session:
        assert session.scalars(sa.select(ModelVersion.file_name)).all() == ["model-1.tar.gz"]
    get_engine(REVIEW, database_url).dispose()
    get_engine.cache_clear()


def test_a_half_made_review_store_is_refused_with_the_missing_tables(database_url: str) -> None:
    review_tables_made_by_create_all(database_url)
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE shadow_answers"))
        connection.execute(sa.text("DROP TABLE review_tags"))
    engine.dispose()
    shown = sa.engine.make_url(database_url).render_as_string(hide_password=True)
    with pytest.raises(MigrationError) as refused:
        upgrade(REVIEW, database_url)
    message = str(refused.value)
    assert f"review store {shown}" in message
    assert "review_tags, shadow_answers missing" in message
    assert current_revision(REVIEW, database_url) is None  # nothing recorded
    engine = sa.create_engine(database_url)
    assert "review_tags" not in sa.inspect(engine).get_table_names()  # nothing made either
    engine.dispose()


def test_both_stores_share_a_database_each_with_its_own_revision(database_url: str) -> None:
    assert upgrade(STATISTICS, database_url) == (None, head_revision(STATISTICS))
    assert upgrade(REVIEW, database_url) == (None, head_revision(REVIEW))
    assert current_revision(STATISTICS, database_url) == head_revision(STATISTICS)
    assert downgrade(REVIEW, database_url, "base") == (head_revision(REVIEW), None)
    engine = sa.create_engine(database_url)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert tables == set(declared_metadata(STATISTICS).tables) | {
        STATISTICS.version_table,
        REVIEW.version_table,
    }
    assert current_revision(STATISTICS, database_url) == head_revision(STATISTICS)


def test_the_alembic_command_upgrades_the_review_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'review.db'}"
    env = base_env({"BOT_REVIEW_DB_URL": url})
    done = subprocess.run(
        [str(ALEMBIC), "-n", "review", "upgrade", "head"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Running upgrade  -> 0001_baseline" in done.stderr
    assert current_revision(REVIEW, url) == head_revision(REVIEW)
    assert current_revision(STATISTICS, url) is None  # the statistics history is untouched
