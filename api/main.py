"""The app factory: routers and handlers at build time; engine, model and hooks in the lifespan."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlmodel import Session, SQLModel
from starlette.concurrency import run_in_threadpool

from api import tables  # noqa: F401  (every table on SQLModel.metadata)
from api.auth.service import ensure_key
from api.config import Settings, get_settings
from api.crews.routes import router as queue_router
from api.db import make_engine
from api.errors import add_error_handlers
from api.ingest.routes import router as ingest_router
from api.migrate import upgrade_head
from api.plugins import mount_static, register_plugins, start_plugins
from api.potholes.routes import router as potholes_router
from api.system.logs import configure_logging
from api.system.middleware import BodySizeLimit, RequestMetrics
from api.system.routes import router as system_router
from api.vehicles.routes import router as vehicles_router
from api.workorders.priority import default_prioritiser, no_context
from api.workorders.routes import router as workorders_router

log = logging.getLogger("api")

DESCRIPTION = """Patrol vehicles send frames or on-board detections with GPS; the service puts each detection
on the map, merges repeated sightings into one pothole, files one work order per pothole and serves the
crews' queue. Authenticate with the `X-API-Key` header (`pothole keys create --role ...`)."""


def load_detector(settings: Settings) -> tuple[Any | None, str | None]:
    """The ONNX detector, or None with the reason: the service runs (sightings, queue) without a model."""
    if not settings.load_model:
        return None, "disabled (POTHOLE_LOAD_MODEL=false)"
    try:
        from detector import OnnxDetector  # lazy: the detector package may be absent or its weights missing

        return OnnxDetector.load(settings.weights, threads=settings.detector_threads), None
    except Exception as exc:  # any failure to load is reported by /readyz, not a crash at start-up
        return None, f"{exc.__class__.__name__}: {exc}"[:300]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, settings.log_json)
        if settings.migrate_on_start == "upgrade":
            await run_in_threadpool(upgrade_head, settings.database_url)
        engine = make_engine(settings.database_url)
        if settings.migrate_on_start == "create_all":
            SQLModel.metadata.create_all(engine)
        app.state.engine = engine
        slots = settings.ingest_concurrency or (2 if engine.dialect.name == "sqlite" else 8)
        app.state.ingest_slots = threading.BoundedSemaphore(slots)
        if settings.bootstrap_admin_key:
            with Session(engine) as session:
                ensure_key(session, role="admin", name="bootstrap-admin", key=settings.bootstrap_admin_key)
        app.state.detector, app.state.model_error = await run_in_threadpool(load_detector, settings)
        app.state.enricher = no_context
        app.state.prioritiser = default_prioritiser
        start_plugins(app, settings, plugins)
        log.info("started", extra={"database": engine.dialect.name, "model_error": app.state.model_error})
        yield
        engine.dispose()

    app = FastAPI(title="pothole-watch", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    add_error_handlers(app)
    for router in (
        ingest_router,
        vehicles_router,
        potholes_router,
        workorders_router,
        queue_router,
        system_router,
    ):
        app.include_router(router)
    plugins = register_plugins(app, settings)
    mount_static(app)
    app.add_middleware(
        BodySizeLimit,
        limits={
            "/v1/frames": settings.max_upload_bytes,
            "/v1/sightings": settings.max_batch_bytes,
            "/v1/passes": settings.max_batch_bytes,
        },
    )
    app.add_middleware(RequestMetrics)
    return app
