"""Pothole API shapes: JSON objects and GeoJSON features (the only place with [lon, lat] order), and the
citizen report the repository stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from api.potholes.pass_keys import shown_pass_id
from api.potholes.tables import Pothole, Sighting


@dataclass(frozen=True, slots=True)
class CitizenReport:
    """One Open311 report as the citizen gave it (WGS84 degrees); `submitted_by` is the API key's name."""

    lat: float
    lon: float
    submitted_by: str
    description: str | None = None
    address_string: str | None = None
    media_url: str | None = None
    email: str | None = None
    device_id: str | None = None
    account_id: str | None = None


class WorkOrderSummary(BaseModel):
    id: int
    status: str
    priority: int
    category: str
    due_at: datetime
    score: float
    score_terms: list[dict[str, Any]]
    assignee: str | None


class PotholePublic(BaseModel):
    id: int
    lat: float
    lon: float
    status: str
    uncertainty_m: float
    width_m: float
    length_m: float
    sightings: int
    passes: int
    citizen_reports: int
    first_seen: datetime
    last_seen: datetime
    max_confidence: float
    context: dict[str, Any]
    work_order: WorkOrderSummary | None


class SightingPublic(BaseModel):
    id: int
    client_id: str
    vehicle_id: str
    captured_at: datetime
    lat: float
    lon: float
    uncertainty_m: float
    width_m: float
    length_m: float
    confidence: float
    model_id: str | None
    pass_id: str
    box_xyxy_px: list[float]
    frame_wh: list[int]
    negative: bool
    photo_url: str | None


class PotholeDetail(PotholePublic):
    sighting_list: list[SightingPublic]
    photos: list[str]


def pothole_public(p: Pothole, order: WorkOrderSummary | None) -> PotholePublic:
    assert p.id is not None
    return PotholePublic(
        id=p.id,
        lat=round(p.lat, 7),
        lon=round(p.lon, 7),
        status=p.status,
        uncertainty_m=round(p.uncertainty_m, 2),
        width_m=round(p.width_m, 3),
        length_m=round(p.length_m, 3),
        sightings=p.sighting_count,
        passes=p.pass_count,
        citizen_reports=p.citizen_report_count,
        first_seen=p.first_seen,
        last_seen=p.last_seen,
        max_confidence=p.max_confidence,
        context=p.context or {},
        work_order=order,
    )


def photo_url(s: Sighting) -> str | None:
    return f"/v1/potholes/{s.pothole_id}/photo/{s.id}" if s.crop_jpeg is not None else None


def sighting_public(s: Sighting) -> SightingPublic:
    assert s.id is not None
    return SightingPublic(
        id=s.id,
        client_id=s.client_id,
        vehicle_id=s.vehicle_id,
        captured_at=s.captured_at,
        lat=round(s.lat, 7),
        lon=round(s.lon, 7),
        uncertainty_m=round(s.uncertainty_m, 2),
        width_m=round(s.width_m, 3),
        length_m=round(s.length_m, 3),
        confidence=s.confidence,
        model_id=s.model_id,
        pass_id=shown_pass_id(s.vehicle_id, s.pass_key),
        box_xyxy_px=list(s.box_xyxy_px),
        frame_wh=[s.frame_w, s.frame_h],
        negative=s.negative,
        photo_url=photo_url(s),
    )


def feature(p: PotholePublic) -> dict[str, Any]:
    """RFC 7946 Point feature: [lon, lat], at most 7 decimals, everything else in properties."""
    props = p.model_dump(mode="json")
    return {
        "type": "Feature",
        "id": p.id,
        "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
        "properties": props,
    }
