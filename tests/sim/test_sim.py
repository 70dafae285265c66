"""The simulator: geometry consistent with the API's camera model, honest noise, readable recordings."""

from __future__ import annotations

import json
import math
import random
import statistics
from pathlib import Path

import pytest

from api.geo.camera import CameraProfile
from api.geo.geolocate import geolocate_box
from common.geodesy import LatLon, distance_m, offset_latlon
from common.gps import GpsFix
from edge.gps import read_gps
from sim.camera import pothole_box_px, project_ground_px
from sim.cli import build_route, dataset_test_images
from sim.noise import GpsErrorModel, PassNoise
from sim.patrol import PatrolConfig, simulate_patrol
from sim.routes import graph_route, grid_edges
from sim.score import TruePothole, score

CAMERA = CameraProfile(image_wh=(1280, 720))
ORIGIN = LatLon(37.1995, 126.8312)


@pytest.mark.parametrize(
    ("forward_m", "right_m", "heading_deg"),
    [(4.0, 0.0, 0.0), (8.0, -1.0, 87.5), (15.0, 1.2, 200.0), (22.0, 0.5, 359.0)],
    ids=["near", "left-east", "right-south", "far"],
)
def test_a_simulated_box_geolocates_back_to_the_pothole(
    forward_m: float, right_m: float, heading_deg: float
) -> None:
    """api.geo's inverse of our forward projection lands on the pothole's centre (to a few cm)."""
    box = pothole_box_px(forward_m, right_m, 0.6, 0.5, CAMERA)
    assert box is not None
    located = geolocate_box(box, GpsFix(0.0, ORIGIN.lat, ORIGIN.lon, heading_deg=heading_deg), CAMERA)
    truth = offset_latlon(ORIGIN, forward_m, right_m, heading_deg)
    assert distance_m(LatLon(located.lat, located.lon), truth) < 0.05
    # a bounding box of an off-centre hole is a little wider than its near edge: the API's width is ~10 % off
    assert located.width_m == pytest.approx(0.6, rel=0.1) and located.length_m == pytest.approx(0.5, abs=0.02)


def test_points_behind_or_outside_the_frame_are_not_seen() -> None:
    assert project_ground_px(-3.0, 0.0, CAMERA) is None
    assert pothole_box_px(0.5, 0.0, 0.6, 0.5, CAMERA) is None  # below the bottom edge
    assert pothole_box_px(5.0, 30.0, 0.6, 0.5, CAMERA) is None  # far off to the side


def test_gps_noise_is_about_r95_and_correlated_within_a_pass() -> None:
    rng = random.Random(3)
    model = GpsErrorModel(r95_m=5.0)
    radial = []
    drift = []
    for _ in range(2000):
        noise = PassNoise(model, 60.0, rng)
        first = noise.position_error_m(0.0)
        later = noise.position_error_m(10.0)
        radial.append(math.hypot(*first))
        drift.append(math.hypot(later[0] - first[0], later[1] - first[1]))
    r95 = sorted(radial)[int(0.95 * len(radial))]
    assert 4.3 < r95 < 5.7
    assert statistics.median(drift) < 0.6 * statistics.median(radial)  # 10 s later: mostly the same bias


def test_patrol_writes_recordings_the_agent_can_read(tmp_path: Path) -> None:
    route = graph_route("grid", ORIGIN, grid_edges(), length_m=600.0, speed_mps=10.0, rng=random.Random(1))
    cfg = PatrolConfig(vehicles=2, passes=1, potholes=4, fps=5.0, seed=2)
    manifest = simulate_patrol(route, cfg, tmp_path, [])
    truth = json.loads((tmp_path / "ground_truth.geojson").read_text())
    assert len(truth["features"]) == 4 and "crs" not in truth
    lon, lat = truth["features"][0]["geometry"]["coordinates"]
    assert distance_m(LatLon(lat, lon), ORIGIN) < 2000
    for vehicle in manifest["vehicles"]:
        (pas,) = vehicle["passes"]
        fixes = read_gps(pas["gps"])  # CSV for the first vehicle, NMEA for the second
        assert len(fixes) > 100 and fixes[0].heading_deg is not None and fixes[0].accuracy_m is not None
        frames = sorted(Path(pas["frames"]).glob("*.jpg"))
        lines = Path(pas["detections"]).read_text().splitlines()
        assert len(frames) == len(lines) == int(route.duration_s * 5.0)
    boxes = [
        d
        for v in manifest["vehicles"]
        for p in v["passes"]
        for line in Path(p["detections"]).read_text().splitlines()
        for d in json.loads(line)["detections"]
    ]
    assert boxes and all(0 <= b["xyxy_px"][0] < b["xyxy_px"][2] <= 1280 for b in boxes)


def test_comma2k19_route_keeps_the_real_drive(shared_dir: Path) -> None:
    route = build_route(
        "comma2k19", shared_dir=shared_dir, anchor=(37.1995, 126.8312), length_m=0, speed_mps=0, seed=0
    )
    assert 990 < route.length_m() < 1030 and 59 < route.duration_s < 61
    start = route.latlon(0.0, 0.0)
    assert (start.lat, start.lon) == (pytest.approx(ORIGIN.lat), pytest.approx(ORIGIN.lon))
    assert len(dataset_test_images(shared_dir)) > 100


def test_score_definitions() -> None:
    truth = [
        TruePothole("A", 37.0, 127.0),
        TruePothole("B", 37.001, 127.0),
        TruePothole("C", 37.002, 127.0),
        TruePothole("D", 37.003, 127.0, visible=False),
    ]
    a_off = offset_latlon(LatLon(37.0, 127.0), 2.0, 0.0, 0.0)
    b_off = offset_latlon(LatLon(37.001, 127.0), 4.0, 0.0, 90.0)
    far = offset_latlon(LatLon(37.002, 127.0), 40.0, 0.0, 90.0)
    records = [(a_off.lat, a_off.lon), (37.0, 127.0), (b_off.lat, b_off.lon), (far.lat, far.lon)]
    m = score(truth, records, match_radius_m=10.0)
    assert (m.found, m.unmatched_records) == (2, 1)
    assert m.duplicate_rate == pytest.approx(0.5)  # A has two records, B one: one extra per two found
    assert m.missed_rate == pytest.approx(1 / 3)  # C visible but missed; D never visible, not counted
    assert sorted(m.errors_m) == [pytest.approx(0.0, abs=1e-6), pytest.approx(4.0, abs=1e-3)]
