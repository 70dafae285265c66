"""The app factory lists every router, mounts the web app last and builds typed Services in its lifespan."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount

from api.config import Settings
from api.layers.runtime import LayersRuntime
from api.main import create_app
from api.services import Services, services_of

# Every operation the service answers, by router: ingest, vehicles, potholes, work orders, queue, system,
# metrics, admin keys, layers (reads, admin write), policy, exports, OGC API, Open311, stats, the web app's
# session.
OPERATIONS = {
    "/v1/sightings": {"post"},
    "/v1/frames": {"post"},
    "/v1/passes": {"post"},
    "/v1/vehicles/{vehicle_id}/camera": {"get", "put"},
    "/v1/potholes": {"get"},
    "/v1/potholes/{pothole_id}": {"get"},
    "/v1/potholes/{pothole_id}/photo/{sighting_id}": {"get"},
    "/v1/work-orders/{work_order_id}": {"get", "patch"},
    "/v1/work-orders/{work_order_id}/history": {"get"},
    "/v1/work-orders/{work_order_id}/history/{event_id}/photo": {"get"},
    "/v1/queue": {"get"},
    "/v1/crews": {"get", "post"},
    "/v1/crews/{crew_id}": {"patch"},
    "/healthz": {"get"},
    "/readyz": {"get"},
    "/metrics": {"get"},
    "/v1/admin/keys": {"get", "post"},
    "/v1/admin/keys/{key_id}/revoke": {"post"},
    "/v1/admin/keys/{key_id}/rotate": {"post"},
    "/v1/layers": {"get"},
    "/v1/layers/{name}": {"get", "put"},
    "/v1/policy": {"get", "put"},
    "/v1/policy/rescore": {"post"},
    "/v1/exports/potholes.csv": {"get"},
    "/v1/exports/potholes.geojson": {"get"},
    "/ogc": {"get"},
    "/ogc/api": {"get"},
    "/ogc/conformance": {"get"},
    "/ogc/collections": {"get"},
    "/ogc/collections/{collection_id}": {"get"},
    "/ogc/collections/{collection_id}/items": {"get"},
    "/ogc/collections/{collection_id}/items/{feature_id}": {"get"},
    "/open311/v2/services.json": {"get"},
    "/open311/v2/services/{service_code}.json": {"get"},
    "/open311/v2/requests.json": {"get", "post"},
    "/open311/v2/requests/{service_request_id}.json": {"get"},
    "/v1/stats": {"get"},
    "/v1/stats.csv": {"get"},
    "/v1/stats/map.png": {"get"},
    "/web/session": {"get"},
}


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'app.db'}",
        migrate_on_start="create_all",
        load_model=False,
        layers_dir=None,
        log_level="WARNING",
    )


def test_the_factory_lists_every_router_and_mounts_the_web_app_last(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path))
    operations = {path: set(ops) for path, ops in app.openapi()["paths"].items()}
    assert operations == OPERATIONS
    last = app.routes[-1]
    assert isinstance(last, Mount) and last.path == "/web"


def test_the_lifespan_builds_typed_services_with_a_layers_runtime_even_without_layers(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path))
    with pytest.raises(RuntimeError, match="app.state.services"):
        services_of(app)
    with TestClient(app):
        services = services_of(app)
        assert isinstance(services, Services) and isinstance(services.layers, LayersRuntime)
        assert services.layers.layers.layers == {}
        assert services.layers.enricher(37.2, 127.0)["district"] is None
        assert services.detector is None and services.model_error == "disabled (POTHOLE_LOAD_MODEL=false)"
