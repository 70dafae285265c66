"""Plain helpers for the tests that run the service with the real Hwaseong layers (their fixtures are in
tests/api/conftest.py): the admin key, the settings of a seeded SQLite file, one ingested sighting."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

DISTRICTS = "hwaseong_emd_sgis2025q2"

ADMIN_KEY = "layers-test-admin-key-0123456789"
ADMIN = {"X-API-Key": ADMIN_KEY}


def make_settings(db_path: Path, layers_dir: Path | None = None) -> Any:
    from api.config import Settings

    return Settings(
        database_url=f"sqlite:///{db_path}",
        migrate_on_start="create_all",
        layers_dir=layers_dir,
        bootstrap_admin_key=ADMIN_KEY,
        load_model=False,
        require_model=False,
        log_json=False,
        log_level="WARNING",
        max_past_s=10 * 365 * 86_400.0,  # these tests ingest at fixed dates (late 2026), not "days ago"
    )


def ingest(
    client: Any,
    lat: float,
    lon: float,
    *,
    width_px: float = 200.0,
    confidence: float = 0.9,
    captured_at: str = "2026-11-25T10:00:00Z",
    vehicle: str = "bus-17",
) -> dict[str, Any]:
    """One on-board detection straight ahead of a vehicle heading north; returns the pothole it made."""
    item = {
        "client_id": str(uuid.uuid4()),
        "captured_at": captured_at,
        "gps": {"lat": lat, "lon": lon, "accuracy_m": 3.0, "heading_deg": 0.0, "speed_mps": 8.0},
        "frame_wh": [1920, 1080],
        "box_xyxy_px": [960 - width_px / 2, 800, 960 + width_px / 2, 900],
        "confidence": confidence,
        "model_id": "pw-test",
    }
    answer = client.post("/v1/sightings", headers=ADMIN, json={"vehicle_id": vehicle, "items": [item]})
    assert answer.status_code == 200, answer.text
    pothole_id = answer.json()["results"][0]["pothole_id"]
    pothole = client.get(f"/v1/potholes/{pothole_id}", headers=ADMIN)
    assert pothole.status_code == 200, pothole.text
    return pothole.json()
