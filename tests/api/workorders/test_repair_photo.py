"""A repair photo with PATCH /v1/work-orders/{id}: validated (422 naming the field), kept with the history
event, served at its `photo_url` to staff keys only; the OpenAPI schema declares it (the web app checks)."""

from __future__ import annotations

import base64
from collections.abc import Callable

import cv2
import numpy as np
import pytest
from backend_factories import confirmed_pothole, jpeg_bytes, make_key
from fastapi.testclient import TestClient


def _started(client: TestClient) -> tuple[int, str]:
    _, order_id = confirmed_pothole(client)
    crew = make_key(client, "crew", "crew-7")
    assert client.patch(
        f"/v1/work-orders/{order_id}", json={"status": "assigned", "assignee": "crew-7"}
    ).is_success
    started = client.patch(
        f"/v1/work-orders/{order_id}", json={"status": "in_progress"}, headers={"X-API-Key": crew}
    )
    assert started.status_code == 200, started.text
    return order_id, crew


def test_repair_photo_is_kept_with_the_event_and_served_to_staff_only(client: TestClient) -> None:
    order_id, crew = _started(client)
    photo = jpeg_bytes(320, 240, seed=3)
    body = {"status": "repaired", "note": "filled", "photo_jpeg_b64": base64.b64encode(photo).decode()}
    done = client.patch(f"/v1/work-orders/{order_id}", json=body, headers={"X-API-Key": crew})
    assert done.status_code == 200, done.text
    events = client.get(f"/v1/work-orders/{order_id}/history", headers={"X-API-Key": crew}).json()
    assert [e["photo_url"] for e in events[:-1]] == [None] * (len(events) - 1)
    url = events[-1]["photo_url"]
    assert url == f"/v1/work-orders/{order_id}/history/{events[-1]['id']}/photo"
    served = client.get(url, headers={"X-API-Key": crew})
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    # what is served is our own encoding of the photo's pixels (nothing the phone sent reaches a browser)
    ours = cv2.imencode(
        ".jpg", cv2.imdecode(np.frombuffer(photo, np.uint8), cv2.IMREAD_COLOR), [cv2.IMWRITE_JPEG_QUALITY, 90]
    )
    assert served.content == ours[1].tobytes()
    assert client.get(url, headers={"X-API-Key": ""}).status_code == 401
    vehicle = make_key(client, "vehicle", "bus-17")
    assert client.get(url, headers={"X-API-Key": vehicle}).status_code == 403
    assert client.get(f"/v1/work-orders/{order_id}/history/{events[0]['id']}/photo").status_code == 404
    assert client.get(f"/v1/work-orders/{order_id + 1}/history/{events[-1]['id']}/photo").status_code == 404


def test_png_is_accepted_and_served_as_png(client: TestClient) -> None:
    order_id, crew = _started(client)
    ok, buf = cv2.imencode(".png", np.full((40, 60, 3), 128, np.uint8))
    assert ok
    body = {"status": "repaired", "photo_jpeg_b64": base64.b64encode(buf.tobytes()).decode()}
    assert (
        client.patch(f"/v1/work-orders/{order_id}", json=body, headers={"X-API-Key": crew}).status_code == 200
    )
    url = client.get(f"/v1/work-orders/{order_id}/history").json()[-1]["photo_url"]
    assert client.get(url).headers["content-type"] == "image/png"


def _not_an_image() -> str:
    return base64.b64encode(b"GIF89a not what we take").decode()


def _truncated_jpeg() -> str:
    return base64.b64encode(jpeg_bytes()[:-200]).decode()


def _too_large() -> str:
    noise = np.random.default_rng(0).integers(0, 255, (1200, 1600, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".png", noise)
    assert ok and len(buf) > 512 * 1024
    return base64.b64encode(buf.tobytes()).decode()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: "@@not base64@@", "base64"),
        (_not_an_image, "not a JPEG or PNG"),
        (_truncated_jpeg, "corrupt JPEG"),
        (_too_large, "512 KiB"),
    ],
)
def test_bad_photo_is_422_naming_the_field_and_changes_nothing(
    client: TestClient, make: Callable[[], str], words: str
) -> None:
    order_id, crew = _started(client)
    body = {"status": "repaired", "photo_jpeg_b64": make()}
    response = client.patch(f"/v1/work-orders/{order_id}", json=body, headers={"X-API-Key": crew})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail[0]["loc"][-1] == "photo_jpeg_b64" and words in detail[0]["msg"]
    assert client.get(f"/v1/work-orders/{order_id}").json()["status"] == "in_progress"


def test_openapi_declares_the_photo_field(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert "photo_jpeg_b64" in schemas["WorkOrderPatch"]["properties"]
    assert "photo_url" in schemas["EventPublic"]["properties"]
