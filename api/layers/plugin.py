"""Plugs the layers part into the backend (api/plugins.py): routes at build, layers + hooks at start-up."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from api.config import Settings
from api.layers import tables as layer_tables
from api.layers.enrich import choose_district_layer
from api.layers.geojson import parse_layer
from api.layers.middleware import LayersRefresh
from api.layers.rescore import rescore_all
from api.layers.routes import router
from api.layers.runtime import LayersRuntime
from api.layers.settings import LayersSettings
from api.layers.store import save_layer, seed_layers, seed_policy
from api.layers.synthetic import synthetic_grid
from api.policy.model import DEFAULT_POLICY_PATH, load_policy
from api.potholes.tables import ServiceRequest

log = logging.getLogger(__name__)
SYNTHETIC_LAYER = "roads_synthetic"
OWN_TABLES = [
    layer_tables.CityLayer.__table__,
    layer_tables.PriorityPolicy.__table__,
    ServiceRequest.__table__,
]


def register(app: FastAPI, settings: Settings) -> None:
    app.include_router(router)
    app.add_middleware(LayersRefresh)


def install_layers(
    app: FastAPI, settings: Settings, layers_settings: LayersSettings | None = None
) -> LayersRuntime:
    """Seed the database from POTHOLE_LAYERS_DIR and the policy file, load them, and set the two hooks."""
    layers_settings = layers_settings or LayersSettings()
    engine = app.state.engine
    if settings.migrate_on_start == "create_all":
        SQLModel.metadata.create_all(engine, tables=OWN_TABLES)
    policy_path = layers_settings.policy_path or DEFAULT_POLICY_PATH
    changed = seed_policy(engine, Path(policy_path))
    if settings.layers_dir is not None:
        if not Path(settings.layers_dir).is_dir():
            log.error("POTHOLE_LAYERS_DIR=%s is not a directory: no layers loaded", settings.layers_dir)
        else:
            changed = (
                bool(
                    seed_layers(engine, Path(settings.layers_dir), max_bytes=layers_settings.layer_max_bytes)
                )
                or changed
            )
    runtime = LayersRuntime(
        engine, refresh_s=layers_settings.layers_refresh_s, fallback_policy=load_policy(Path(policy_path))
    )
    runtime.refresh(force=True)
    if layers_settings.synthetic_roads_district and _add_synthetic_roads(
        engine, runtime, layers_settings.synthetic_roads_district
    ):
        runtime.refresh(force=True)
        changed = True
    if changed:  # this worker wrote new layers or a new policy: bring stored potholes and orders up to date
        rescore_all(engine, runtime, actor="system:start-up")
    app.state.layers_runtime = runtime
    app.state.layers_settings = layers_settings
    app.state.enricher = runtime.enricher
    app.state.prioritiser = runtime.score
    return runtime


def _add_synthetic_roads(engine: Engine, runtime: LayersRuntime, district: str) -> bool:
    """Demo aid: a SYNTHETIC grid inside `district` as layer `roads_synthetic`, unless that layer exists."""
    if runtime.layers.get(SYNTHETIC_LAYER) is not None:
        return False
    districts = choose_district_layer(runtime.layers, runtime.policy.enrichment_config)
    match = (
        None
        if districts is None
        else next(
            (
                f
                for f in districts.features
                if district in (str(f.properties.get("name")), str(f.properties.get("code")))
            ),
            None,
        )
    )
    if match is None:
        log.error("POTHOLE_SYNTHETIC_ROADS_DISTRICT=%s is not a district of the loaded layers", district)
        return False
    raw = json.dumps(
        synthetic_grid(match.geometry_lonlat, district_name=str(match.properties.get("name"))),
        ensure_ascii=False,
    ).encode()
    with Session(engine) as session:
        save_layer(
            session, name=SYNTHETIC_LAYER, raw=raw, parsed=parse_layer(raw), origin=f"synthetic:{district}"
        )
    return True


def startup(app: FastAPI, settings: Settings) -> None:
    install_layers(app, settings)
