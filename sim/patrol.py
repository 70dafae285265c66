"""Simulate a patrol: vehicles x passes over one route with virtual potholes; write recordings and truth.

Per pass it writes what the vehicle records: `frames/` (real dataset test images, linked, with a
`timestamps.csv` on the camera clock), a GPS log (CSV or NMEA, alternating by vehicle, with a per-pass
Gauss-Markov bias, heading noise and outages), and `detections.jsonl`: the boxes a detector reports, placed
where the camera model (api.geo's, inverted) images each visible pothole, with pixel jitter, misses at long
range and a few one-frame false positives. `ground_truth.geojson` and `manifest.json` describe it all.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from api.geo.camera import CameraProfile
from common.contract import format_time_utc
from sim.camera import pothole_box_px
from sim.noise import GpsErrorModel, PassNoise
from sim.recording import link_frame, prepare_images, write_gps_log
from sim.routes import Route

__all__ = ["PatrolConfig", "VirtualPothole", "place_potholes", "simulate_patrol"]

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


@dataclass(frozen=True, slots=True)
class VirtualPothole:
    pothole_id: str
    east_m: float
    north_m: float
    lat: float
    lon: float
    width_m: float
    length_m: float


@dataclass(frozen=True)
class PatrolConfig:
    vehicles: int = 2
    passes: int = 3
    potholes: int = 12
    fps: float = 10.0
    seed: int = 7
    camera: CameraProfile = field(default_factory=lambda: CameraProfile(image_wh=(1280, 720)))
    gps: GpsErrorModel = field(default_factory=GpsErrorModel)
    max_range_m: float = 25.0
    false_positive_rate: float = 0.02
    pixel_sigma_px: float = 1.0
    start_utc_s: float | None = None
    pass_spacing_s: float = 3600.0
    camera_clock_offset_s: float = 0.0
    vehicle_prefix: str = "sim"

    def __post_init__(self) -> None:
        if self.vehicles < 1 or self.passes < 1 or self.potholes < 0 or self.fps <= 0:
            raise ValueError(
                f"invalid patrol: vehicles={self.vehicles} passes={self.passes} "
                f"potholes={self.potholes} fps={self.fps}"
            )


def place_potholes(
    route: Route, count: int, rng: random.Random, *, min_spacing_m: float = 25.0, lateral_m: float = 1.2
) -> list[VirtualPothole]:
    """Potholes along the route (lateral offset within the lane), at least min_spacing_m apart."""
    placed: list[VirtualPothole] = []
    duration = route.duration_s
    for _ in range(count * 200):
        if len(placed) == count:
            break
        pose = route.pose(rng.uniform(0.15 * duration, 0.97 * duration))
        side = rng.uniform(-lateral_m, lateral_m)
        h = math.radians(pose.heading_deg)
        east, north = pose.east_m + side * math.cos(h), pose.north_m - side * math.sin(h)
        if any(math.hypot(east - p.east_m, north - p.north_m) < min_spacing_m for p in placed):
            continue
        ll = route.latlon(east, north)
        placed.append(
            VirtualPothole(
                f"P{len(placed) + 1:03d}",
                round(east, 3),
                round(north, 3),
                ll.lat,
                ll.lon,
                round(rng.uniform(0.3, 1.0), 2),
                round(rng.uniform(0.3, 0.9), 2),
            )
        )
    if len(placed) < count:
        raise ValueError(
            f"route {route.name} ({route.length_m():.0f} m) fits only {len(placed)} potholes "
            f"{min_spacing_m:.0f} m apart, not {count}"
        )
    return placed


def _detections_for_frame(
    pose: Any, potholes: list[VirtualPothole], cfg: PatrolConfig, rng: random.Random
) -> tuple[list[dict[str, Any]], list[str]]:
    h = math.radians(pose.heading_deg)
    found: list[dict[str, Any]] = []
    visible: list[str] = []
    for hole in potholes:
        de, dn = hole.east_m - pose.east_m, hole.north_m - pose.north_m
        forward = de * math.sin(h) + dn * math.cos(h)
        right = de * math.cos(h) - dn * math.sin(h)
        if not 2.0 < forward < cfg.max_range_m:
            continue
        box = pothole_box_px(forward, right, hole.width_m, hole.length_m, cfg.camera)
        if box is None:
            continue
        visible.append(hole.pothole_id)
        nearness = 1.0 - forward / cfg.max_range_m
        if rng.random() > 0.35 + 0.6 * nearness:  # a detector misses far, small potholes more often
            continue
        jitter = [rng.gauss(0, cfg.pixel_sigma_px) for _ in range(4)]
        x1, y1, x2, y2 = (b + j for b, j in zip(box, jitter, strict=True))
        w, hgt = cfg.camera.image_wh
        x1, y1, x2, y2 = max(0.0, x1), max(0.0, y1), min(float(w), x2), min(float(hgt), y2)
        if x2 - x1 < 2 or y2 - y1 < 2:
            continue
        confidence = min(0.99, max(0.26, 0.45 + 0.5 * nearness + rng.gauss(0, 0.05)))
        found.append({"xyxy_px": [round(v, 2) for v in (x1, y1, x2, y2)], "confidence": round(confidence, 3)})
    if rng.random() < cfg.false_positive_rate:  # a shadow or a patch, seen in one frame only
        w, hgt = cfg.camera.image_wh
        x, y = rng.uniform(0, w - 80), rng.uniform(hgt * 0.55, hgt - 40)
        found.append(
            {
                "xyxy_px": [round(x, 2), round(y, 2), round(x + 60, 2), round(y + 25, 2)],
                "confidence": round(rng.uniform(0.26, 0.5), 3),
            }
        )
    return found, visible


def simulate_patrol(
    route: Route, cfg: PatrolConfig, out_dir: Path, image_sources: list[Path]
) -> dict[str, Any]:
    """Write the whole patrol under out_dir and return the manifest (also written as manifest.json)."""
    rng = random.Random(cfg.seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    potholes = place_potholes(route, cfg.potholes, rng)
    images = prepare_images(image_sources, out_dir / "images", cfg.camera.image_wh)
    total_passes = cfg.vehicles * cfg.passes
    start = cfg.start_utc_s
    if start is None:  # all passes end well before now: the API refuses capture times in the future
        start = (
            math.floor(dt.datetime.now(dt.UTC).timestamp() / 3600) * 3600
            - (total_passes + 1) * cfg.pass_spacing_s
        )
    vehicles: list[dict[str, Any]] = []
    seen_by_pass: dict[str, list[str]] = {}
    frame_count = 0
    for v in range(cfg.vehicles):
        vehicle_id = f"{cfg.vehicle_prefix}-{v + 1}"
        passes: list[dict[str, Any]] = []
        for p in range(cfg.passes):
            pass_start = start + (p * cfg.vehicles + v) * cfg.pass_spacing_s
            pass_dir = out_dir / vehicle_id / f"pass-{p + 1:02d}"
            frames_dir = pass_dir / "frames"
            frames_dir.mkdir(parents=True, exist_ok=True)
            noise = PassNoise(cfg.gps, route.duration_s, rng)
            gps_path = pass_dir / ("gps.csv" if v % 2 == 0 else "gps.nmea")
            write_gps_log(gps_path, route, noise, pass_start, rng)
            visible_ids: set[str] = set()
            with (
                (pass_dir / "detections.jsonl").open("w") as det_out,
                (frames_dir / "timestamps.csv").open("w", newline="") as stamps,
            ):
                stamp_writer = csv.writer(stamps)
                stamp_writer.writerow(["file", "captured_at"])
                n_frames = int(route.duration_s * cfg.fps)
                for k in range(n_frames):
                    t = k / cfg.fps
                    name = f"{k:06d}.jpg"
                    link_frame(images[k % len(images)], frames_dir / name)
                    stamp_writer.writerow([name, format_time_utc(pass_start + t - cfg.camera_clock_offset_s)])
                    found, visible = _detections_for_frame(route.pose(t), potholes, cfg, rng)
                    visible_ids.update(visible)
                    det_out.write(
                        json.dumps({"frame": name, "frame_index": k, "detections": found, "visible": visible})
                        + "\n"
                    )
                frame_count += n_frames
            key = f"{vehicle_id}/pass-{p + 1:02d}"
            seen_by_pass[key] = sorted(visible_ids)
            passes.append(
                {
                    "pass": key,
                    "dir": str(pass_dir),
                    "frames": str(frames_dir),
                    "gps": str(gps_path),
                    "detections": str(pass_dir / "detections.jsonl"),
                    "start_utc": format_time_utc(pass_start),
                    "clock_offset_s": cfg.camera_clock_offset_s,
                    "gps_outages_s": [[round(a, 2), round(b, 2)] for a, b in noise.outages],
                    "visible_potholes": sorted(visible_ids),
                }
            )
        vehicles.append({"vehicle_id": vehicle_id, "passes": passes})
    truth = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": h.pothole_id,
                "geometry": {"type": "Point", "coordinates": [round(h.lon, 7), round(h.lat, 7)]},
                "properties": {
                    "id": h.pothole_id,
                    "width_m": h.width_m,
                    "length_m": h.length_m,
                    "passes_seen": sum(h.pothole_id in ids for ids in seen_by_pass.values()),
                },
            }
            for h in potholes
        ],
    }
    (out_dir / "ground_truth.geojson").write_text(json.dumps(truth, indent=1))
    manifest = {
        "route": {
            "name": route.name,
            "length_m": round(route.length_m(), 1),
            "duration_s": round(route.duration_s, 2),
            "origin": {"lat": route.origin.lat, "lon": route.origin.lon},
        },
        "camera": {
            "height_m": cfg.camera.height_m,
            "pitch_down_deg": cfg.camera.pitch_down_deg,
            "hfov_deg": cfg.camera.hfov_deg,
            "image_wh": list(cfg.camera.image_wh),
        },
        "gps_model": asdict(cfg.gps),
        "fps": cfg.fps,
        "seed": cfg.seed,
        "frames": frame_count,
        "images": [str(p) for p in image_sources[: len(images)]] or ["synthetic grey road"],
        "ground_truth": str(out_dir / "ground_truth.geojson"),
        "potholes": [asdict(h) for h in potholes],
        "vehicles": vehicles,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest
