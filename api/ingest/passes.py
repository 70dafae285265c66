"""Patrol passes: where a vehicle drove. A pass over a repaired pothole that did not detect it verifies
the repair (detections reopen it in ingest)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.config import Settings
from api.db import begin_write
from api.geo import cells_covering
from api.geo.grid import cell_ranges
from api.potholes.pass_keys import given_pass_key
from api.potholes.repository import seen_between
from api.potholes.tables import Pothole, PotholeStatus
from api.vehicles.repository import prune_fixes, record_fixes
from api.vehicles.tables import PatrolPass
from api.workorders.service import current_order, transition
from api.workorders.tables import WorkOrderStatus
from common.contract import PassIn
from common.geodesy import LatLon, distance_to_track_m
from common.gps import GpsFix


def _answer(row: PatrolPass, status: str) -> dict[str, Any]:
    return {
        "client_id": row.client_id,
        "pass_id": row.id,
        "status": status,
        "verified_work_orders": list(row.verified_orders),
    }


def _find_pass(session: Session, pass_in: PassIn) -> PatrolPass | None:
    """The vehicle's own pass with this idempotency key (another vehicle's is never returned)."""
    query = select(PatrolPass).where(
        PatrolPass.vehicle_id == pass_in.vehicle_id, PatrolPass.client_id == pass_in.client_id
    )
    return session.exec(query).first()


def _repaired_near_track(session: Session, track: list[LatLon], settings: Settings) -> list[Pothole]:
    lats, lons = [p.lat for p in track], [p.lon for p in track]
    lo = cell_ranges(LatLon(min(lats), min(lons)), settings.verify_radius_m, settings.grid_cell_m)
    hi = cell_ranges(LatLon(max(lats), max(lons)), settings.verify_radius_m, settings.grid_cell_m)
    query = select(Pothole).where(
        Pothole.status == PotholeStatus.REPAIRED,
        col(Pothole.verified_at).is_(None),
        col(Pothole.cell_y).between(lo[0], hi[1]),
        col(Pothole.cell_x).between(lo[2], hi[3]),
    )
    return [
        p
        for p in session.exec(query)
        if distance_to_track_m(LatLon(p.lat, p.lon), track) <= settings.verify_radius_m
    ]


def record_pass(
    engine: Engine, pass_in: PassIn, settings: Settings, now: datetime
) -> tuple[dict[str, Any], bool]:
    track = [LatLon(p.lat, p.lon) for p in pass_in.track]
    with Session(engine, expire_on_commit=False) as session:
        existing = _find_pass(session, pass_in)
        if existing is not None:
            return _answer(existing, "duplicate"), False
        candidates = _repaired_near_track(session, track, settings)
        session.commit()
        keys = [
            c.lock_key()
            for p in candidates
            for c in cells_covering(LatLon(p.lat, p.lon), settings.max_join_radius_m, settings.grid_cell_m)
        ]
        try:
            begin_write(session, keys)
            row = PatrolPass(
                client_id=pass_in.client_id,
                vehicle_id=pass_in.vehicle_id,
                started_at=pass_in.started_at,
                ended_at=pass_in.ended_at,
                track=[p.model_dump(mode="json") for p in pass_in.track],
                created_at=now,
            )
            session.add(row)
            session.flush()
            record_fixes(
                session, pass_in.vehicle_id, [GpsFix(p.t.timestamp(), p.lat, p.lon) for p in pass_in.track]
            )
            prune_fixes(
                session, pass_in.vehicle_id, pass_in.started_at - timedelta(seconds=settings.fix_retention_s)
            )
            verified: list[int] = []
            for candidate in candidates:
                pothole = session.get(Pothole, candidate.id)
                assert pothole is not None and pothole.id is not None
                session.refresh(pothole)  # re-read under the lock
                order = current_order(session, pothole.id, for_update=True)
                if (
                    order is None
                    or order.status != WorkOrderStatus.REPAIRED
                    or order.repaired_at is None
                    or order.repaired_at > pass_in.started_at
                ):
                    continue
                if seen_between(
                    session,
                    pothole.id,
                    pass_in.vehicle_id,
                    pass_in.started_at,
                    pass_in.ended_at,
                    given_pass_key(pass_in.vehicle_id, pass_in.client_id),
                ):
                    continue
                transition(
                    session,
                    order,
                    WorkOrderStatus.VERIFIED,
                    actor=f"system:pass/{pass_in.client_id}",
                    now=now,
                    note=f"pass by {pass_in.vehicle_id} drove over it without a detection",
                )
                assert order.id is not None
                verified.append(order.id)
            row.verified_orders = verified
            session.add(row)
            session.commit()
        except IntegrityError:
            session.rollback()
            existing = _find_pass(session, pass_in)
            if existing is None:
                raise
            return _answer(existing, "duplicate"), False
    return _answer(row, "created"), True
