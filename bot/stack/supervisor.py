"""Start, watch and stop child processes: one :class:`Service` per process, and a
:class:`Supervisor` that starts them in order, restarts one that crashes (with back-off) and
stops them all.

Used by the local stacks (bot.stack.local) and the production topology (bot.stack.topology), so
``python -m bot run``, ``run-production`` and the integration tests run their processes the
same way: the same readiness checks, log pipe and restart policy.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.stack.logfiles import open_log, pump
from bot.stack.paths import Project

STARTUP_TIMEOUT_S = 180.0


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the supervisor dies, even by SIGKILL.

    Children run in their own session (so a Ctrl-C in the terminal reaches only the
    supervisor, which stops them in order); this makes sure none outlives it.
    """
    import ctypes

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


@dataclass
class Service:
    """One child process, the URL that answers when it is ready, and its log file.

    Everything the process prints goes through a pipe into :mod:`bot.stack.logfiles` (CPR-redacted,
    rotated by size and day) when ``log_path`` is set.
    """

    name: str
    command: list[str]
    health_url: str
    log_path: Path | None = None
    # Start the next service only when this one answers (the web app serves the Rasa server's
    # model when the stack has a model server).
    needed_first: bool = False
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    _log: logging.Handler | None = field(default=None, repr=False)

    def start(self, env: dict[str, str], cwd: Path | None = None) -> None:
        piped = self.log_path is not None
        self.process = subprocess.Popen(
            self.command,
            cwd=cwd or Project.current().root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if piped else None,
            stderr=subprocess.STDOUT if piped else None,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        self.started_at = time.monotonic()
        if piped and self.process.stdout is not None:
            if self._log is None:
                self._log = open_log(self.log_path)  # type: ignore[arg-type]
            pump(self.process.stdout, self._log)

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.exited():
                raise RuntimeError(
                    f"{self.name} exited with code {self.process.returncode} during startup"  # type: ignore[union-attr]
                    + (f"; see {self.log_path}" if self.log_path else "")
                )
            if self.answers():
                return
            time.sleep(0.5)
        raise TimeoutError(f"{self.name} did not answer on {self.health_url} in {timeout:.0f} s")

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as resp:  # noqa: S310
                return resp.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def stop(self, timeout: float = 20.0) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass

    def close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


class Supervisor:
    """Starts services in order, restarts one that crashes (with back-off), stops them all.

    :meth:`poll` must be called from the thread that started the services (the main thread):
    a child's parent-death signal is tied to the thread that created it.
    """

    MAX_BACKOFF_S = 60.0
    # A service that ran this long before it crashed starts again after the shortest delay.
    STABLE_AFTER_S = 60.0

    def __init__(
        self,
        services: list[Service],
        env: dict[str, str],
        log: logging.Logger | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.services = services
        self.env = env
        self.log = log or logging.getLogger("bot.supervisor")
        self._clock = clock
        self._crashes: dict[str, int] = {}
        self._restart_at: dict[str, float] = {}
        # What the stack serves, when it has a model server (bot.mlops.serving).
        self.served = ""

    def start_all(self) -> None:
        for service in self.services:
            service.start(self.env)
            if service.needed_first:
                service.wait_ready()
        for service in self.services:
            service.wait_ready()

    def backoff(self, crashes: int) -> float:
        """Seconds to wait before restart number ``crashes`` in a row: 1, 2, 4, ... 60."""
        return min(self.MAX_BACKOFF_S, 2.0 ** (crashes - 1))

    def poll(self) -> None:
        """Notice crashed services and restart each when its back-off has passed."""
        now = self._clock()
        for service in self.services:
            name = service.name
            if name in self._restart_at:
                if now >= self._restart_at[name]:
                    del self._restart_at[name]
                    self.log.warning("Restarting the %s.", name)
                    service.start(self.env)
                continue
            if not service.exited():
                continue
            uptime = now - service.started_at
            crashes = 1 if uptime >= self.STABLE_AFTER_S else self._crashes.get(name, 0) + 1
            self._crashes[name] = crashes
            delay = self.backoff(crashes)
            self._restart_at[name] = now + delay
            self.log.error(
                "The %s exited with code %s after %.0f s; restarting it in %.0f s "
                "(crash %d in a row).",
                name,
                service.process.returncode,  # type: ignore[union-attr]
                uptime,
                delay,
                crashes,
            )

    def stop_all(self) -> None:
        for service in reversed(self.services):
            service.stop()
        for service in self.services:
            service.close_log()
