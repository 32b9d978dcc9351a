"""The web team's models pages (role ``webteam``)."""

from __future__ import annotations

from sanic import Blueprint

models = Blueprint("models")
