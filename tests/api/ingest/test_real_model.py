"""The real ONNX detector behind POST /v1/frames on a real dashcam frame (skips until weights/ has one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from backend_factories import ADMIN_KEY
from fastapi.testclient import TestClient

from api.config import Settings
from api.main import create_app
from api.services import services_of

pytestmark = pytest.mark.needs_shared
ADMIN = {"X-API-Key": ADMIN_KEY}  # /metrics needs a metrics or admin key


def test_real_frame_through_the_real_model(tmp_path: Path, shared_dir: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'm.db'}",
        migrate_on_start="create_all",
        load_model=True,
        bootstrap_admin_key=ADMIN_KEY,
        detector_threads=1,
        max_past_s=20 * 365 * 86_400.0,  # the recorded drive is from 2018
    )
    frame = (shared_dir / "dashcam" / "comma2k19_ex1_preview_frame0.png").read_bytes()
    with TestClient(create_app(settings)) as client:
        services = services_of(client.app)
        if services.detector is None:
            pytest.skip(f"no model: {services.model_error}")
        assert client.get("/readyz").status_code == 200
        frames_timed_before = _detector_count(client.get("/metrics", headers=ADMIN).text)
        meta = (
            '{"client_id": "cm-0", "vehicle_id": "rav4", "captured_at": "2018-08-02T16:14:48.397Z", '
            '"gps": {"lat": 37.72100001, "lon": -122.47229909, "accuracy_m": 2.0, "heading_deg": 2.1}}'
        )
        response = client.post(
            "/v1/frames",
            files={"image": ("f.png", frame, "image/png")},
            data={"metadata": meta},
            headers={"X-API-Key": ADMIN_KEY},
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["model_id"] and isinstance(body["detections"], list)
        for d in body["detections"]:
            x1, y1, x2, y2 = d["box_xyxy_px"]
            assert 0 <= x1 < x2 <= 1164 and 0 <= y1 < y2 <= 874
        # the registry is per process: other tests may have timed frames before this one
        assert _detector_count(client.get("/metrics", headers=ADMIN).text) == frames_timed_before + 1


def _detector_count(metrics_text: str) -> float:
    for line in metrics_text.splitlines():
        if line.startswith("pothole_detector_seconds_count"):
            return float(line.split()[-1])
    return 0.0
