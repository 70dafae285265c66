"""The auth matrix: every route of the app x every role (no key, vehicle, crew, manager, admin, metrics) x
the status it answers, in ONE table, generated against the app's own route table (a route without a row
fails).

Each role gets a fresh service with the same data (a confirmed pothole with a photo crop, its order assigned
to crew-1 with a repair photo, a spare vehicle key for the key routes), and every row is asked once with a
request the route accepts, so an allowed role gets its success code, not a 422: a 2xx/503/404 below means
"let through", 401/403 "kept out". The crew's requests name its own order; reading another crew's is
`tests/api/auth/test_read_scope.py`. Rate limits are off here (a scraper's bucket is 10 requests deep): a 429
is `tests/security/keys/test_rate_limits.py`'s subject, not who may call what.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlmodel import Session
from starlette.routing import Mount

from api.auth.roster import create_crew
from api.auth.service import create_key, issue_key
from api.config import Settings
from api.main import create_app
from api.services import services_of

ROLES = ("none", "vehicle", "crew", "manager", "admin", "metrics")
SAME_FOR_ALL = None  # the web app's public files: the answer depends on `make web`, never on the key
# a metrics key (a Prometheus scraper's) reads GET /metrics and nothing else: every route that looks at a
# key refuses it, even a published read that answers without one (a key sent must be a working key)
OPEN, PUBLIC, KEYED, STAFF, MANAGERS, ADMINS = (
    (200,) * 6,  # no key looked at: probes and the API's own description
    (200, 200, 200, 200, 200, 403),  # OGC and Open311 reads: public, or any working key
    (401, 200, 200, 200, 200, 403),
    (401, 403, 200, 200, 200, 403),
    (401, 403, 403, 200, 200, 403),
    (401, 403, 403, 403, 200, 403),
)

# (method, route path): the status for (none, vehicle, crew, manager, admin, metrics)
MATRIX: dict[tuple[str, str], tuple[int, int, int, int, int, int] | None] = {
    ("POST", "/v1/sightings"): (401, 200, 403, 403, 200, 403),
    ("POST", "/v1/frames"): (401, 503, 403, 403, 503, 403),  # let through, then: no model loaded here
    ("POST", "/v1/passes"): (401, 201, 403, 403, 201, 403),
    ("PUT", "/v1/vehicles/{vehicle_id}/camera"): (401, 200, 403, 200, 200, 403),
    ("GET", "/v1/vehicles/{vehicle_id}/camera"): KEYED,
    ("GET", "/v1/potholes"): STAFF,
    ("GET", "/v1/potholes/{pothole_id}"): STAFF,
    ("GET", "/v1/potholes/{pothole_id}/photo/{sighting_id}"): STAFF,
    ("GET", "/v1/work-orders/{work_order_id}"): STAFF,
    ("PATCH", "/v1/work-orders/{work_order_id}"): STAFF,
    ("GET", "/v1/work-orders/{work_order_id}/history"): STAFF,
    ("GET", "/v1/work-orders/{work_order_id}/history/{event_id}/photo"): STAFF,
    ("GET", "/v1/queue"): STAFF,
    ("GET", "/v1/crews"): MANAGERS,
    ("POST", "/v1/crews"): (401, 403, 403, 201, 201, 403),
    ("PATCH", "/v1/crews/{crew_id}"): MANAGERS,
    ("GET", "/v1/admin/keys"): ADMINS,
    ("POST", "/v1/admin/keys"): (401, 403, 403, 403, 201, 403),
    # rotate before revoke: rotating revokes the spare key at once, revoking it again is still a 200
    ("POST", "/v1/admin/keys/{key_id}/rotate"): (401, 403, 403, 403, 201, 403),
    ("POST", "/v1/admin/keys/{key_id}/revoke"): ADMINS,
    ("GET", "/healthz"): OPEN,
    ("GET", "/readyz"): OPEN,
    ("GET", "/metrics"): (401, 403, 403, 403, 200, 200),
    ("GET", "/v1/layers"): KEYED,
    ("GET", "/v1/layers/{name}"): (401, 404, 404, 404, 404, 403),  # let through; no layer of that name
    ("PUT", "/v1/layers/{name}"): (401, 403, 403, 403, 422, 403),  # the admin's empty layer is refused
    ("GET", "/v1/policy"): STAFF,
    ("PUT", "/v1/policy"): ADMINS,
    ("POST", "/v1/policy/rescore"): ADMINS,
    ("GET", "/v1/exports/potholes.geojson"): KEYED,
    ("GET", "/v1/exports/potholes.csv"): KEYED,
    ("GET", "/ogc"): PUBLIC,
    ("GET", "/ogc/conformance"): PUBLIC,
    ("GET", "/ogc/api"): PUBLIC,
    ("GET", "/ogc/collections"): PUBLIC,
    ("GET", "/ogc/collections/{collection_id}"): PUBLIC,
    ("GET", "/ogc/collections/{collection_id}/items"): PUBLIC,
    ("GET", "/ogc/collections/{collection_id}/items/{feature_id}"): PUBLIC,
    ("GET", "/open311/v2/services.json"): PUBLIC,
    ("GET", "/open311/v2/services/{service_code}.json"): PUBLIC,
    ("GET", "/open311/v2/requests.json"): PUBLIC,
    ("GET", "/open311/v2/requests/{service_request_id}.json"): PUBLIC,
    ("POST", "/open311/v2/requests.json"): (401, 201, 201, 201, 201, 403),
    ("GET", "/v1/stats.csv"): STAFF,
    ("GET", "/v1/stats"): STAFF,
    ("GET", "/v1/stats/map.png"): (401, 403, 404, 404, 404, 403),  # let through; no district layer here
    ("GET", "/web/session"): KEYED,
    ("GET", "/"): SAME_FOR_ALL,
    ("GET", "/web/{path}"): SAME_FOR_ALL,  # the web app's static files: no key
    ("GET", "/openapi.json"): OPEN,
    ("GET", "/docs"): OPEN,
    ("GET", "/docs/oauth2-redirect"): OPEN,
    ("GET", "/redoc"): OPEN,
}

ADMIN_KEY = "matrix-admin-key-0123456789"
SITE = (37.2000, 126.8300)
BOX = [900.0, 820.0, 1020.0, 880.0]  # low in a 1920x1080 frame: on the road a few metres ahead


def _jpeg_b64(w: int = 64, h: int = 48) -> str:
    image = np.random.default_rng(1).integers(0, 255, (h, w, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", image)
    assert ok
    return base64.b64encode(buf.tobytes()).decode()


def _sighting(client_id: str, at: datetime) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "captured_at": at.isoformat(),
        "gps": {"lat": SITE[0], "lon": SITE[1], "accuracy_m": 3.0, "heading_deg": 90.0, "speed_mps": 10.0},
        "frame_wh": [1920, 1080],
        "box_xyxy_px": BOX,
        "confidence": 0.95,
        "crop_jpeg_b64": _jpeg_b64(),
    }


@dataclass(frozen=True)
class World:
    client: TestClient
    keys: dict[str, str | None]
    path_values: dict[str, str]


def _world(tmp_path: Path) -> Iterator[World]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'matrix.db'}",
        migrate_on_start="create_all",
        load_model=False,
        require_model=False,
        bootstrap_admin_key=ADMIN_KEY,
        layers_dir=None,
        log_level="WARNING",
        rate_limits_enabled=False,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        with Session(services_of(client.app).engine) as session:
            create_crew(session, crew_id="crew-1")
            keys: dict[str, str | None] = {
                "none": None,
                "vehicle": create_key(session, role="vehicle", name="bus-17"),
                "crew": create_key(session, role="crew", name="crew-1"),
                "manager": create_key(session, role="manager", name="boss"),
                "admin": ADMIN_KEY,
                "metrics": create_key(session, role="metrics", name="prometheus"),
            }
            spare_key_id = issue_key(session, role="vehicle", name="bus-spare").info.id
        admin = {"X-API-Key": ADMIN_KEY}
        seen = datetime.now(UTC) - timedelta(hours=1)
        batch = {"vehicle_id": "bus-17", "items": [_sighting("seed-1", seen)]}
        (result,) = client.post("/v1/sightings", json=batch, headers=admin).json()["results"]
        pothole = client.get(f"/v1/potholes/{result['pothole_id']}", headers=admin).json()
        order_id = pothole["work_order"]["id"]
        assign = {"status": "assigned", "assignee": "crew-1", "photo_jpeg_b64": _jpeg_b64()}
        assert client.patch(f"/v1/work-orders/{order_id}", json=assign, headers=admin).status_code == 200
        event = client.get(f"/v1/work-orders/{order_id}/history", headers=admin).json()[-1]
        assert event["photo_url"], event
        yield World(
            client,
            keys,
            {
                "vehicle_id": "bus-17",
                "pothole_id": str(pothole["id"]),
                "sighting_id": str(pothole["sighting_list"][0]["id"]),
                "work_order_id": str(order_id),
                "event_id": str(event["id"]),
                "crew_id": "crew-1",
                "key_id": str(spare_key_id),
                "name": "no-such-layer",
                "collection_id": "potholes",
                "feature_id": str(pothole["id"]),
                "service_code": "POTHOLE",
                "service_request_id": str(pothole["id"]),
                "path": "no-such-file",
            },
        )


def _pass_body() -> dict[str, Any]:
    start = datetime.now(UTC) - timedelta(minutes=5)
    return {
        "client_id": "matrix-pass",
        "vehicle_id": "bus-17",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(seconds=30)).isoformat(),
        "track": [
            {"lat": SITE[0], "lon": SITE[1], "t": start.isoformat()},
            {"lat": SITE[0], "lon": SITE[1] + 0.001, "t": (start + timedelta(seconds=20)).isoformat()},
        ],
    }


def _frame_form() -> dict[str, Any]:
    meta = {
        "client_id": "matrix-frame",
        "vehicle_id": "bus-17",
        "captured_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "gps": {"lat": SITE[0], "lon": SITE[1], "accuracy_m": 3.0, "heading_deg": 90.0},
    }
    return {
        "files": {"image": ("f.jpg", base64.b64decode(_jpeg_b64(320, 180)), "image/jpeg")},
        "data": {"metadata": json.dumps(meta)},
    }


def _request_kwargs(method: str, route: str) -> dict[str, Any]:
    """A request each route accepts from a role it lets through (bodies only; paths come from the world)."""
    policy = (Path(__file__).resolve().parents[2] / "api" / "policy" / "default_policy.yaml").read_bytes()
    camera = {"height_m": 2.8, "pitch_down_deg": 12, "hfov_deg": 120, "image_wh": [1920, 1080]}
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/v1/sightings"): {
            "json": {
                "vehicle_id": "bus-17",
                "items": [_sighting("matrix-1", datetime.now(UTC) - timedelta(minutes=5))],
            }
        },
        ("POST", "/v1/frames"): _frame_form(),
        ("POST", "/v1/passes"): {"json": _pass_body()},
        ("PUT", "/v1/vehicles/{vehicle_id}/camera"): {"json": camera},
        ("PATCH", "/v1/work-orders/{work_order_id}"): {"json": {"status": "in_progress", "note": "on site"}},
        ("POST", "/v1/crews"): {"json": {"crew_id": "crew-new"}},
        ("POST", "/v1/admin/keys"): {"json": {"role": "vehicle", "name": "bus-new", "expires_in": "30d"}},
        ("PATCH", "/v1/crews/{crew_id}"): {"json": {"display_name": "보수 1조"}},
        ("PUT", "/v1/layers/{name}"): {"content": b"{}"},
        ("PUT", "/v1/policy"): {"content": policy, "headers": {"Content-Type": "application/yaml"}},
        ("POST", "/open311/v2/requests.json"): {
            "data": {"service_code": "POTHOLE", "lat": "37.21", "long": "126.84"}
        },
    }
    return bodies.get((method, route), {})


def _app() -> FastAPI:
    return create_app(Settings(database_url="sqlite://", load_model=False, layers_dir=None))


def route_table(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, read from its own route table (routers included)."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, Mount):
            found.add(("GET", f"{context.path}/{{path}}"))
            continue
        found |= {(m, context.path) for m in (context.methods or set()) - {"HEAD"}}
    return found


def test_every_route_has_exactly_one_row() -> None:
    routes = route_table(_app())
    assert sorted(routes - set(MATRIX)) == [], "a route without a row in MATRIX: add one"
    assert sorted(set(MATRIX) - routes) == [], "a row for a route the app no longer serves"


def test_the_route_table_sees_a_route_added_to_a_router() -> None:
    app = _app()
    extra = APIRouter(prefix="/v1/extra")
    extra.add_api_route("/{thing_id}", lambda thing_id: None, methods=["DELETE"])
    app.include_router(extra)
    assert route_table(app) - set(MATRIX) == {("DELETE", "/v1/extra/{thing_id}")}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_matrix_says(role: str, tmp_path: Path) -> None:
    answers: dict[tuple[str, str], int] = {}
    baseline: dict[tuple[str, str], int] = {}
    for world in _world(tmp_path):
        key = world.keys[role]
        for method, route in MATRIX:
            kwargs = _request_kwargs(method, route)
            headers = dict(kwargs.pop("headers", {})) | ({"X-API-Key": key} if key else {})
            url = route.format(**world.path_values)
            answers[(method, route)] = world.client.request(
                method, url, headers=headers, **kwargs
            ).status_code
            if MATRIX[(method, route)] is SAME_FOR_ALL:
                baseline[(method, route)] = world.client.request(method, url).status_code
    expected = {
        row: baseline[row] if statuses is SAME_FOR_ALL else statuses[ROLES.index(role)]
        for row, statuses in MATRIX.items()
    }
    wrong = {
        f"{m} {r}": f"got {answers[(m, r)]}, matrix says {expected[(m, r)]}"
        for m, r in MATRIX
        if answers[(m, r)] != expected[(m, r)]
    }
    assert wrong == {}
    assert all(answers[row] not in (401, 403) for row, statuses in MATRIX.items() if statuses is SAME_FOR_ALL)
