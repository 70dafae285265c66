"""At start-up: seed the database from POTHOLE_LAYERS_DIR and the policy file, then load the runtime.

Every worker runs this; the database decides which one writes (the store's locks), and the worker that
wrote something reports it so the caller re-scores what the change affects.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.config import Settings
from api.layers.enrich import choose_district_layer
from api.layers.geojson import parse_layer
from api.layers.runtime import LayersRuntime
from api.layers.store import save_layer, seed_layers, seed_policy
from api.layers.synthetic import synthetic_grid
from api.policy.model import DEFAULT_POLICY_PATH, load_policy

__all__ = ["SYNTHETIC_LAYER", "load_layers"]

log = logging.getLogger(__name__)
SYNTHETIC_LAYER = "roads_synthetic"


def load_layers(engine: Engine, settings: Settings) -> tuple[LayersRuntime, bool]:
    """The runtime with the stored layers and policy, and whether this worker wrote new ones.

    Without POTHOLE_LAYERS_DIR the runtime holds no layers and the policy file alone (every pothole
    gets an empty context and is scored on its own facts).
    """
    policy_path = settings.policy_path or DEFAULT_POLICY_PATH
    changed = seed_policy(engine, Path(policy_path))
    if settings.layers_dir is not None:
        if not Path(settings.layers_dir).is_dir():
            log.error("POTHOLE_LAYERS_DIR=%s is not a directory: no layers loaded", settings.layers_dir)
        else:
            written = seed_layers(engine, Path(settings.layers_dir), max_bytes=settings.layer_max_bytes)
            changed = bool(written) or changed
    runtime = LayersRuntime(
        engine, refresh_s=settings.layers_refresh_s, fallback_policy=load_policy(Path(policy_path))
    )
    runtime.refresh(force=True)
    if settings.synthetic_roads_district and _add_synthetic_roads(
        engine, runtime, settings.synthetic_roads_district
    ):
        runtime.refresh(force=True)
        changed = True
    return runtime, changed


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
