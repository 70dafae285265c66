"""Placing one detection: the draft built from a sighting item or a frame, its heading (given or derived
from the vehicle's earlier fixes), its geolocation and the grid cells its write must lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from api.config import Settings
from api.geo import CameraProfile, GeoDetection, cells_covering, geolocate_box
from api.layers.runtime import Enricher
from api.policy.score import Prioritiser
from api.potholes.pass_keys import bucket_pass_key, given_pass_key
from api.services import Services
from api.vehicles.repository import recent_fixes
from common.geodesy import LatLon
from common.gps import GpsFix, heading_of, needs_track_heading


@dataclass(frozen=True)
class Hooks:
    """What a write asks of the layers runtime: the pothole's context, and its order's priority.

    Passed in rather than read from `Services`, so tests can place and file with their own policy."""

    enricher: Enricher
    prioritiser: Prioritiser


def hooks_of(services: Services) -> Hooks:
    return Hooks(services.layers.enricher, services.layers.score)


@dataclass(frozen=True)
class Draft:
    """One detection with everything needed to store it (built from a sighting item or a frame)."""

    client_id: str
    vehicle_id: str
    captured_at: datetime
    gps: GpsFix
    frame_wh: tuple[int, int]
    box_xyxy_px: tuple[float, float, float, float]
    confidence: float
    model_id: str | None
    pass_key: str
    track_id: str | None = None
    crop_jpeg: bytes | None = None
    frame_id: int | None = None


@dataclass(frozen=True)
class Placed:
    draft: Draft
    geo: GeoDetection
    heading_deg: float


def pass_key_for(vehicle_id: str, pass_id: str | None, captured_at: datetime, settings: Settings) -> str:
    """The patrol pass a sighting belongs to (`api.potholes.pass_keys`): the vehicle's pass id, else its
    time bucket."""
    if pass_id:
        return given_pass_key(vehicle_id, pass_id)
    return bucket_pass_key(vehicle_id, captured_at.timestamp(), settings.pass_gap_s)


def place(session: Session, draft: Draft, camera: CameraProfile, settings: Settings) -> Placed:
    """Geolocate with `common.gps.heading_of`: the vehicle's earlier fixes are read only when the
    reported heading is missing or too slow to trust."""
    previous = (
        recent_fixes(session, draft.vehicle_id, draft.captured_at, settings.heading_max_age_s)
        if needs_track_heading(draft.gps)
        else []
    )
    heading = heading_of(
        draft.gps,
        previous,
        min_baseline_m=settings.heading_min_baseline_m,
        max_age_s=settings.heading_max_age_s,
    )
    geo = geolocate_box(
        draft.box_xyxy_px,
        draft.gps,
        camera.scaled_to(draft.frame_wh),
        heading_deg=None if heading is None else heading.deg,
        heading_sigma_deg=3.0 if heading is None else heading.sigma_deg,
        max_range_m=settings.max_range_m,
    )
    assert heading is not None  # geolocate_box raised GeolocationError without one
    return Placed(draft, geo, heading.deg)


def lock_keys(placed: Placed, settings: Settings) -> list[int]:
    point = LatLon(placed.geo.lat, placed.geo.lon)
    return [c.lock_key() for c in cells_covering(point, settings.max_join_radius_m, settings.grid_cell_m)]
