"""Jinja2 text templates of the statistics (``templates/*.txt``) and the filters they use.

The Danish sentences staff read in the CLI and on the overview live in these templates, not in
Python; the code hands them figures.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from bot.knowledge.formatting import Number, format_dkk

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def iso_week(monday: date) -> str:
    """The ISO week of a day as KOMHEN writes it: "2026-U48" (year of the ISO week)."""
    year, week, _ = monday.isocalendar()
    return f"{year}-U{week:02d}"


def dkk(amount: Number) -> str:
    """Whole Danish kroner: "121.450 kr." (bot.knowledge.formatting.format_dkk)."""
    return format_dkk(amount)


def _plain_number(value: Number, decimals: int) -> str:
    """ "3.5": the overview's figures with a decimal point, as the CLI has always printed them."""
    return f"{value:.{decimals}f}"


def _plain_percent(share: Number, decimals: int) -> str:
    """ "12.5%": a share with a decimal point and no space, as the CLI has always printed it."""
    return f"{share:.{decimals}%}"


@lru_cache(maxsize=1)
def text_templates() -> jinja2.Environment:
    """The plain-text templates (no HTML escaping), built on first use."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=False, default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        dkk=dkk,
        iso_week=iso_week,
        number=_plain_number,
        g=lambda value: f"{value:g}",
        percent=_plain_percent,
        ljust=lambda value, width: str(value).ljust(width),
        rjust=lambda value, width: str(value).rjust(width),
    )
    return env


def render_lines(template: str, **context: Any) -> list[str]:
    """The non-empty lines a text template renders (one item per line)."""
    text = text_templates().get_template(template).render(**context)
    return [line.strip() for line in text.splitlines() if line.strip()]
