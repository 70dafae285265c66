"""Each finding of the hostile-input review, pinned: a 4xx naming the field, never a 5xx, never an echo."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from security_factories import (
    ADMIN_KEY,
    BOMBS,
    CREW_KEY,
    VEHICLE_KEY,
    b64,
    batch,
    item,
    jpeg,
    pass_body,
)

from api.main import create_app
from api.services import services_of

HUGE = "99999999999999999999999"  # > 2^63: the drivers' OverflowError


def post_raw(client: TestClient, path: str, text: str, method: str = "POST") -> Any:
    return client.request(method, path, content=text, headers={"content-type": "application/json"})


# -- numbers ---------------------------------------------------------------------------------------------
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e400"]
PLACES = [
    ("/v1/sightings", lambda: batch(item(confidence="@")), ["items", 0, "confidence"]),
    ("/v1/sightings", lambda: batch(item(gps={"lat": "@", "lon": 126.8, "heading_deg": 9})), ["gps", "lat"]),
    ("/v1/sightings", lambda: batch(item(box_xyxy_px=[900, 820, "@", 880])), ["box_xyxy_px", 2]),
    (
        "/v1/passes",
        lambda: pass_body(track=[{"lat": "@", "lon": 126.8, "t": "2026-12-01T00:00:00Z"}]),
        ["lat"],
    ),
]


@pytest.mark.parametrize("token", NON_FINITE)
@pytest.mark.parametrize(("path", "make", "loc"), PLACES, ids=["confidence", "gps.lat", "box", "track.lat"])
def test_non_finite_numbers_are_422_naming_the_field(
    client: TestClient, token: str, path: str, make: Any, loc: list[Any]
) -> None:
    text = json.dumps(make()).replace('"@"', token)
    response = post_raw(client, path, text)
    assert response.status_code == 422, response.text
    locs = [e["loc"] for e in response.json()["detail"]]
    assert any(e[-len(loc) :] == loc for e in locs), locs


@pytest.mark.parametrize("token", NON_FINITE)
def test_camera_settings_refuse_non_finite_and_absurd_coefficients(client: TestClient, token: str) -> None:
    response = post_raw(client, "/v1/vehicles/bus-9/camera", f'{{"dist_coeffs": [{token}, 0, 0, 0]}}', "PUT")
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-2:] == ["dist_coeffs", 0]
    for coefficients in ([1e300, 0, 0, 0], [5.0, 0, 0, 0]):  # absurd; folds the frame over itself
        response = client.put("/v1/vehicles/bus-9/camera", json={"dist_coeffs": coefficients})
        assert response.status_code == 422 and "dist_coeffs" in response.text
    assert client.get("/v1/vehicles/bus-9/camera").json()["dist_coeffs"] is None  # nothing stored


def test_a_real_lens_profile_is_still_accepted(client: TestClient) -> None:
    body = {"height_m": 2.8, "pitch_down_deg": 12, "dist_coeffs": [-0.32, 0.11, 0.0, 0.0, -0.015]}
    assert client.put("/v1/vehicles/bus-17/camera", json=body).status_code == 200


def test_the_validation_answer_never_echoes_the_input(client: TestClient) -> None:
    marker = "ECHO-" + "x" * 2000
    body = {"vehicle_id": "bus-17", "items": [{"client_id": marker, "confidence": marker}] * 600}
    response = client.post("/v1/sightings", json=body)
    assert response.status_code == 422
    assert "ECHO-" not in response.text and len(response.content) < 20_000
    assert all(set(e) == {"loc", "msg", "type"} for e in response.json()["detail"])


@pytest.mark.parametrize(
    "path",
    [
        f"/v1/potholes/{HUGE}",
        f"/v1/potholes?offset={HUGE}",
        f"/v1/potholes/1/photo/{HUGE}",
        f"/v1/work-orders/{HUGE}",
        f"/v1/work-orders/1/history/{HUGE}/photo",
        f"/ogc/collections/potholes/items?offset={HUGE}",
        f"/ogc/collections/potholes/items/{HUGE}",
        "/ogc/collections/potholes/items/²",
        "/ogc/collections/potholes/items?limit=٣",
        f"/open311/v2/requests/{HUGE}.json",
        "/open311/v2/requests/².json",
        f"/open311/v2/requests.json?service_request_id={HUGE}",
        "/open311/v2/requests.json?service_request_id=1,²",
    ],
)
def test_ids_and_offsets_beyond_the_database_or_not_ascii_are_4xx(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert 400 <= response.status_code < 500, response.text


# -- dates -----------------------------------------------------------------------------------------------
def _ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    "captured_at", ["0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", _ago(31), "9999-12-31T23:59:59Z"]
)
def test_captured_at_is_bounded_both_ways(client: TestClient, captured_at: str) -> None:
    response = client.post("/v1/sightings", json=batch(item(captured_at=captured_at)))
    assert response.status_code == 422 and "items" in response.text and "captured_at" in response.text
    assert client.get("/v1/potholes").json()["numberMatched"] == 0


def test_the_past_horizon_is_a_setting(client: TestClient) -> None:
    assert client.post("/v1/sightings", json=batch(item(captured_at=_ago(29)))).status_code == 200
    settings = services_of(client.app).settings.model_copy(update={"max_past_s": 86_400.0})
    with TestClient(create_app(settings)) as strict:
        response = strict.post(
            "/v1/sightings", json=batch(item(captured_at=_ago(2))), headers={"X-API-Key": ADMIN_KEY}
        )
        assert response.status_code == 422 and "items[0].captured_at" in response.text


@pytest.mark.parametrize("t", ["9999-01-01T00:00:00Z", "0001-01-01T00:00:00Z", _ago(40)])
def test_track_point_times_are_bounded(client: TestClient, t: str) -> None:
    body = pass_body()
    body["track"][1]["t"] = t
    response = client.post("/v1/passes", json=body)
    assert response.status_code == 422 and "track" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/open311/v2/requests.json?end_date=0001-01-01T00:00:00Z",
        "/open311/v2/requests.json?start_date=0001-01-01T00:00:00%2B09:00",
        "/open311/v2/requests.json?end_date=9999-12-31T23:59:59-09:00",
        "/ogc/collections/potholes/items?datetime=0001-01-01T00:00:00%2B09:00",
        "/ogc/collections/potholes/items?datetime=0001-01-01T00:00:00Z/..",
    ],
)
def test_public_date_filters_with_absurd_years_are_400(client: TestClient, path: str) -> None:
    client.headers.pop("X-API-Key")
    response = client.get(path)
    assert response.status_code == 400, response.text


# -- geolocation and batches -----------------------------------------------------------------------------
def test_a_position_past_the_pole_is_a_rejected_item_and_the_others_stand(client: TestClient) -> None:
    polar = item(gps={"lat": 89.99999, "lon": 10.0, "heading_deg": 0.0})
    at_pole = item(gps={"lat": 90.0, "lon": 10.0, "heading_deg": 0.0})
    first, last = item(), item(box_xyxy_px=[700.0, 820.0, 800.0, 880.0])
    response = client.post("/v1/sightings", json=batch(first, polar, at_pole, last))
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "rejected", "rejected", "created"]
    assert [r["index"] for r in results] == [0, 1, 2, 3]
    assert "pole" in results[1]["detail"] and results[1]["sighting_id"] is None
    again = client.post("/v1/sightings", json=batch(first, polar, at_pole, last)).json()["results"]
    assert [r["status"] for r in again] == ["duplicate", "rejected", "rejected", "duplicate"]


# -- images ----------------------------------------------------------------------------------------------
def test_a_crop_must_decode_and_is_stored_as_our_own_encoding(client: TestClient) -> None:
    fake = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\xff\xd9"  # JPEG magic and end, no image
    response = client.post("/v1/sightings", json=batch(item(crop_jpeg_b64=b64(fake))))
    assert response.status_code == 422 and "items[0].crop_jpeg_b64" in response.text
    sent = jpeg(64, 48)[:-2] + b"\xff\xfe" + b"x" * 40 + b"\xff\xd9"  # a JPEG with a trailing comment
    result = client.post("/v1/sightings", json=batch(item(crop_jpeg_b64=b64(sent)))).json()["results"][0]
    served = client.get(f"/v1/potholes/{result['pothole_id']}/photo/{result['sighting_id']}")
    assert served.status_code == 200 and served.content != sent
    image = cv2.imdecode(np.frombuffer(served.content, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[:2] == (48, 64)


@pytest.mark.parametrize("kind", BOMBS)
def test_bombs_are_refused_from_their_header_on_every_image_route(client: TestClient, kind: str) -> None:
    bomb = BOMBS[kind]()
    files = {"image": ("f.jpg", bomb, "image/jpeg")}
    meta = {"client_id": "f-1", "vehicle_id": "bus-17", "captured_at": _ago(1), "gps": item()["gps"]}
    response = client.post("/v1/frames", files=files, data={"metadata": json.dumps(meta)})
    assert response.status_code in (413, 415) and response.json()["detail"].startswith("image")
    response = client.post("/v1/sightings", json=batch(item(crop_jpeg_b64=b64(bomb))))
    assert response.status_code == 422 and "crop_jpeg_b64" in response.text
    patch = {"status": "repaired", "photo_jpeg_b64": b64(bomb)}
    response = client.patch("/v1/work-orders/1", json=patch, headers={"X-API-Key": CREW_KEY})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "photo_jpeg_b64"


def test_the_pixel_cap_is_a_setting(client: TestClient) -> None:
    settings = services_of(client.app).settings.model_copy(update={"max_image_pixels": 1000})
    with TestClient(create_app(settings)) as small:
        response = small.post(
            "/v1/sightings",
            json=batch(item(crop_jpeg_b64=b64(jpeg(64, 48)))),
            headers={"X-API-Key": VEHICLE_KEY},
        )
        assert response.status_code == 422 and "64x48 pixels exceeds the cap of 1000" in response.text


# -- bodies ----------------------------------------------------------------------------------------------
def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/v1/layers/potholes_extra"),
        ("PATCH", "/v1/work-orders/1"),
        ("PUT", "/v1/vehicles/bus-17/camera"),
        ("PUT", "/v1/policy"),
        ("POST", "/open311/v2/requests.json"),
    ],
)
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_every_over_cap_body_is_413_naming_the_cap(
    client: TestClient, method: str, path: str, chunked: bool
) -> None:
    size = 9 * 1024 * 1024
    content: Any = _chunks(size) if chunked else b" " * size
    form = "application/x-www-form-urlencoded"
    media = form if path.startswith("/open311") else "application/json"
    response = client.request(method, path, content=content, headers={"content-type": media})
    assert response.status_code == 413, response.text[:200]
    assert "8388608 byte upload limit (8 MiB)" in response.json()["detail"]


def test_a_chunked_batch_over_its_cap_is_413_not_a_parse_error(client: TestClient) -> None:
    settings = services_of(client.app).settings.model_copy(update={"max_batch_bytes": 4096})
    with TestClient(create_app(settings)) as small:
        text = json.dumps(batch(*[item() for _ in range(40)])).encode()
        response = small.post(
            "/v1/sightings",
            content=iter([text[i : i + 1024] for i in range(0, len(text), 1024)]),
            headers={"content-type": "application/json", "X-API-Key": ADMIN_KEY},
        )
        assert response.status_code == 413 and "4096 byte upload limit" in response.json()["detail"]


@pytest.mark.parametrize("hours", ["NaN", "1e300"])
def test_a_policy_with_a_non_finite_or_absurd_due_time_is_422(client: TestClient, hours: str) -> None:
    text = json.dumps(client.get("/v1/policy").json()["policy"])
    first_hours = text.index('"hours": ') + len('"hours": ')
    end = text.index("}", first_hours)
    response = post_raw(client, "/v1/policy", text[:first_hours] + hours + text[end:], "PUT")
    assert response.status_code == 422 and "due.hours" in response.json()["detail"], response.text[:200]
