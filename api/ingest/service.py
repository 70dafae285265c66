"""The orchestrator: place a detection on the map, join or create its pothole, file or reopen the work
order. Each sighting is one transaction that first takes the write lock of its neighbourhood."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.config import Settings
from api.db import begin_write
from api.geo import (
    CameraProfile,
    GeoDetection,
    GeolocationError,
    GpsFix,
    LatLon,
    TimedFix,
    cell_of,
    cells_covering,
    geolocate_box,
    heading_from_fixes,
)
from api.potholes.dedup import (
    Estimate,
    NearbyPothole,
    first_estimate,
    is_confirmed,
    match_pothole,
    merge_estimate,
)
from api.potholes.repository import find_sighting, nearby_potholes, pass_seen
from api.potholes.tables import Pothole, PotholeStatus, Sighting
from api.system.metrics import get_metrics
from api.vehicles.repository import recent_fixes, record_fixes
from api.workorders.priority import Enricher, Prioritiser
from api.workorders.service import current_order, file_order, rescore, transition
from api.workorders.tables import WorkOrderStatus

log = logging.getLogger("api.ingest")
SLOW_HEADING_MPS = 2.0  # below this course-over-ground is noise


@dataclass(frozen=True)
class Hooks:
    enricher: Enricher
    prioritiser: Prioritiser


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
    """The patrol pass a sighting belongs to: the vehicle's own id, else vehicle + a time bucket."""
    if pass_id:
        return pass_id
    return f"{vehicle_id}@{int(captured_at.timestamp() // settings.pass_gap_s)}"


def place(session: Session, draft: Draft, camera: CameraProfile, settings: Settings) -> Placed:
    """Geolocate; a missing (or standstill) heading comes from the vehicle's earlier fixes."""
    heading, sigma_deg = draft.gps.heading_deg, 3.0
    slow = draft.gps.speed_mps is not None and draft.gps.speed_mps < SLOW_HEADING_MPS
    if heading is None or slow:
        current = TimedFix(draft.captured_at, LatLon(draft.gps.lat, draft.gps.lon), draft.gps.accuracy_m)
        derived = heading_from_fixes(
            current,
            recent_fixes(session, draft.vehicle_id, draft.captured_at, settings.heading_max_age_s),
            min_distance_m=settings.heading_min_baseline_m,
            max_age_s=settings.heading_max_age_s,
        )
        if derived is not None:
            heading, sigma_deg = derived
        elif heading is not None:
            sigma_deg = 20.0  # at a stop: keep the reported heading but trust it little
    geo = geolocate_box(
        draft.box_xyxy_px,
        draft.gps,
        camera.scaled_to(draft.frame_wh),
        heading_deg=heading,
        heading_sigma_deg=sigma_deg,
        max_range_m=settings.max_range_m,
    )
    assert heading is not None
    return Placed(draft, geo, heading)


def lock_keys(placed: Placed, settings: Settings) -> list[int]:
    point = LatLon(placed.geo.lat, placed.geo.lon)
    return [c.lock_key() for c in cells_covering(point, settings.max_join_radius_m, settings.grid_cell_m)]


def _estimate_of(p: Pothole) -> Estimate:
    return Estimate(p.lat, p.lon, p.weight_sum, p.min_uncertainty_m, p.width_m, p.length_m, p.pass_count)


