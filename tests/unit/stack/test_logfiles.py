"""Process log files: CPR-redacted lines, rotation by size and by day, pruning by age."""

import io
import os
import time
from datetime import date
from pathlib import Path

from bot.stack.logfiles import DailySizeRotatingHandler, pump, write_line


def handler(path: Path, day: list[date], max_bytes: int = 10_000) -> DailySizeRotatingHandler:
    return DailySizeRotatingHandler(path, max_bytes, max_age_days=14, today=lambda: day[0])


def test_lines_are_redacted(tmp_path: Path) -> None:
    log = handler(tmp_path / "rasa.log", [date(2026, 11, 23)])
    write_line(log, "Received user message 'mit cpr er 230477-8813'")  # synthetic
    log.close()
    text = (tmp_path / "rasa.log").read_text(encoding="utf-8")
    assert "8813" not in text and "[CPR-nummer fjernet]" in text


def test_rotates_by_size(tmp_path: Path) -> None:
    log = handler(tmp_path / "rasa.log", [date(2026, 11, 23)], max_bytes=200)
    for i in range(30):
        write_line(log, f"line {i} " + "x" * 40)
    log.close()
    assert (tmp_path / "rasa.log.1").exists()
    assert (tmp_path / "rasa.log").stat().st_size <= 200


def test_rotates_when_the_day_changes_and_prunes_old_files(tmp_path: Path) -> None:
    day = [date(2026, 11, 23)]
    old = tmp_path / "rasa.log.7"
    old.write_text("from long ago\n", encoding="utf-8")
    month_ago = time.time() - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    log = handler(tmp_path / "rasa.log", day)
    write_line(log, "monday")
    day[0] = date(2026, 11, 24)
    write_line(log, "tuesday")
    log.close()
    assert (tmp_path / "rasa.log.1").read_text(encoding="utf-8") == "monday\n"
    assert (tmp_path / "rasa.log").read_text(encoding="utf-8") == "tuesday\n"
    assert not old.exists()


def test_pump_copies_a_stream_until_it_ends(tmp_path: Path) -> None:
    log = handler(tmp_path / "out.log", [date(2026, 11, 23)])
    stream = io.BytesIO("første linje\n0101901234\nukendt \xff".encode("utf-8", "replace"))
    pump(stream, log).join(timeout=5)
    log.close()
    lines = (tmp_path / "out.log").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "første linje"
    assert lines[1] == "[CPR-nummer fjernet]"
