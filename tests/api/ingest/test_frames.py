"""POST /v1/frames: the server-side detector path, replay, and every bad-upload answer."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pytest
from backend_factories import SITE, T0, gps_seeing, jpeg_bytes
from fastapi.testclient import TestClient

from api.services import services_of


@dataclass(frozen=True)
class FakeDetection:
    xyxy_px: tuple[float, float, float, float]
    confidence: float


@dataclass(frozen=True)
class FakeInfo:
    model_id: str = "pw-fake"


class FakeDetector:
    """Answers fixed boxes (scaled to the frame); counts calls so a replay can prove it did not run."""

    info = FakeInfo()

    def __init__(self, boxes: list[tuple[tuple[float, float, float, float], float]]) -> None:
        self.boxes = boxes
        self.calls = 0

    def __call__(self, image: np.ndarray) -> tuple[FakeDetection, ...]:
        self.calls += 1
        return tuple(FakeDetection(b, c) for b, c in self.boxes)


BOX_1080 = (900.0, 820.0, 1020.0, 880.0)
BOX_360 = tuple(v / 3 for v in BOX_1080)  # the same box on a 640x360 frame


def metadata(**overrides: Any) -> str:
    pos = gps_seeing(SITE, 90.0)
    meta = {
        "client_id": "frame-1",
        "vehicle_id": "bus-17",
        "captured_at": T0.isoformat(),
        "gps": {"lat": pos.lat, "lon": pos.lon, "accuracy_m": 3.0, "heading_deg": 90.0},
    }
    return json.dumps(meta | overrides)


def post_frame(
    client: TestClient, data: bytes, meta: str | None = None, content_type: str = "image/jpeg"
) -> Any:
    return client.post(
        "/v1/frames", files={"image": ("f.jpg", data, content_type)}, data={"metadata": meta or metadata()}
    )


@pytest.fixture
def detector(client: TestClient) -> FakeDetector:
    fake = FakeDetector([(BOX_360, 0.9), ((10.0, 5.0, 40.0, 20.0), 0.5)])  # the second is above the horizon
    client.app.state.services = replace(services_of(client.app), detector=fake)  # type: ignore[attr-defined]
    return fake


def test_frame_is_detected_stored_and_replayed(client: TestClient, detector: FakeDetector) -> None:
    first = post_frame(client, jpeg_bytes())
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["model_id"] == "pw-fake" and len(body["detections"]) == 2
    placed, skipped = body["detections"]
    assert placed["pothole_id"] and placed["sighting_id"]
    assert skipped["pothole_id"] is None and "horizon" in skipped["detail"]
    replay = post_frame(client, jpeg_bytes())
    assert replay.status_code == 200 and replay.json() == body
    assert detector.calls == 1
    pothole = client.get(f"/v1/potholes/{placed['pothole_id']}").json()
    assert pothole["status"] == "confirmed"  # 0.9 >= the high-confidence threshold
    from common.geodesy import LatLon, distance_m

    assert distance_m(LatLon(pothole["lat"], pothole["lon"]), SITE) < 0.5
    photo = client.get(pothole["photos"][0])
    assert photo.status_code == 200 and photo.content.startswith(b"\xff\xd8")


def test_png_is_accepted(client: TestClient, detector: FakeDetector) -> None:
    import cv2

    ok, png = cv2.imencode(".png", np.zeros((360, 640, 3), np.uint8))
    assert post_frame(client, png.tobytes(), content_type="image/png").status_code == 201


def test_not_an_image_is_415(client: TestClient, detector: FakeDetector) -> None:
    response = post_frame(client, b"hello, this is text", content_type="text/plain")
    assert response.status_code == 415 and "image" in response.json()["detail"]


def test_corrupt_jpeg_is_422_naming_the_field(client: TestClient, detector: FakeDetector) -> None:
    data = jpeg_bytes()
    response = post_frame(client, data[: len(data) // 2])
    assert response.status_code == 422 and response.json()["detail"].startswith("image")
    assert client.get("/v1/potholes").json()["numberMatched"] == 0


def test_too_large_is_413(client: TestClient, detector: FakeDetector) -> None:
    limit = services_of(client.app).settings.max_upload_bytes
    response = post_frame(client, b"\xff\xd8\xff" + bytes(limit))
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"gps": {"lat": -91, "lon": 0}}, "lat"),
        ({"captured_at": "2999-01-01T00:00:00Z"}, "captured_at"),
        ({"client_id": ""}, "client_id"),
    ],
    ids=["lat", "future", "client_id"],
)
def test_bad_metadata_is_422_naming_the_field(
    client: TestClient, detector: FakeDetector, patch: dict, field: str
) -> None:
    response = post_frame(client, jpeg_bytes(), metadata(**patch))
    assert response.status_code == 422 and field in response.text


def test_metadata_not_json_is_422(client: TestClient, detector: FakeDetector) -> None:
    response = post_frame(client, jpeg_bytes(), "{not json")
    assert response.status_code == 422 and "metadata" in response.text


def test_no_model_is_503(client: TestClient) -> None:
    response = post_frame(client, jpeg_bytes())
    assert response.status_code == 503 and "model" in response.json()["detail"]


def test_vehicle_key_frames_only_as_itself(client: TestClient, detector: FakeDetector) -> None:
    from backend_factories import make_key

    key = make_key(client, "vehicle", "bus-5")
    response = client.post(
        "/v1/frames",
        files={"image": ("f.jpg", jpeg_bytes(), "image/jpeg")},
        data={"metadata": metadata()},
        headers={"X-API-Key": key},
    )
    assert response.status_code == 403


def test_detector_boxes_are_cut_to_the_frame_and_slivers_dropped() -> None:
    """The same `common.contract.clip_box` as the agent: under a pixel left of a box is no detection."""
    from api.ingest.frames import run_detector

    fake = FakeDetector([((-10.0, 300.0, 50.0, 370.0), 0.8), ((639.5, 10.0, 700.0, 40.0), 0.7)])
    assert run_detector(fake, np.zeros((360, 640, 3), np.uint8)) == [((0.0, 300.0, 50.0, 360.0), 0.8)]
