"""POST /v1/sightings through HTTP: idempotency, de-duplication, confirmation, validation, nothing partial."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from backend_factories import (
    SITE,
    T0,
    in_future,
    jpeg_b64,
    jpeg_bytes,
    make_batch,
    make_item,
    make_key,
    post_items,
)
from fastapi.testclient import TestClient

from common.geodesy import offset_latlon


def test_created_then_retry_is_duplicate_with_same_ids_and_no_change(client: TestClient) -> None:
    items = [make_item(), make_item(captured_at=T0 + timedelta(seconds=1))]
    first = post_items(client, *items)
    assert [r["status"] for r in first] == ["created", "created"]
    before = client.get(f"/v1/potholes/{first[0]['pothole_id']}").json()
    again = post_items(client, *items)
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    assert [(r["sighting_id"], r["pothole_id"]) for r in again] == [
        (r["sighting_id"], r["pothole_id"]) for r in first
    ]
    after = client.get(f"/v1/potholes/{first[0]['pothole_id']}").json()
    assert after["sightings"] == before["sightings"] == 2
    assert after["last_seen"] == before["last_seen"]


def test_sightings_within_gps_error_join_one_pothole_and_average(client: TestClient) -> None:
    results = post_items(
        client,
        *[
            make_item(lateral_error_m=e, captured_at=T0 + timedelta(seconds=i))
            for i, e in enumerate((-2.0, 2.0, -1.0, 1.0))
        ],
    )
    assert len({r["pothole_id"] for r in results}) == 1
    pothole = client.get(f"/v1/potholes/{results[0]['pothole_id']}").json()
    assert pothole["sightings"] == 4 and pothole["passes"] == 1
    assert pothole["status"] == "candidate" and pothole["work_order"] is None
    # the symmetric errors average out: the pothole sits on the site
    from common.geodesy import LatLon, distance_m

    assert distance_m(LatLon(pothole["lat"], pothole["lon"]), SITE) < 0.5


def test_far_sighting_makes_another_pothole(client: TestClient) -> None:
    near = post_items(client, make_item())[0]
    far = post_items(client, make_item(offset_latlon(SITE, 30.0, 0.0, 0.0)))[0]
    assert near["pothole_id"] != far["pothole_id"]


def test_second_pass_confirms_and_files_a_work_order(client: TestClient) -> None:
    first = post_items(client, make_item(pass_id="p-1"))[0]
    assert client.get(f"/v1/potholes/{first['pothole_id']}").json()["status"] == "candidate"
    second = post_items(client, make_item(pass_id="p-2", captured_at=T0 + timedelta(days=2)))[0]
    assert second["pothole_id"] == first["pothole_id"]
    pothole = client.get(f"/v1/potholes/{first['pothole_id']}").json()
    assert pothole["status"] == "confirmed" and pothole["passes"] == 2
    order = pothole["work_order"]
    assert order["status"] == "open" and 1 <= order["priority"] <= 5 and order["score_terms"]
    history = client.get(f"/v1/work-orders/{order['id']}/history").json()
    assert [(e["from_status"], e["to_status"]) for e in history] == [(None, "open")]


def test_one_confident_sighting_confirms(client: TestClient) -> None:
    result = post_items(client, make_item(confidence=0.95))[0]
    assert client.get(f"/v1/potholes/{result['pothole_id']}").json()["status"] == "confirmed"


def test_passes_without_pass_id_bucket_by_time(client: TestClient) -> None:
    a = make_item(captured_at=T0)
    b = make_item(captured_at=T0 + timedelta(hours=3))
    a.pop("pass_id"), b.pop("pass_id")
    results = post_items(client, a, b)
    assert client.get(f"/v1/potholes/{results[0]['pothole_id']}").json()["passes"] == 2


def test_heading_is_derived_from_previous_fixes(client: TestClient) -> None:
    target = SITE
    approach = make_item(target, captured_at=T0)  # heading 90: the vehicle drives east
    start = approach["gps"]
    earlier = offset_latlon(offset_latlon.__globals__["LatLon"](start["lat"], start["lon"]), -20.0, 0.0, 90.0)
    warmup = make_item(offset_latlon(target, 40.0, 0.0, 0.0), captured_at=T0 - timedelta(seconds=3))
    warmup["gps"] |= {"lat": earlier.lat, "lon": earlier.lon}
    approach["gps"] = {k: v for k, v in approach["gps"].items() if k != "heading_deg"}
    results = post_items(client, warmup, approach)
    assert results[1]["status"] == "created", results
    detail = client.get(f"/v1/potholes/{results[1]['pothole_id']}").json()
    sighting = next(s for s in detail["sighting_list"] if s["client_id"] == approach["client_id"])
    from common.geodesy import LatLon, distance_m

    assert distance_m(LatLon(sighting["lat"], sighting["lon"]), target) < 1.0


def test_no_heading_and_no_history_is_rejected_per_item(client: TestClient) -> None:
    item = make_item()
    del item["gps"]["heading_deg"]
    good = make_item(offset_latlon(SITE, 100.0, 0.0, 0.0))
    results = post_items(client, item, good)
    assert results[0]["status"] == "rejected" and "heading_deg" in results[0]["detail"]
    assert results[1]["status"] == "created"


def test_box_above_horizon_is_rejected_per_item(client: TestClient) -> None:
    results = post_items(client, make_item(box_xyxy_px=[900.0, 100.0, 1000.0, 150.0]))
    assert results[0]["status"] == "rejected" and "horizon" in results[0]["detail"]


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"gps": {"lat": 91.0, "lon": 126.8, "heading_deg": 10}}, "lat"),
        ({"gps": {"lat": 37.0, "lon": 181.0, "heading_deg": 10}}, "lon"),
        ({"gps": {"lat": 37.0, "lon": 126.8, "heading_deg": 361}}, "heading_deg"),
        ({"box_xyxy_px": [1800.0, 900.0, 2000.0, 950.0]}, "box_xyxy_px"),
        ({"box_xyxy_px": [900.0, 900.0, 800.0, 950.0]}, "box_xyxy_px"),
        ({"confidence": 1.5}, "confidence"),
        ({"captured_at": "2026-11-25T10:00:00"}, "captured_at"),
        ({"captured_at": in_future(60)}, "captured_at"),
        ({"crop_jpeg_b64": "not base64!"}, "crop_jpeg_b64"),
        ({"crop_jpeg_b64": "aGVsbG8gd29ybGQ="}, "crop_jpeg_b64"),
        ({"crop_jpeg_b64": base64.b64encode(jpeg_bytes()[:-200]).decode()}, "crop_jpeg_b64"),
    ],
    ids=[
        "lat",
        "lon",
        "heading",
        "box-outside",
        "box-inverted",
        "confidence",
        "naive-time",
        "future",
        "crop-b64",
        "crop-not-jpeg",
        "crop-truncated",  # the same JPEG rule as frames and repair photos (common.images)
    ],
)
def test_bad_item_is_422_naming_the_field_and_nothing_is_applied(
    client: TestClient, patch: dict, field: str
) -> None:
    good = make_item()
    bad = make_item(offset_latlon(SITE, 50.0, 0.0, 0.0)) | patch
    response = client.post("/v1/sightings", json=make_batch(good, bad))
    assert response.status_code == 422, response.text
    assert field in response.text
    assert client.get("/v1/potholes").json()["numberMatched"] == 0  # the good item was not applied either


def test_batch_too_large_is_422(client: TestClient) -> None:
    items = [make_item() for _ in range(501)]
    assert client.post("/v1/sightings", json=make_batch(*items)).status_code == 422


def test_crop_is_stored_and_served_only_with_a_key(client: TestClient) -> None:
    result = post_items(client, make_item(crop_jpeg_b64=jpeg_b64(w=64, h=48)))[0]
    detail = client.get(f"/v1/potholes/{result['pothole_id']}").json()
    url = detail["photos"][0]
    photo = client.get(url)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert photo.content.startswith(b"\xff\xd8")
    assert client.get(url, headers={"X-API-Key": ""}).status_code == 401
    vehicle_key = make_key(client, "vehicle", "bus-17")
    assert client.get(url, headers={"X-API-Key": vehicle_key}).status_code == 403


def test_vehicle_key_ingests_only_as_itself(client: TestClient) -> None:
    key = make_key(client, "vehicle", "bus-17")
    ok = client.post("/v1/sightings", json=make_batch(make_item()), headers={"X-API-Key": key})
    assert ok.status_code == 200
    other = client.post(
        "/v1/sightings", json=make_batch(make_item(), vehicle_id="bus-99"), headers={"X-API-Key": key}
    )
    assert other.status_code == 403 and "bus-99" in other.json()["detail"]
    crew = make_key(client, "crew", "crew-1")
    assert (
        client.post("/v1/sightings", json=make_batch(make_item()), headers={"X-API-Key": crew}).status_code
        == 403
    )


def test_no_key_or_unknown_key_is_401(client: TestClient) -> None:
    assert client.post("/v1/sightings", json=make_batch(), headers={"X-API-Key": ""}).status_code == 401
    assert (
        client.post("/v1/sightings", json=make_batch(), headers={"X-API-Key": "nope-nope-nope"}).status_code
        == 401
    )


def test_camera_profile_changes_the_ground_point(client: TestClient) -> None:
    before = post_items(client, make_item(client_id="a-1"), vehicle_id="bus-17")[0]
    put = client.put(
        "/v1/vehicles/bus-17/camera",
        json={"height_m": 2.8, "pitch_down_deg": 12, "hfov_deg": 110, "image_wh": [1920, 1080]},
    )
    assert put.status_code == 200 and put.json()["height_m"] == 2.8
    after = post_items(client, make_item(client_id="a-2"), vehicle_id="bus-17")[0]
    assert client.get("/v1/vehicles/bus-17/camera").json()["hfov_deg"] == 110
    d1 = client.get(f"/v1/potholes/{before['pothole_id']}").json()["sighting_list"]
    d2 = client.get(f"/v1/potholes/{after['pothole_id']}").json()["sighting_list"]
    s1 = next(s for s in d1 if s["client_id"] == "a-1")
    s2 = next(s for s in d2 if s["client_id"] == "a-2")
    assert s2["lon"] > s1["lon"]  # higher camera: the same pixel is further ahead (east)


def test_bad_camera_profile_is_422(client: TestClient) -> None:
    r = client.put("/v1/vehicles/bus-17/camera", json={"height_m": 1.4, "dist_coeffs": [0.1, 0.2, 0.3]})
    assert r.status_code == 422 and "dist_coeffs" in r.text


def test_batch_above_its_byte_cap_is_413(client: TestClient) -> None:
    from backend_factories import ADMIN_KEY

    from api.main import create_app
    from api.services import services_of

    settings = services_of(client.app).settings.model_copy(update={"max_batch_bytes": 2000})
    with TestClient(create_app(settings)) as small:
        body = make_batch(*[make_item() for _ in range(10)])
        response = small.post("/v1/sightings", json=body, headers={"X-API-Key": ADMIN_KEY})
        assert response.status_code == 413 and "upload limit" in response.json()["detail"]
        assert small.get("/v1/potholes", headers={"X-API-Key": ADMIN_KEY}).json()["numberMatched"] == 0
