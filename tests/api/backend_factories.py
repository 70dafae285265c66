"""Plain factory functions for the backend tests: sightings that see a given ground point, keys, batches."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import cv2
import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from api.auth.roster import create_crew, get_crew
from api.auth.service import create_key
from api.geo import DEFAULT_CAMERA
from api.geo.geolocate import ground_offset_m
from api.potholes.tables import Pothole, PotholeStatus
from api.services import services_of
from common.geodesy import LatLon, offset_latlon

ADMIN_KEY = "test-admin-key-0123456789"
SITE = LatLon(37.2000, 126.8300)
T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=10)
BOX = (900.0, 820.0, 1020.0, 880.0)  # near the image centre, low in the frame: ~2 m ahead


def gps_seeing(
    target: LatLon,
    heading_deg: float = 90.0,
    box: tuple[float, float, float, float] = BOX,
    lateral_error_m: float = 0.0,
) -> LatLon:
    """Where the vehicle must be for `box` (default camera) to land on `target` (plus a sideways error)."""
    x1, y1, x2, y2 = box
    near_m, _ = ground_offset_m((x1 + x2) / 2, y2, DEFAULT_CAMERA)
    far_m, _ = ground_offset_m((x1 + x2) / 2, y1, DEFAULT_CAMERA)
    centre_m = near_m + (far_m - near_m) / 2
    return offset_latlon(target, forward_m=-centre_m, right_m=lateral_error_m, heading_deg=heading_deg)


def make_item(target: LatLon = SITE, **overrides: Any) -> dict[str, Any]:
    heading_deg = overrides.pop("heading_deg", 90.0)
    lateral_error_m = overrides.pop("lateral_error_m", 0.0)
    at = overrides.pop("captured_at", T0)
    try:
        pos = gps_seeing(target, heading_deg, tuple(overrides.get("box_xyxy_px", BOX)), lateral_error_m)
    except ValueError:  # a box that never meets the road (a rejection test): place the vehicle for BOX
        pos = gps_seeing(target, heading_deg, BOX, lateral_error_m)
    item: dict[str, Any] = {
        "client_id": str(uuid.uuid4()),
        "captured_at": at.isoformat() if isinstance(at, datetime) else at,
        "gps": {
            "lat": pos.lat,
            "lon": pos.lon,
            "accuracy_m": 3.0,
            "heading_deg": heading_deg,
            "speed_mps": 10.0,
        },
        "frame_wh": [1920, 1080],
        "box_xyxy_px": list(BOX),
        "confidence": 0.6,
        "model_id": "pw-test",
        "pass_id": "bus-17/pass-1",
    }
    return item | overrides


def make_batch(*items: dict[str, Any], vehicle_id: str = "bus-17") -> dict[str, Any]:
    return {"vehicle_id": vehicle_id, "items": list(items) or [make_item()]}


def post_items(
    client: TestClient, *items: dict[str, Any], vehicle_id: str = "bus-17", key: str | None = None
) -> list[dict[str, Any]]:
    headers = {"X-API-Key": key} if key else {}
    response = client.post("/v1/sightings", json=make_batch(*items, vehicle_id=vehicle_id), headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["results"])


def confirmed_pothole(client: TestClient, target: LatLon = SITE) -> tuple[int, int]:
    """(pothole_id, work_order_id) of a pothole confirmed by two passes."""
    post_items(client, make_item(target, pass_id="p-1"))
    result = post_items(client, make_item(target, pass_id="p-2", captured_at=T0 + timedelta(days=1)))[0]
    detail = client.get(f"/v1/potholes/{result['pothole_id']}").json()
    assert detail["status"] == "confirmed", detail
    return detail["id"], detail["work_order"]["id"]


def make_crew(client: TestClient, crew_id: str) -> None:
    """Put the crew on the roster (work orders are assigned only to its active crews)."""
    with Session(services_of(client.app).engine) as session:
        if get_crew(session, crew_id) is None:
            create_crew(session, crew_id=crew_id)


def make_key(client: TestClient, role: str, name: str) -> str:
    """A key; a crew key's crew is put on the roster first (a crew key belongs to one)."""
    if role == "crew":
        make_crew(client, name)
    with Session(services_of(client.app).engine) as session:
        return create_key(session, role=role, name=name)


def jpeg_bytes(w: int = 640, h: int = 360, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", image)
    assert ok
    return buf.tobytes()


def jpeg_b64(**kwargs: Any) -> str:
    return base64.b64encode(jpeg_bytes(**kwargs)).decode()


def in_future(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


def truncate_pg(url: str) -> None:
    """Empty every table (DELETE with FK triggers off: much faster than TRUNCATE on tiny tables)."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename <> 'alembic_version'"
                )
            )
        ]
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))
    engine.dispose()


def stored_pothole(session: Session, seen_at: datetime, cell_yx: tuple[int, int] = (0, 0)) -> Pothole:
    """A confirmed pothole row (two sightings, 0.4 x 0.3 m) written directly, for the service-level tests."""
    pothole = Pothole(
        lat=37.2,
        lon=127.07,
        cell_y=cell_yx[0],
        cell_x=cell_yx[1],
        status=PotholeStatus.CONFIRMED,
        uncertainty_m=1.0,
        min_uncertainty_m=1.0,
        weight_sum=1.0,
        width_m=0.4,
        length_m=0.3,
        sighting_count=2,
        pass_count=2,
        first_seen=seen_at,
        last_seen=seen_at,
        max_confidence=0.8,
    )
    session.add(pothole)
    session.flush()
    return pothole
