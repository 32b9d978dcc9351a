"""``python -m bot models --json`` names the statuses as the CLI contract does (README,
"Retraining"): in-service, candidate, retired."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.db.engine import session_scope
from bot.db.stores import REVIEW
from bot.mlops.promotion import promote
from bot.mlops.versions import register_candidate


def metrics(accuracy: float) -> dict:
    heldout = {"fingerprint": "h1", "examples": 50, "accuracy": accuracy, "macro_f1": accuracy}
    return {"heldout": heldout, "cv": None}


def test_models_json_lists_the_contract_statuses(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'review.db'}"
    with session_scope(REVIEW, url) as session:
        ids = [
            register_candidate(
                session,
                file_name=f"model-{n:016x}.tar.gz",
                data_fingerprint=f"{n:016x}",
                metrics=metrics(0.9),
                report=None,
                created_by="test",
            ).id
            for n in range(3)
        ]
        for version_id in ids[:2]:
            promote(session, version_id, by="anna", override_reason=None, tolerance=0.02)
    listed = subprocess.run(
        [sys.executable, "-m", "bot", "models", "--json"],
        env={**os.environ, "BOT_REVIEW_DB_URL": url, "BOT_ENV": "test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    status = {row["id"]: row["status"] for row in json.loads(listed.stdout)}
    assert status == {ids[0]: "retired", ids[1]: "in-service", ids[2]: "candidate"}
