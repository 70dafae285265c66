"""Factories for the edge tests: plain functions taking **overrides, plus a scripted HTTP transport."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np

from common.gps import GpsFix
from edge.replay import ReplayDetection
from edge.sources import FrameSample

T0 = 1_795_000_000.0  # 2026-11-18, a fixed UTC epoch for reproducible times


def make_fix(**overrides: Any) -> GpsFix:
    fields: dict[str, Any] = {
        "t_utc_s": T0,
        "lat": 37.2,
        "lon": 126.83,
        "accuracy_m": 4.9,
        "heading_deg": 90.0,
        "speed_mps": 10.0,
    }
    return GpsFix(**(fields | overrides))


def straight_fixes(
    n: int = 50, *, hz: float = 10.0, speed_mps: float = 10.0, heading: bool = True
) -> list[GpsFix]:
    """Driving due north from (37.2, 126.83) at speed_mps; ~111,000 m per degree of latitude."""
    return [
        make_fix(
            t_utc_s=T0 + i / hz,
            lat=37.2 + i / hz * speed_mps / 110_960.0,
            heading_deg=0.0 if heading else None,
        )
        for i in range(n)
    ]


def approaching(frame: int, *, x_px: float = 600.0, start_y_px: float = 380.0) -> ReplayDetection:
    """A pothole box that moves down faster and grows as it nears (no overlap between frames)."""
    y = start_y_px + 4.0 * frame + 1.5 * frame**2
    size = 10.0 + 3.0 * frame
    return ReplayDetection((x_px - size, y, x_px + size, y + size / 3), 0.5 + 0.03 * frame)


def make_frame(index: int = 0, **overrides: Any) -> FrameSample:
    image = np.random.default_rng(index).integers(0, 255, (720, 1280, 3), dtype=np.uint8)
    fields: dict[str, Any] = {
        "image": image,
        "index": index,
        "captured_utc_s": T0 + index * 0.1,
        "name": f"{index:06d}.jpg",
    }
    return FrameSample(**(fields | overrides))


class ScriptedApi:
    """An httpx transport that answers like the API (or fails as scripted) and records every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.stored: dict[str, int] = {}
        self.fail_next: list[int | Exception] = []
        self.reject: set[str] = set()
        self.poison: set[str] = set()  # a sightings request holding one of these answers 500

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.fail_next:
            failure = self.fail_next.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return httpx.Response(failure, json={"detail": "scripted failure"})
        if request.url.path == "/v1/sightings":
            body = json.loads(request.content)
            if self.poison & {item["client_id"] for item in body["items"]}:
                return httpx.Response(500, text="Internal Server Error")
            results = []
            for item in body["items"]:
                cid = item["client_id"]
                if cid in self.reject:
                    results.append({"client_id": cid, "status": "rejected", "detail": "box_xyxy_px: bad"})
                    continue
                status = "duplicate" if cid in self.stored else "created"
                self.stored.setdefault(cid, len(self.stored) + 1)
                results.append(
                    {
                        "client_id": cid,
                        "status": status,
                        "sighting_id": self.stored[cid],
                        "pothole_id": 1,
                        "detail": None,
                    }
                )
            return httpx.Response(200, json={"results": results})
        if request.url.path == "/v1/passes":
            return httpx.Response(201, json={"client_id": json.loads(request.content)["client_id"]})
        if request.url.path == "/v1/frames":
            found = [
                {"box_xyxy_px": [1.0, 2.0, 30.0, 40.0], "confidence": 0.5, "sighting_id": 1, "pothole_id": 1}
            ]
            return httpx.Response(201, json={"frame_id": 1, "detections": found * 2})
        return httpx.Response(404, json={"detail": f"path {request.url.path} unknown"})

    def client(self) -> httpx.Client:
        return httpx.Client(base_url="http://api.test", transport=httpx.MockTransport(self))


Factory = Callable[..., Any]
