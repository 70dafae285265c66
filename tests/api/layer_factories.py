"""Real Hwaseong layers, parsed once per session (they are read from ../shared, never copied)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.layers.registry import LayerSet, build_layer, load_layer_dir
from api.layers.synthetic import synthetic_grid

DISTRICTS = "hwaseong_emd_sgis2025q2"


@pytest.fixture(scope="session")
def hwaseong_dir(shared_dir: Path) -> Path:
    path = shared_dir / "layers" / "hwaseong"
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="session")
def hwaseong_layers(hwaseong_dir: Path) -> LayerSet:
    loaded = load_layer_dir(hwaseong_dir)
    return LayerSet().with_layers(
        [build_layer(name, parsed, version=1) for name, _, parsed in loaded], revision=1
    )


@pytest.fixture(scope="session")
def dongtan1_grid(hwaseong_layers: LayerSet) -> dict:
    districts = hwaseong_layers.get(DISTRICTS)
    assert districts is not None
    dong = next(f for f in districts.features if f.properties["name"] == "동탄1동")
    return synthetic_grid(dong.geometry_lonlat, district_name="동탄1동")


# --- the whole service, on a temp SQLite copy of a database seeded once with the Hwaseong layers ----------
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
    )


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory, hwaseong_dir: Path) -> Path:
    """Start the service once with POTHOLE_LAYERS_DIR so the layers are validated and stored once."""
    from fastapi.testclient import TestClient

    from api.main import create_app

    path = tmp_path_factory.mktemp("seed") / "seed.db"
    with TestClient(create_app(make_settings(path, hwaseong_dir))):
        pass
    return path


@pytest.fixture
def db_path(tmp_path: Path, seeded_db: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        source = seeded_db.with_name(seeded_db.name + suffix)
        if source.exists():
            shutil.copy(source, tmp_path / f"pw.db{suffix}")
    return tmp_path / "pw.db"


@pytest.fixture
def client(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from api.main import create_app

    monkeypatch.setenv("POTHOLE_LAYERS_REFRESH_S", "0")  # every request checks the revision: no waiting
    with TestClient(create_app(make_settings(db_path))) as test_client:
        yield test_client


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
