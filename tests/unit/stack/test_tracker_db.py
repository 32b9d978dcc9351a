"""Which tracker stores the startup check accepts, and what it says about the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.stack.endpoints import TRACKER_STORE
from bot.stack.tracker_db import TrackerStoreConfigError, check_tracker_store, tracker_store_url


def endpoints(tmp_path: Path, store_type: str) -> Path:
    path = tmp_path / "endpoints.yml"
    path.write_text(
        f"tracker_store:\n  type: {store_type}\n  dialect: sqlite\n  db: {tmp_path / 't.db'}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("store_type", ["SQL", "sql", TRACKER_STORE])
def test_rasas_sql_store_and_the_cached_one_are_accepted(tmp_path: Path, store_type: str) -> None:
    path = endpoints(tmp_path, store_type)
    assert tracker_store_url(path) == f"sqlite:///{tmp_path / 't.db'}"
    assert check_tracker_store(path).endswith("t.db")


@pytest.mark.parametrize("store_type", ["redis", "bot.rasa_server.tracker_store.NoSuchStore"])
def test_another_type_is_refused_naming_file_and_field(tmp_path: Path, store_type: str) -> None:
    path = endpoints(tmp_path, store_type)
    with pytest.raises(TrackerStoreConfigError) as raised:
        tracker_store_url(path)
    message = str(raised.value)
    assert str(path) in message and "tracker_store.type" in message and store_type in message