def apply_placed(
    session: Session, placed: Placed, settings: Settings, hooks: Hooks, now: datetime
) -> tuple[Sighting, Pothole]:
    """Join or create the pothole, store the sighting, keep the work order in step. Caller holds the lock."""
    draft, geo = placed.draft, placed.geo
    point = LatLon(geo.lat, geo.lon)
    nearby = {
        p.id: p for p in nearby_potholes(session, point, settings.max_join_radius_m, settings.grid_cell_m)
    }
    match_id = match_pothole(
        point,
        geo.uncertainty_m,
        [NearbyPothole(i, LatLon(p.lat, p.lon), p.uncertainty_m) for i, p in nearby.items() if i is not None],
        min_radius_m=settings.dedup_radius_m,
        max_radius_m=settings.max_join_radius_m,
    )
    if match_id is None:
        est = first_estimate(geo.lat, geo.lon, geo.uncertainty_m, geo.width_m, geo.length_m)
        cell = cell_of(point, settings.grid_cell_m)
        pothole = Pothole(
            lat=est.lat,
            lon=est.lon,
            cell_y=cell.y,
            cell_x=cell.x,
            status=PotholeStatus.CANDIDATE,
            uncertainty_m=est.uncertainty_m,
            min_uncertainty_m=est.min_uncertainty_m,
            weight_sum=est.weight_sum,
            width_m=est.width_m,
            length_m=est.length_m,
            sighting_count=1,
            pass_count=1,
            first_seen=draft.captured_at,
            last_seen=draft.captured_at,
            max_confidence=draft.confidence,
            context=dict(hooks.enricher(est.lat, est.lon)),
            created_at=now,
            updated_at=now,
        )
        session.add(pothole)
        session.flush()
    else:
        pothole = nearby[match_id]
        assert pothole.id is not None
        new_pass = not pass_seen(session, pothole.id, draft.pass_key)
        est = merge_estimate(
            _estimate_of(pothole),
            geo.lat,
            geo.lon,
            geo.uncertainty_m,
            geo.width_m,
            geo.length_m,
            new_pass=new_pass,
        )
        cell = cell_of(LatLon(est.lat, est.lon), settings.grid_cell_m)
        pothole.lat, pothole.lon, pothole.cell_y, pothole.cell_x = est.lat, est.lon, cell.y, cell.x
        pothole.weight_sum, pothole.min_uncertainty_m = est.weight_sum, est.min_uncertainty_m
        pothole.uncertainty_m, pothole.width_m, pothole.length_m = (
            est.uncertainty_m,
            est.width_m,
            est.length_m,
        )
        pothole.pass_count = est.passes
        pothole.sighting_count += 1
        pothole.first_seen = min(pothole.first_seen, draft.captured_at)
        pothole.last_seen = max(pothole.last_seen, draft.captured_at)
        pothole.max_confidence = max(pothole.max_confidence, draft.confidence)
        pothole.updated_at = now
        session.add(pothole)
    assert pothole.id is not None
    sighting = Sighting(
        client_id=draft.client_id,
        vehicle_id=draft.vehicle_id,
        pothole_id=pothole.id,
        frame_id=draft.frame_id,
        captured_at=draft.captured_at,
        gps_lat=draft.gps.lat,
        gps_lon=draft.gps.lon,
        gps_accuracy_m=draft.gps.accuracy_m,
        gps_heading_deg=draft.gps.heading_deg,
        heading_used_deg=placed.heading_deg,
        speed_mps=draft.gps.speed_mps,
        frame_w=draft.frame_wh[0],
        frame_h=draft.frame_wh[1],
        box_xyxy_px=list(draft.box_xyxy_px),
        confidence=draft.confidence,
        model_id=draft.model_id,
        pass_key=draft.pass_key,
        track_id=draft.track_id,
        lat=geo.lat,
        lon=geo.lon,
        uncertainty_m=geo.uncertainty_m,
        width_m=geo.width_m,
        length_m=geo.length_m,
        crop_jpeg=draft.crop_jpeg,
        negative=pothole.status == PotholeStatus.REJECTED,
        created_at=now,
    )
    session.add(sighting)
    record_fixes(
        session,
        draft.vehicle_id,
        [TimedFix(draft.captured_at, LatLon(draft.gps.lat, draft.gps.lon), draft.gps.accuracy_m)],
    )
    _keep_order_in_step(session, pothole, draft, settings, hooks, now)
    session.flush()
    return sighting, pothole


def _keep_order_in_step(
    session: Session, pothole: Pothole, draft: Draft, settings: Settings, hooks: Hooks, now: datetime
) -> None:
    assert pothole.id is not None
    if pothole.status == PotholeStatus.REJECTED:
        return
    if pothole.status == PotholeStatus.CANDIDATE:
        if not is_confirmed(
            pothole.pass_count,
            pothole.max_confidence,
            confirm_passes=settings.confirm_passes,
            confirm_confidence=settings.confirm_confidence,
        ):
            return
        pothole.status = PotholeStatus.CONFIRMED
        pothole.context = dict(hooks.enricher(pothole.lat, pothole.lon))  # the refined position
    order = current_order(session, pothole.id)
    actor = f"system:ingest/{draft.vehicle_id}"
    if order is None or order.status in (WorkOrderStatus.VERIFIED, WorkOrderStatus.REJECTED):
        file_order(
            session,
            pothole,
            context=pothole.context or {},
            prioritiser=hooks.prioritiser,
            now=now,
            actor=actor,
        )
    elif order.status == WorkOrderStatus.REPAIRED:
        transition(
            session,
            order,
            WorkOrderStatus.REOPENED,
            actor=actor,
            now=now,
            note=f"detected again at {draft.captured_at.isoformat()} (confidence {draft.confidence:.2f})",
        )
    elif order.in_queue:
        rescore(order, pothole, prioritiser=hooks.prioritiser, now=now)


def ingest_one(
    engine: Engine, draft: Draft, camera: CameraProfile, settings: Settings, hooks: Hooks, now: datetime
) -> dict[str, Any]:
    """One item, one transaction: created, duplicate (same ids, nothing changed) or rejected."""
    metrics = get_metrics()
    with Session(engine, expire_on_commit=False) as session:
        try:
            placed = place(session, draft, camera, settings)
        except GeolocationError as exc:
            existing = find_sighting(session, draft.client_id)
            if existing is not None:
                return _duplicate(existing)
            metrics.sightings.labels("rejected").inc()
            return {"client_id": draft.client_id, "status": "rejected", "detail": str(exc)}
        session.commit()  # end the read transaction: the write one must start with its locks
        try:
            begin_write(session, lock_keys(placed, settings))
            existing = find_sighting(session, draft.client_id)
            if existing is not None:
                session.rollback()
                return _duplicate(existing)
            sighting, pothole = apply_placed(session, placed, settings, hooks, now)
            session.commit()
        except IntegrityError:
            session.rollback()  # a concurrent retry of the same client_id won the unique index
            existing = find_sighting(session, draft.client_id)
            if existing is None:
                raise
            return _duplicate(existing)
    metrics.sightings.labels("created").inc()
    return {
        "client_id": draft.client_id,
        "status": "created",
        "sighting_id": sighting.id,
        "pothole_id": pothole.id,
    }


def _duplicate(existing: Sighting) -> dict[str, Any]:
    get_metrics().sightings.labels("duplicate").inc()
    return {
        "client_id": existing.client_id,
        "status": "duplicate",
        "sighting_id": existing.id,
        "pothole_id": existing.pothole_id,
    }
