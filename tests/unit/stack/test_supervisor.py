"""The supervisor's restart policy (pure logic: fake services, injected clock)."""

from __future__ import annotations

import logging

import pytest

from bot.stack.supervisor import Supervisor


class FakeService:
    def __init__(self, name: str) -> None:
        self.name = name
        self.started_at = 0.0
        self.starts = 0
        self.dead = False
        self.process = type("P", (), {"returncode": -9})()

    def exited(self) -> bool:
        return self.dead

    def start(self, env: dict[str, str]) -> None:
        self.starts += 1
        self.dead = False


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_backoff_doubles_up_to_a_minute() -> None:
    supervisor = Supervisor([], {})
    assert [supervisor.backoff(n) for n in (1, 2, 3, 4, 7, 20)] == [1, 2, 4, 8, 60, 60]


def test_a_crashed_service_is_restarted_after_its_backoff_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    service = FakeService("action server")
    supervisor = Supervisor([service], {}, clock=clock)  # type: ignore[list-item]
    clock.now = 5.0
    service.dead = True
    with caplog.at_level(logging.ERROR):
        supervisor.poll()
    assert "restarting it in 1 s (crash 1 in a row)" in caplog.text
    assert service.starts == 0
    clock.now = 6.0
    supervisor.poll()
    assert service.starts == 1
    # It crashes again at once: twice the wait.
    service.started_at, service.dead = 6.0, True
    supervisor.poll()
    clock.now = 7.5
    supervisor.poll()
    assert service.starts == 1
    clock.now = 8.0
    supervisor.poll()
    assert service.starts == 2


def test_a_service_that_ran_a_while_starts_again_quickly() -> None:
    clock = Clock()
    service = FakeService("web app")
    supervisor = Supervisor([service], {}, clock=clock)  # type: ignore[list-item]
    for crash in range(5):  # crash loop: back-off grows
        service.started_at, service.dead = clock.now, True
        supervisor.poll()
        clock.now += supervisor.backoff(crash + 1)
        supervisor.poll()
    service.started_at, service.dead = clock.now, False
    clock.now += 120  # stable for two minutes, then a crash
    service.dead = True
    supervisor.poll()
    clock.now += 1
    supervisor.poll()
    assert service.starts == 6
