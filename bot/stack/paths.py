"""Where the project's files are, and how a child process of the assistant is started.

The installed package never works out the checkout's location from its own file: the project
(``domain.yml``, ``data/``, ``models/``, ``var/``) is ``BOT_PROJECT_DIR``, or the working
directory when that is not set, which is Rasa's own rule for relative paths. Every child process
starts in its project's directory, so it sees the same files.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_DIR_VARIABLE = "BOT_PROJECT_DIR"


@dataclass(frozen=True)
class Project:
    """The project directory and the files in it that the assistant reads or writes."""

    root: Path

    @classmethod
    def current(cls) -> Project:
        """The project of this process: ``BOT_PROJECT_DIR``, else the working directory."""
        return _project(os.environ.get(PROJECT_DIR_VARIABLE, ""), os.getcwd())

    def path(self, path: str | Path) -> Path:
        """``path`` as it is when absolute, else under the project."""
        path = Path(path)
        return path if path.is_absolute() else self.root / path

    @property
    def domain(self) -> Path:
        return self.root / "domain.yml"

    @property
    def config(self) -> Path:
        return self.root / "config.yml"

    @property
    def endpoints(self) -> Path:
        return self.root / "endpoints.yml"

    @property
    def credentials(self) -> Path:
        return self.root / "credentials.yml"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def nlu(self) -> Path:
        return self.root / "data" / "nlu"

    @property
    def heldout(self) -> Path:
        """The NLU's held-out test set: outside ``data/``, which ``rasa train`` reads whole."""
        return self.root / "eval" / "heldout.yml"

    @property
    def spacy_pipeline(self) -> Path:
        return self.root / "build" / "spacy" / "da_lemma"

    @property
    def var(self) -> Path:
        return self.root / "var"

    @property
    def logs(self) -> Path:
        return self.root / "var" / "logs"

    @property
    def models(self) -> Path:
        """``BOT_MODELS_DIR`` under the project (``models`` by default)."""
        from bot.settings import get_settings

        return self.path(get_settings().models_dir)


@lru_cache(maxsize=8)
def _project(variable: str, cwd: str) -> Project:
    return Project(Path(variable or cwd).resolve())


def rasa_executable() -> str:
    """The ``rasa`` console script of this interpreter's environment."""
    candidate = Path(sys.executable).parent / "rasa"
    return str(candidate) if candidate.exists() else (shutil.which("rasa") or "rasa")


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for child processes: telemetry off, quiet TensorFlow, our settings.

    A child finds its project as this process does: ``BOT_PROJECT_DIR`` if it is set, else the
    working directory it is started in.
    """
    env = dict(os.environ)
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("LOG_LEVEL", "INFO")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.update(extra or {})
    return env
