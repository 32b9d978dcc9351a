"""The real supervisor (`python -m bot run`) in a subprocess, for fault and stop tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bot.stack.paths import base_env
from bot.stack.ports import free_port, port_in_use
from testkit import ROOT
from tests.integration.conftest import FROZEN_NOW, new_sender

STARTUP_S = 240


@dataclass
class SupervisedStack:
    """`python -m bot run --state-dir DIR` on free ports; its output goes to DIR/supervisor.out."""

    state: Path
    env: dict[str, str] = field(default_factory=dict)
    ports: tuple[int, int, int] = field(
        default_factory=lambda: (free_port(), free_port(), free_port())
    )
    process: subprocess.Popen | None = None

    @property
    def rest_url(self) -> str:
        return f"http://localhost:{self.ports[0]}/webhooks/rest/webhook"

    @property
    def output(self) -> Path:
        return self.state / "supervisor.out"

    def start(self) -> SupervisedStack:
        self.state.mkdir(parents=True, exist_ok=True)
        env = base_env(
            {"BOT_ENV": "test", "BOT_NOW": FROZEN_NOW, "BOT_PROFILE": "taarnby", **self.env}
        )
        rasa, actions, web = self.ports
        with open(self.output, "ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot",
                    "run",
                    "--state-dir",
                    str(self.state),
                    "--port",
                    str(rasa),
                    "--action-port",
                    str(actions),
                    "--web-port",
                    str(web),
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output.read_text(errors="replace")
            if "The assistant is running" in self.output.read_text(errors="replace"):
                return self
            time.sleep(1)
        raise TimeoutError(self.output.read_text(errors="replace"))

    def post(self, message: str, sender: str | None = None) -> tuple[requests.Response, float]:
        started = time.monotonic()
        response = requests.post(
            self.rest_url, json={"sender": sender or new_sender(), "message": message}, timeout=30
        )
        return response, time.monotonic() - started

    def children(self) -> dict[str, int]:
        """The supervisor's child processes by role (rasa, actions, web) -> pid."""
        assert self.process is not None
        found = {}
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                stat = (proc / "stat").read_text()
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) != self.process.pid:
                continue
            role = (
                "actions"
                if " bot.stack.action_server" in cmdline
                else "web"
                if " bot.web.server" in cmdline
                else "rasa"
                if " run " in cmdline
                else cmdline
            )
            found[role] = int(proc.name)
        return found

    def ports_free(self) -> bool:
        return not any(port_in_use(p) for p in self.ports)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        os.kill(self.process.pid, sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until(condition, timeout: float, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
