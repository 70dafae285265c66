"""Plugs publishing into the backend (see api/plugins.py): exports, OGC API - Features, Open311."""

from __future__ import annotations

from fastapi import FastAPI

from api.config import Settings
from api.publish.exports import router as exports_router
from api.publish.ogc import add_ogc_error_handler
from api.publish.ogc import router as ogc_router
from api.publish.open311 import add_open311_error_handler
from api.publish.open311 import router as open311_router


def register(app: FastAPI, settings: Settings) -> None:
    add_ogc_error_handler(app)
    add_open311_error_handler(app)
    for router in (exports_router, ogc_router, open311_router):
        app.include_router(router)
