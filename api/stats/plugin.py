"""Plugs the analytics routes into the backend (see api/plugins.py)."""

from __future__ import annotations

from fastapi import FastAPI

from api.config import Settings
from api.stats.routes import csv_router, router


def register(app: FastAPI, settings: Settings) -> None:
    app.include_router(csv_router)
    app.include_router(router)
