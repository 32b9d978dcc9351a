"""Jinja2 text templates of the statistics (``templates/*.txt``) and the filters they use.

The Danish sentences staff read in the CLI and on the overview live in these templates, not in
Python; the code hands them figures.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from bot.analytics.formats import FILTERS, dkk, iso_week

__all__ = ["dkk", "iso_week", "render_lines", "text_templates"]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


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
    env.filters.update(FILTERS)  # the staff's Danish formats (bot.analytics.formats)
    env.filters.update(
        ljust=lambda value, width: str(value).ljust(width),
        rjust=lambda value, width: str(value).rjust(width),
    )
    return env


def render_lines(template: str, **context: Any) -> list[str]:
    """The non-empty lines a text template renders (one item per line)."""
    text = text_templates().get_template(template).render(**context)
    return [line.strip() for line in text.splitlines() if line.strip()]
