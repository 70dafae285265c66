"""The app factory: every router and handler at build time; the lifespan builds the Services.

Routers are listed in one place, in the order FastAPI matches them; the web app's mount comes last so
its paths never shadow the API.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import APIRouter, FastAPI
from sqlmodel import Session, SQLModel
from starlette.concurrency import run_in_threadpool

from api import tables  # noqa: F401  (every table on SQLModel.metadata)
from api.admin.key_routes import router as key_admin_router
from api.admin.layer_routes import router as layer_admin_router
from api.admin.metrics_routes import router as metrics_router
from api.admin.policy_routes import router as policy_router
from api.auth.ratelimit import check_rate_limits, make_rate_limiter
from api.auth.service import ensure_key
from api.config import Settings, get_settings
from api.crews.roster_routes import router as roster_router
from api.crews.routes import router as queue_router
from api.db import make_engine
from api.errors import add_error_handlers
from api.ingest.open311 import router as open311_report_router
from api.ingest.routes import router as ingest_router
from api.layers.middleware import LayersRefresh
from api.layers.routes import router as layers_router
from api.layers.startup import load_layers
from api.migrate import upgrade_head
from api.potholes.open311 import add_open311_error_handler
from api.publish.exports import router as exports_router
from api.publish.ogc import add_ogc_error_handler
from api.publish.ogc import router as ogc_router
from api.publish.open311 import router as open311_router
from api.services import Services
from api.static import mount_web
from api.stats.routes import csv_router as stats_csv_router
from api.stats.routes import router as stats_router
from api.system.logs import configure_logging
from api.system.middleware import BodySizeLimit, RequestMetrics
from api.system.routes import router as system_router
from api.vehicles.routes import router as vehicles_router
from api.workorders.pothole_routes import router as potholes_router
from api.workorders.rescore import rescore_all
from api.workorders.routes import router as workorders_router

if TYPE_CHECKING:
    from detector import Detector

log = logging.getLogger("api")

DESCRIPTION = """Patrol vehicles send frames or on-board detections with GPS; the service puts each detection
on the map, merges repeated sightings into one pothole, files one work order per pothole and serves the
crews' queue. Authenticate with the `X-API-Key` header (`pothole keys create --role ...`)."""

ROUTERS: tuple[APIRouter, ...] = (
    ingest_router,
    vehicles_router,
    potholes_router,
    workorders_router,
    queue_router,
    roster_router,
    system_router,
    metrics_router,
    key_admin_router,
    layers_router,
    layer_admin_router,
    policy_router,
    exports_router,
    ogc_router,
    open311_router,
    open311_report_router,
    stats_csv_router,
    stats_router,
)


def load_detector(settings: Settings) -> tuple[Detector | None, str | None]:
    """The detector in service (one model or a pair), or None with the reason: the service runs
    (sightings, queue) without a model."""
    if not settings.load_model:
        return None, "disabled (POTHOLE_LOAD_MODEL=false)"
    try:
        from detector import load_detector as load  # here: onnxruntime loads only when a model is wanted

        return load(settings.weights, threads=settings.detector_threads), None
    except Exception as exc:  # any failure to load is reported by /readyz, not a crash at start-up
        return None, f"{exc.__class__.__name__}: {exc}"[:300]


def build_services(settings: Settings) -> Services:
    """Migrate, connect, bootstrap the admin key, load the model and the layers (blocking: run it in a
    thread). The worker that wrote new layers or a new policy re-scores stored potholes and orders."""
    check_rate_limits(settings.rate_limits)
    if settings.migrate_on_start == "upgrade":
        upgrade_head(settings.database_url)
    engine = make_engine(settings.database_url)
    if settings.migrate_on_start == "create_all":
        SQLModel.metadata.create_all(engine)
    slots = settings.ingest_concurrency or (2 if engine.dialect.name == "sqlite" else 8)
    if settings.bootstrap_admin_key:
        with Session(engine) as session:
            ensure_key(session, role="admin", name="bootstrap-admin", key=settings.bootstrap_admin_key)
    detector, model_error = load_detector(settings)
    layers, changed = load_layers(engine, settings)
    if changed:
        rescore_all(engine, layers, actor="system:start-up")
    return Services(
        settings=settings,
        engine=engine,
        layers=layers,
        detector=detector,
        model_error=model_error,
        ingest_slots=threading.BoundedSemaphore(slots),
        decode_slots=threading.BoundedSemaphore(settings.image_decode_concurrency),
        rate_limiter=make_rate_limiter(engine) if settings.rate_limits_enabled else None,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, settings.log_json)
        services = await run_in_threadpool(build_services, settings)
        app.state.services = services
        database, model_error = services.engine.dialect.name, services.model_error
        log.info("started", extra={"database": database, "model_error": model_error})
        yield
        services.engine.dispose()

    app = FastAPI(title="pothole-watch", version="1", description=DESCRIPTION, lifespan=lifespan)
    add_error_handlers(app)
    add_ogc_error_handler(app)
    add_open311_error_handler(app)
    for router in ROUTERS:
        app.include_router(router)
    mount_web(app)
    app.add_middleware(LayersRefresh)
    app.add_middleware(
        BodySizeLimit,
        limits={
            "/v1/frames": settings.max_upload_bytes,
            "/v1/sightings": settings.max_batch_bytes,
            "/v1/passes": settings.max_batch_bytes,
        },
        default_limit=settings.max_body_bytes,
    )
    app.add_middleware(RequestMetrics)
    return app
