"""``python -m bot inbox / annotate / export-reviewed`` (bot/cli/inbox.py), in-process."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.db.engine import get_engine
from bot.db.stores import REVIEW
from bot.settings import get_settings
from testkit import ROOT
from tests.unit.review.events import Stream
from tests.unit.review.test_inbox import fallback, fill, item_id


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'review.db'}"
    monkeypatch.setenv("BOT_ENV", "test")
    monkeypatch.setenv("BOT_REVIEW_DB_URL", url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    fill(
        url,
        fallback("w-1", "boligstøtte"),
        fallback("w-2", "boligstøtte"),
        fallback("w-3", "ring på 22334455"),
        Stream("w-4").turn("pas", "self_service", 0.5, kind="self_service_link"),
    )
    yield url
    get_engine(REVIEW, url).dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_inbox_lists_groups_with_counts(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inbox", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["total_items"], data["total_groups"]) == (4, 3)
    assert data["counts"]["no_page"] == 3 and data["counts"]["low_confidence"] == 1
    assert (data["items"][0]["text"], data["items"][0]["count"]) == ("boligstøtte", 2)
    code, out, _ = run(capsys, "inbox", "--reason", "low_confidence")
    assert code == 0 and "pas" in out and "boligstøtte" not in out
    code, _, err = run(capsys, "inbox", "--since", "igår")
    assert code == 2 and "since: 'igår' is not a date" in err


def test_annotate_and_its_errors(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    item = item_id(url, "boligstøtte")
    code, _, err = run(capsys, "annotate", "999999", "contact")
    assert code == 2 and err.startswith("Cannot annotate: there is no review item 999999")
    code, _, err = run(capsys, "annotate", str(item), "kontakt")
    assert code == 2 and "unknown intent 'kontakt'" in err and "contact" in err
    code, _, err = run(capsys, "annotate", str(item))
    assert code == 2 and "give an INTENT" in err
    phone = item_id(url, "ring på 22334455")
    code, _, err = run(capsys, "annotate", str(phone), "contact")
    assert code == 2 and "personal data (phone)" in err and "--text" in err
    assert "Traceback" not in err
    code, out, _ = run(capsys, "annotate", str(phone), "contact", "--text", "ring til mig")
    assert code == 0 and "intent contact" in out
    code, out, _ = run(capsys, "annotate", str(item), "self_service", "--by", "anna")
    assert code == 0 and "by anna (2 items" in out
    code, out, _ = run(capsys, "annotate", str(item_id(url, "pas")), "--discard")
    assert code == 0 and "discarded" in out

    project = tmp_path / "project"
    shutil.copytree(ROOT / "data" / "nlu", project / "data" / "nlu")
    shutil.copy(ROOT / "domain.yml", project / "domain.yml")
    (project / "data" / "nlu" / "reviewed.yml").unlink(missing_ok=True)
    code, out, _ = run(capsys, "export-reviewed", "--root", str(project), "--json")
    assert code == 0
    assert json.loads(out)["by_intent"] == {"contact": 1, "self_service": 1}
    assert "ring til mig" in (project / "data" / "nlu" / "reviewed.yml").read_text("utf-8")
    code, _, err = run(capsys, "export-reviewed", "--root", str(tmp_path / "nowhere"))
    assert code == 2 and "Cannot export:" in err and "domain.yml" in err
