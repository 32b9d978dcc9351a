"""The web team's inbox pages (role ``webteam``)."""

from __future__ import annotations

from sanic import Blueprint

inbox = Blueprint("inbox")
