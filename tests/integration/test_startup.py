"""An invalid profile stops startup with a message that names the file and the field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.knowledge.profile import PROFILE_DIR
from bot.stack.local import StackConfig, stack_services
from bot.stack.paths import base_env
from bot.stack.ports import free_port
from testkit import ROOT

pytestmark = pytest.mark.integration


@pytest.fixture
def broken_profile(tmp_path: Path) -> Path:
    data = yaml.safe_load((PROFILE_DIR / "taarnby.yml").read_text(encoding="utf-8"))
    data["contact"]["phone"]["value"] = "ring til os"
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_run_command_refuses_an_invalid_profile(broken_profile: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--port", str(free_port())],
        cwd=ROOT,
        env=base_env({"BOT_PROFILE": str(broken_profile)}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert str(broken_profile) in proc.stderr
    assert "contact.phone.value" in proc.stderr


def test_rasa_server_refuses_to_start_with_an_invalid_profile(
    broken_profile: Path, model_path: Path, tmp_path: Path
) -> None:
    """Started directly (not through `bot run`), the Rasa server still checks the profile."""
    cfg = StackConfig(
        rasa_port=free_port(),
        action_port=free_port(),
        model=model_path,
        log_dir=tmp_path,
        env={"BOT_PROFILE": str(broken_profile)},
    )
    server = stack_services(cfg)[1]
    server.start(base_env(cfg.env))
    try:
        with pytest.raises(RuntimeError, match="exited"):
            server.wait_ready(timeout=240)
    finally:
        server.stop()
    log = (tmp_path / "rasa.log").read_text(encoding="utf-8", errors="ignore")
    assert str(broken_profile) in log and "contact.phone.value" in log
