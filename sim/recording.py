"""What a pass records on disk: base images, frame links, and the noisy GPS log (CSV or NMEA)."""

from __future__ import annotations

import csv
import os
import random
import shutil
from pathlib import Path

import cv2
import numpy as np

from common.contract import format_time_utc
from common.gps import R95_PER_SIGMA
from sim.nmea import nmea_sentences
from sim.noise import PassNoise
from sim.routes import Route

__all__ = ["link_frame", "prepare_images", "write_gps_log"]


def prepare_images(
    sources: list[Path], out_dir: Path, image_wh: tuple[int, int], limit: int = 24
) -> list[Path]:
    """Resize up to `limit` real test images to the camera's size once; frames link to these."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for path in sources[:limit]:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            continue
        target = out_dir / f"base_{len(written):03d}.jpg"
        cv2.imwrite(
            str(target),
            cv2.resize(image, image_wh, interpolation=cv2.INTER_AREA),
            [cv2.IMWRITE_JPEG_QUALITY, 88],
        )
        written.append(target)
    if not written:  # no dataset on this machine: a plain grey road, and the manifest says so
        target = out_dir / "base_000.jpg"
        road = np.full((image_wh[1], image_wh[0], 3), 96, np.uint8)
        road[: image_wh[1] // 2] = (200, 170, 140)
        cv2.imwrite(str(target), road)
        written.append(target)
    return written


def link_frame(target: Path, link: Path) -> None:
    try:
        os.symlink(os.path.relpath(target, link.parent), link)
    except OSError:
        shutil.copyfile(target, link)


def write_gps_log(path: Path, route: Route, noise: PassNoise, start_utc_s: float, rng: random.Random) -> int:
    """10 Hz fixes of the noisy receiver; outage periods are simply absent from the log."""
    sigma_m = noise.model.r95_m / R95_PER_SIGMA
    rows: list[str] = []
    steps = int(route.duration_s * 10) + 1
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle) if path.suffix == ".csv" else None
        if writer:
            writer.writerow(["utc_time", "lat_deg", "lon_deg", "accuracy_m", "heading_deg", "speed_mps"])
        for k in range(steps):
            t = k / 10.0
            err_e, err_n = noise.position_error_m(t)
            if noise.in_outage(t):
                continue
            pose = route.pose(t)
            ll = route.latlon(pose.east_m + err_e, pose.north_m + err_n)
            heading = (pose.heading_deg + noise.heading_error_deg(pose.speed_mps)) % 360.0
            speed = max(0.0, pose.speed_mps + rng.gauss(0, 0.1))
            if writer:
                writer.writerow(
                    [
                        format_time_utc(start_utc_s + t),
                        f"{ll.lat:.8f}",
                        f"{ll.lon:.8f}",
                        f"{noise.model.r95_m:.1f}",
                        f"{heading:.2f}",
                        f"{speed:.2f}",
                    ]
                )
            else:
                rows.extend(
                    nmea_sentences(
                        start_utc_s + t, ll.lat, ll.lon, speed_mps=speed, course_deg=heading, sigma_m=sigma_m
                    )
                )
        if not writer:
            handle.write("\n".join(rows) + "\n")
    return steps
