"""The orchestrator: place a detection on the map, join or create its pothole, file or reopen the work
order. Each sighting is one transaction that first takes the write lock of its neighbourhood."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.config import Settings
from api.db import begin_write
from api.geo import CameraProfile, GeolocationError, cell_of
from api.ingest.placement import Draft, Hooks, Placed, lock_keys, place
from api.potholes.dedup import (
    Estimate,
    NearbyPothole,
    Observation,
    first_estimate,
    is_confirmed,
    match_pothole,
    merge_pass,
    own_pass_records,
    pass_bias_m,
    pass_observation,
)
from api.potholes.repository import (
    confirm,
    find_sighting,
    insert_pothole,
    insert_sighting,
    nearby_rows,
    pass_neighbours,
    pass_sightings,
    records_around,
    update_pothole,
)
from api.potholes.tables import Pothole, PotholeStatus, Sighting
from api.system.metrics import get_metrics
from api.vehicles.repository import record_fixes
from api.workorders.service import current_order, file_order, rescore, transition
from api.workorders.tables import WorkOrderStatus
from common.geodesy import LatLon

log = logging.getLogger("api.ingest")


def apply_placed(
    session: Session, placed: Placed, settings: Settings, hooks: Hooks, now: datetime
) -> tuple[int, int]:
    """Join or create the pothole, store the sighting, keep the work order in step; (sighting_id, pothole_id).

    The caller holds the neighbourhood's write lock. The hot path uses Core statements (no ORM unit of
    work): ingest throughput is mostly ORM overhead otherwise.
    """
    draft, geo = placed.draft, placed.geo
    point = LatLon(geo.lat, geo.lon)
    nearby = {r.id: r for r in nearby_rows(session, point, settings.max_join_radius_m, settings.grid_cell_m)}
    candidates = [NearbyPothole(i, LatLon(r.lat, r.lon), r.uncertainty_m) for i, r in nearby.items()]
    match = partial(
        match_pothole,
        point,
        geo.uncertainty_m,
        candidates,
        min_radius_m=settings.dedup_radius_m,
        max_radius_m=settings.max_join_radius_m,
    )
    match_id = match()
    if match_id is None and candidates and settings.pass_bias_window_s > 0:
        # outside every gate but near a record: the pass's shared GPS bias may be why (only then is it
        # worth estimating: the common cases, a join or a pothole far from any other, skip these reads)
        neighbours = pass_neighbours(session, draft.pass_key, draft.captured_at, settings.pass_bias_window_s)
        places = [LatLon(o.lat, o.lon) for o in own_pass_records(neighbours).values()]
        records = records_around(session, places, settings.max_join_radius_m, settings.grid_cell_m)
        bias_en_m = pass_bias_m(neighbours, records, max_radius_m=settings.max_join_radius_m)
        if bias_en_m is not None:
            match_id = match(pass_bias_en_m=bias_en_m)
    if match_id is None:
        est = first_estimate(geo.lat, geo.lon, geo.uncertainty_m, geo.width_m, geo.length_m)
        status = PotholeStatus.CANDIDATE
        pothole_id = insert_pothole(
            session,
            est,
            cell_of(point, settings.grid_cell_m),
            status=status,
            seen=draft.captured_at,
            confidence=draft.confidence,
            context=dict(hooks.enricher(est.lat, est.lon)),
            now=now,
        )
        sightings, max_confidence = 1, draft.confidence
    else:
        row = nearby[match_id]
        pothole_id, status = match_id, row.status
        earlier = pass_sightings(session, pothole_id, draft.pass_key)
        current = Estimate(
            row.lat, row.lon, row.weight_sum, row.min_uncertainty_m, row.width_m, row.length_m, row.pass_count
        )
        this = Observation(geo.lat, geo.lon, geo.uncertainty_m, geo.width_m, geo.length_m)
        est = merge_pass(
            current, pass_observation(earlier) if earlier else None, pass_observation([*earlier, this])
        )
        sightings, max_confidence = row.sighting_count + 1, max(row.max_confidence, draft.confidence)
        update_pothole(
            session,
            pothole_id,
            est,
            cell_of(LatLon(est.lat, est.lon), settings.grid_cell_m),
            sightings=sightings,
            max_confidence=max_confidence,
            first_seen=min(row.first_seen, draft.captured_at),
            last_seen=max(row.last_seen, draft.captured_at),
            now=now,
        )
    gps = draft.gps
    sighting_id = insert_sighting(
        session,
        {
            "client_id": draft.client_id,
            "vehicle_id": draft.vehicle_id,
            "pothole_id": pothole_id,
            "frame_id": draft.frame_id,
            "captured_at": draft.captured_at,
            "gps_lat": gps.lat,
            "gps_lon": gps.lon,
            "gps_accuracy_m": gps.accuracy_or_assumed_m,
            "gps_heading_deg": gps.heading_deg,
            "heading_used_deg": placed.heading_deg,
            "speed_mps": gps.speed_mps,
            "frame_w": draft.frame_wh[0],
            "frame_h": draft.frame_wh[1],
            "box_xyxy_px": list(draft.box_xyxy_px),
            "confidence": draft.confidence,
            "model_id": draft.model_id,
            "pass_key": draft.pass_key,
            "track_id": draft.track_id,
            "lat": geo.lat,
            "lon": geo.lon,
            "uncertainty_m": geo.uncertainty_m,
            "width_m": geo.width_m,
            "length_m": geo.length_m,
            "crop_jpeg": draft.crop_jpeg,
            "negative": status == PotholeStatus.REJECTED,
            "created_at": now,
        },
    )
    record_fixes(session, draft.vehicle_id, [draft.gps])
    stays_candidate = status == PotholeStatus.CANDIDATE and not is_confirmed(
        est.passes,
        max_confidence,
        confirm_passes=settings.confirm_passes,
        confirm_confidence=settings.confirm_confidence,
    )
    if status != PotholeStatus.REJECTED and not stays_candidate:
        pothole = session.get(Pothole, pothole_id, populate_existing=True)
        assert pothole is not None
        keep_order_in_step(
            session,
            pothole,
            hooks,
            now,
            actor=f"system:ingest/{draft.vehicle_id}",
            evidence_note=(
                f"detected again at {draft.captured_at.isoformat()} (confidence {draft.confidence:.2f})"
            ),
        )
        session.flush()
    return sighting_id, pothole_id


def keep_order_in_step(
    session: Session, pothole: Pothole, hooks: Hooks, now: datetime, *, actor: str, evidence_note: str
) -> None:
    """The pothole is (now) confirmed or awaiting verification: file, reopen or re-score its order.
    `evidence_note` says what happened: the reopen's note and the re-score's reason."""
    assert pothole.id is not None
    if pothole.status == PotholeStatus.CANDIDATE:
        confirm(session, pothole, dict(hooks.enricher(pothole.lat, pothole.lon)), now)  # the refined position
    order = current_order(session, pothole.id, for_update=True)
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
            note=evidence_note,
        )
    elif order.in_queue:
        rescore(
            session, order, pothole, prioritiser=hooks.prioritiser, now=now, actor=actor, why=evidence_note
        )


def ingest_batch(
    engine: Engine,
    drafts: list[Draft],
    camera: CameraProfile,
    settings: Settings,
    hooks: Hooks,
    now: datetime,
) -> list[dict[str, Any]]:
    """Items in order, each in its own transaction, on one session (no per-item session set-up)."""
    with Session(engine, expire_on_commit=False) as session:
        return [ingest_one(session, draft, camera, settings, hooks, now) for draft in drafts]


def ingest_one(
    session: Session, draft: Draft, camera: CameraProfile, settings: Settings, hooks: Hooks, now: datetime
) -> dict[str, Any]:
    """One item, one transaction: created, duplicate (same ids, nothing changed) or rejected.

    The session must not be inside a transaction; it is not when this returns."""
    metrics = get_metrics()
    try:
        placed = place(session, draft, camera, settings)
    except GeolocationError as exc:
        existing = find_sighting(session, draft.vehicle_id, draft.client_id)
        session.commit()  # end the read transaction
        if existing is not None:
            return _duplicate(existing)
        # the fix itself is still knowledge: the next detection's heading is derived from it
        begin_write(session)
        record_fixes(session, draft.vehicle_id, [draft.gps])
        session.commit()
        metrics.sightings.labels("rejected").inc()
        return {"client_id": draft.client_id, "status": "rejected", "detail": str(exc)}
    session.commit()  # end the read transaction: the write one must start with its locks
    try:
        begin_write(session, lock_keys(placed, settings))
        sighting_id, pothole_id = apply_placed(session, placed, settings, hooks, now)
        session.commit()
    except IntegrityError:
        session.rollback()  # a retry: the unique client_id index refused it, and nothing was applied
        existing = find_sighting(session, draft.vehicle_id, draft.client_id)
        session.commit()
        if existing is None:
            raise
        return _duplicate(existing)
    except BaseException:
        session.rollback()
        raise
    metrics.sightings.labels("created").inc()
    return {
        "client_id": draft.client_id,
        "status": "created",
        "sighting_id": sighting_id,
        "pothole_id": pothole_id,
    }


def _duplicate(existing: Sighting) -> dict[str, Any]:
    get_metrics().sightings.labels("duplicate").inc()
    return {
        "client_id": existing.client_id,
        "status": "duplicate",
        "sighting_id": existing.id,
        "pothole_id": existing.pothole_id,
    }
