"""Log files of the assistant's processes: CPR-redacted, rotated by size and by day, pruned by age
(and deleted by the retention purge, :func:`purge_logs`).

The supervisor (:mod:`bot.stack.supervisor`) reads everything a server process writes to stdout and
stderr through a pipe and writes it here, line by line. This is the second line of defence
behind the log-record redaction inside each process: it also covers what bypasses logging
(``print``, tracebacks printed by the interpreter, native libraries).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import IO

from bot.dialogue.cpr import redact_cpr
from bot.settings import TIMEZONE

# Rotated files kept at most, whatever their age (bounds the disk a chatty process can fill).
MAX_BACKUPS = 50


def _today() -> date:
    return datetime.now(TIMEZONE).date()


class DailySizeRotatingHandler(RotatingFileHandler):
    """A :class:`RotatingFileHandler` that also rotates when the day changes, and deletes
    rotated files older than ``max_age_days`` whenever it rotates."""

    def __init__(
        self,
        path: Path,
        max_bytes: int,
        max_age_days: int,
        today: Callable[[], date] = _today,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(
            path, maxBytes=max_bytes, backupCount=MAX_BACKUPS, encoding="utf-8", delay=True
        )
        self.max_age_days = max_age_days
        self._today = today
        self._day = (
            datetime.fromtimestamp(path.stat().st_mtime, TIMEZONE).date()
            if path.exists()
            else today()
        )

    def shouldRollover(self, record: logging.LogRecord) -> int:
        if self._today() != self._day and Path(self.baseFilename).exists():
            return 1
        return super().shouldRollover(record)

    def doRollover(self) -> None:
        super().doRollover()
        self._day = self._today()
        self.prune()

    def prune(self) -> int:
        """Delete rotated files older than ``max_age_days``; return how many."""
        cutoff = time.time() - self.max_age_days * 86400
        base = Path(self.baseFilename)
        removed = 0
        for old in base.parent.glob(base.name + ".*"):
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
                removed += 1
        return removed


def open_log(path: Path) -> DailySizeRotatingHandler:
    """The handler for one process's log file, with the size and age from the settings."""
    from bot.settings import get_settings

    settings = get_settings()
    handler = DailySizeRotatingHandler(path, settings.log_max_bytes, settings.retention_log_days)
    handler.setFormatter(logging.Formatter("%(message)s"))
    return handler


def write_line(handler: logging.Handler, line: str) -> None:
    """Write one line, CPR numbers redacted."""
    record = logging.LogRecord("output", logging.INFO, "", 0, redact_cpr(line)[0], None, None)
    handler.handle(record)


def pump(stream: IO[bytes], handler: logging.Handler) -> threading.Thread:
    """Copy ``stream`` line by line into ``handler`` in a daemon thread until EOF."""

    def copy() -> None:
        with stream:
            for raw in iter(stream.readline, b""):
                write_line(handler, raw.decode("utf-8", errors="replace").rstrip("\r\n"))

    thread = threading.Thread(target=copy, name=f"log-pump-{id(stream)}", daemon=True)
    thread.start()
    return thread


def run_logged(command: list[str], path: Path, env: dict[str, str] | None = None) -> int:
    """Run ``command`` with its stdout and stderr (and its children's) through the log pipe into
    ``path``: CPR numbers redacted, rotated and pruned like every other log file (the retrain
    log, ``var/logs/retrain-<id>.log``). Returns its exit code; SIGTERM and SIGINT are passed on.
    """
    import signal
    import subprocess

    handler = open_log(path)
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env
    )

    def forward(signum: int, _: object) -> None:
        if process.poll() is None:
            process.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        assert process.stdout is not None
        copier = pump(process.stdout, handler)
        code = process.wait()
        copier.join(timeout=30)
    finally:
        for signum, handler_before in previous.items():
            signal.signal(signum, handler_before)
        handler.close()
    return code


def purge_logs(
    log_dir: Path, cutoff: datetime, *, dry_run: bool, prefix: str = ""
) -> tuple[int, int]:
    """Delete (or with ``dry_run`` count) the files in ``log_dir`` whose names start with
    ``prefix``, rotated ones included, last modified before ``cutoff``: a file written to within
    the period stays. Returns the number of files and their bytes; OSError when one cannot go."""
    files = size = 0
    if not log_dir.is_dir():
        return files, size
    for path in sorted(log_dir.iterdir()):
        if path.is_symlink() or not path.is_file() or not path.name.startswith(prefix):
            continue
        stat = path.stat()
        if stat.st_mtime >= cutoff.timestamp():
            continue
        files += 1
        size += stat.st_size
        if not dry_run:
            path.unlink(missing_ok=True)
    return files, size
