"""Idempotency keys are each vehicle's own: another vehicle sending the same client_id or pass id stores
its own record, never reads the first vehicle's answer, and never joins or pre-empts its pass."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import numpy as np
from backend_factories import (
    SITE,
    T0,
    confirmed_pothole,
    gps_seeing,
    jpeg_bytes,
    make_item,
    make_key,
    post_items,
)
from fastapi.testclient import TestClient

from api.services import services_of
from common.geodesy import offset_latlon


def test_the_same_sighting_client_id_from_two_vehicles_is_two_sightings(client: TestClient) -> None:
    bus17, bus18 = make_key(client, "vehicle", "bus-17"), make_key(client, "vehicle", "bus-18")
    item = make_item(client_id="shared-id-1")
    first = post_items(client, item, vehicle_id="bus-17", key=bus17)[0]
    other = post_items(client, item | {"pass_id": "bus-18-pass"}, vehicle_id="bus-18", key=bus18)[0]
    assert first["status"] == other["status"] == "created"
    assert other["sighting_id"] != first["sighting_id"]
    again = post_items(client, item, vehicle_id="bus-17", key=bus17)[0]
    assert again == first | {"status": "duplicate"}  # the retry still answers bus-17's own sighting
    sightings = client.get(f"/v1/potholes/{first['pothole_id']}").json()["sighting_list"]
    shared = sorted(s["vehicle_id"] for s in sightings if s["client_id"] == "shared-id-1")
    assert shared == ["bus-17", "bus-18"]


@dataclass(frozen=True)
class _Box:
    xyxy_px: tuple[float, float, float, float]
    confidence: float


class _Detector:
    def __call__(self, image: np.ndarray) -> tuple[_Box, ...]:
        return (_Box((300.0, 273.0, 340.0, 293.0), 0.9),)


def _frame(client: TestClient, key: str, vehicle_id: str) -> dict:
    pos = gps_seeing(SITE, 90.0)
    meta = {
        "client_id": "frame-shared",
        "vehicle_id": vehicle_id,
        "captured_at": T0.isoformat(),
        "gps": {"lat": pos.lat, "lon": pos.lon, "accuracy_m": 3.0, "heading_deg": 90.0},
    }
    response = client.post(
        "/v1/frames",
        files={"image": ("f.jpg", jpeg_bytes(), "image/jpeg")},
        data={"metadata": json.dumps(meta)},
        headers={"X-API-Key": key},
    )
    assert response.status_code in (200, 201), response.text
    return {"code": response.status_code, **response.json()}


def test_the_same_frame_client_id_from_two_vehicles_is_two_frames(client: TestClient) -> None:
    client.app.state.services = replace(services_of(client.app), detector=_Detector())  # type: ignore[attr-defined]
    bus17, bus18 = make_key(client, "vehicle", "bus-17"), make_key(client, "vehicle", "bus-18")
    first = _frame(client, bus17, "bus-17")
    other = _frame(client, bus18, "bus-18")
    assert first["code"] == other["code"] == 201 and other["frame_id"] != first["frame_id"]
    assert other["detections"][0]["sighting_id"] != first["detections"][0]["sighting_id"]
    assert _frame(client, bus17, "bus-17") == first | {"code": 200}


def test_two_vehicles_with_one_pass_id_are_two_passes(client: TestClient) -> None:
    """A pass id groups one vehicle's sightings: the same id from another vehicle is another pass, so two
    vehicles seeing a pothole confirm it (two passes), and neither's bias estimate mixes in the other's."""
    bus17, bus18 = make_key(client, "vehicle", "bus-17"), make_key(client, "vehicle", "bus-18")
    first = post_items(client, make_item(pass_id="p-1"), vehicle_id="bus-17", key=bus17)[0]
    later = T0 + timedelta(hours=1)
    post_items(client, make_item(pass_id="p-1", captured_at=later), vehicle_id="bus-18", key=bus18)
    pothole = client.get(f"/v1/potholes/{first['pothole_id']}").json()
    assert pothole["passes"] == 2 and pothole["status"] == "confirmed"
    assert {s["pass_id"] for s in pothole["sighting_list"]} == {"p-1"}  # shown as each vehicle sent it


def _pass(client: TestClient, key: str, vehicle_id: str, start: datetime, *, over_site: bool) -> dict:
    target = SITE if over_site else offset_latlon(SITE, 500, 0, 0.0)
    west, east = offset_latlon(target, 0, -60, 0.0), offset_latlon(target, 0, 60, 0.0)
    body = {
        "client_id": "2026-12-01T09:00:00Z/pass",
        "vehicle_id": vehicle_id,
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(seconds=30)).isoformat(),
        "track": [
            {"lat": west.lat, "lon": west.lon, "t": start.isoformat()},
            {"lat": east.lat, "lon": east.lon, "t": (start + timedelta(seconds=20)).isoformat()},
        ],
    }
    response = client.post("/v1/passes", json=body, headers={"X-API-Key": key})
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_another_vehicle_cannot_pre_empt_a_pass(client: TestClient) -> None:
    _, order_id = confirmed_pothole(client)
    assert client.post("/v1/crews", json={"crew_id": "crew-1"}).status_code == 201
    for status in ("assigned", "in_progress", "repaired"):
        body = {"status": status} | ({"assignee": "crew-1"} if status == "assigned" else {})
        assert client.patch(f"/v1/work-orders/{order_id}", json=body).status_code == 200
    bus17, bus18 = make_key(client, "vehicle", "bus-17"), make_key(client, "vehicle", "bus-18")
    start = datetime.now(UTC) + timedelta(seconds=1)
    squatter = _pass(client, bus18, "bus-18", start, over_site=False)  # bus-17's id, sent first
    assert squatter["status"] == "created" and squatter["verified_work_orders"] == []
    own = _pass(client, bus17, "bus-17", start, over_site=True)
    assert own["status"] == "created" and own["verified_work_orders"] == [order_id]
    assert own["pass_id"] != squatter["pass_id"]
    assert _pass(client, bus18, "bus-18", start, over_site=False) == squatter | {"status": "duplicate"}
