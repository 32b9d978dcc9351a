"""README.md's settings table is the output of ``settings_markdown()`` (bot/settings.py), so a
variable's default and meaning are written once, in its field."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from bot.settings import settings_markdown

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- settings:start -->", "<!-- settings:end -->"
REGENERATE = ".venv/bin/python -m bot settings --markdown"


def test_the_readme_settings_table_is_generated_from_the_fields() -> None:
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, f"README.md lacks the markers {START} and {END}"
    block = text.split(START, 1)[1].split(END, 1)[0].strip("\n")
    expected = settings_markdown()
    if block != expected:
        diff = difflib.unified_diff(
            block.splitlines(),
            expected.splitlines(),
            "README.md",
            "settings_markdown()",
            lineterm="",
        )
        pytest.fail(
            "README.md's settings table differs from bot/settings.py. Replace the lines between "
            f"{START} and {END} with the output of\n    {REGENERATE}\n\n" + "\n".join(diff),
            pytrace=False,
        )
