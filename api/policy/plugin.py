"""Plugs the policy routes into the backend (see api/plugins.py); the policy itself loads with the layers."""

from __future__ import annotations

from fastapi import FastAPI

from api.config import Settings
from api.policy.routes import router


def register(app: FastAPI, settings: Settings) -> None:
    app.include_router(router)
