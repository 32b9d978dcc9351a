"""The web team's training pages (role ``webteam``)."""

from __future__ import annotations

from sanic import Blueprint

training = Blueprint("training")
