"""Real data (../shared/dashcam, comma2k19 example: one minute of driving in San Francisco, u-blox GNSS
at 10 Hz): headings derived from fixes, and sightings without a heading placed on the real road."""

from __future__ import annotations

import csv
import statistics
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from backend_factories import BOX, post_items
from fastapi.testclient import TestClient

from api.geo import DEFAULT_CAMERA
from api.geo.geolocate import ground_offset_m
from common.geodesy import LatLon, distance_m
from common.gps import GpsFix, heading_from_track

pytestmark = pytest.mark.needs_shared


def _fixes(shared_dir: Path) -> list[dict]:
    with (shared_dir / "dashcam" / "comma2k19_ex1_gnss_ublox.csv").open() as f:
        rows = list(csv.DictReader(f))
    return [
        {
            "t": datetime.fromisoformat(r["utc_time"].replace("Z", "+00:00")),
            "pos": LatLon(float(r["lat_deg"]), float(r["lon_deg"])),
            "speed_mps": float(r["speed_mps"]),
            "bearing_deg": float(r["bearing_deg"]),
        }
        for r in rows
    ]


def _fix(row: dict) -> GpsFix:
    return GpsFix(row["t"].timestamp(), row["pos"].lat, row["pos"].lon, accuracy_m=2.0)


def _angle_diff(a: float, b: float) -> float:
    return abs((a - b + 180) % 360 - 180)


def test_heading_from_real_fixes_matches_the_receivers_course(shared_dir: Path) -> None:
    fixes = _fixes(shared_dir)
    errors = []
    for i, fix in enumerate(fixes):
        if fix["speed_mps"] < 3 or i < 20:
            continue
        previous = [_fix(f) for f in fixes[max(0, i - 50) : i]]
        derived = heading_from_track(_fix(fix), previous, min_baseline_m=8.0)
        if derived is not None:
            errors.append(_angle_diff(derived.deg, fix["bearing_deg"]))
    assert len(errors) > 300
    # the derived heading is the chord over the last ~8 m, the receiver's is instantaneous: close on a street
    assert statistics.median(errors) < 5.0


def test_real_drive_without_headings_lands_on_the_road_ahead(client: TestClient, shared_dir: Path) -> None:
    """Every second, a pothole in the box just ahead; the heading comes from the earlier fixes (sent as
    sightings of other potholes). The placed point must lie close to where the car drove a moment later."""
    fixes = _fixes(shared_dir)
    near_m, _ = ground_offset_m((BOX[0] + BOX[2]) / 2, BOX[3], DEFAULT_CAMERA)
    t_shift = datetime.now().astimezone() - timedelta(days=2) - fixes[0]["t"]  # recent, never in the future
    items = []
    for i, fix in enumerate(fixes):
        if i % 10:
            continue
        items.append(
            {
                "client_id": f"real-{i}",
                "captured_at": (fix["t"] + t_shift).isoformat(),
                "gps": {"lat": fix["pos"].lat, "lon": fix["pos"].lon, "accuracy_m": 2.0},
                "frame_wh": [1920, 1080],
                "box_xyxy_px": list(BOX),
                "confidence": 0.5,
                "pass_id": "real",
            }
        )
    results = post_items(client, *items[:25]) + post_items(client, *items[25:])
    placed = [r for r in results if r["status"] == "created"]
    assert len(placed) >= len(items) - 2  # only the very first fixes lack a history
    track = [f["pos"] for f in fixes]
    misses = []
    for r in placed:
        detail = client.get(f"/v1/potholes/{r['pothole_id']}").json()
        s = next(s for s in detail["sighting_list"] if s["client_id"] == r["client_id"])
        point = LatLon(s["lat"], s["lon"])
        misses.append(min(distance_m(point, p) for p in track))
        origin = fixes[int(r["client_id"].split("-")[1])]["pos"]
        assert near_m < distance_m(origin, point) < near_m + 2.0
    assert statistics.median(misses) < 0.5 and max(misses) < 2.5  # the worst is in a turn: the chord lags
