"""A citizen report (Open311 POST) joins the nearest open pothole within a radius, or starts a candidate.

A phone's position is poor (7-13 m in cities), so a citizen report never moves a pothole, and a candidate
it starts carries almost no weight: the first patrol sighting sets its position and size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import update
from sqlmodel import Session, col, select

from api.db import begin_write
from api.geo.grid import cell_of, cells_covering
from api.layers.runtime import LayersRuntime
from api.potholes.repository import nearby_potholes
from api.potholes.tables import Pothole, PotholeStatus
from api.publish.tables import ServiceRequest
from api.workorders.tables import QUEUE_STATUSES, WorkOrder
from common.geodesy import LatLon, distance_m

__all__ = ["CitizenReport", "Filed", "file_report"]

NO_WEIGHT = 1e-6  # weight_sum of a citizen-only candidate: the first patrol sighting decides its position


@dataclass(frozen=True, slots=True)
class CitizenReport:
    lat: float
    lon: float
    submitted_by: str
    description: str | None = None
    address_string: str | None = None
    media_url: str | None = None
    email: str | None = None
    device_id: str | None = None
    account_id: str | None = None


@dataclass(frozen=True, slots=True)
class Filed:
    pothole_id: int
    joined: bool
    citizen_reports: int
    patrol_sightings: int


def _nearest_open(session: Session, point: LatLon, radius_m: float, cell_m: float) -> Pothole | None:
    best: tuple[float, Pothole] | None = None
    for pothole in nearby_potholes(session, point, radius_m, cell_m):
        if pothole.status == PotholeStatus.REJECTED:
            continue
        d = distance_m(point, LatLon(pothole.lat, pothole.lon))
        if d <= radius_m and (best is None or d < best[0]):
            best = (d, pothole)
    return None if best is None else best[1]


def _rescore_open_order(
    session: Session, runtime: LayersRuntime | None, pothole: Pothole, context: dict[str, Any], now: datetime
) -> None:
    if runtime is None:
        return
    order = session.exec(
        select(WorkOrder).where(
            col(WorkOrder.pothole_id) == pothole.id,
            col(WorkOrder.status).in_([s.value for s in QUEUE_STATUSES]),
        )
    ).first()
    if order is None:
        return
    result = runtime.score(pothole, context, now, sla_start=order.created_at)
    session.execute(
        update(WorkOrder)
        .where(col(WorkOrder.id) == order.id)
        .values(
            priority=result.priority,
            category=result.category,
            due_at=result.due_at,
            score=result.score,
            score_terms=[{"points": float(t["points"]), "reason": t["reason"]} for t in result.score_terms],
            updated_at=now,
        )
    )


def file_report(app: FastAPI, report: CitizenReport) -> Filed:
    """One transaction: lock the neighbourhood, join or create, record the report."""
    settings, layers_settings = app.state.settings, app.state.layers_settings
    runtime: LayersRuntime | None = getattr(app.state, "layers_runtime", None)
    radius_m = layers_settings.open311_join_radius_m
    point = LatLon(report.lat, report.lon)
    now = datetime.now(UTC)
    with Session(app.state.engine, expire_on_commit=False) as session:
        begin_write(session, [c.lock_key() for c in cells_covering(point, radius_m, settings.grid_cell_m)])
        pothole = _nearest_open(session, point, radius_m, settings.grid_cell_m)
        joined = pothole is not None
        if pothole is None:
            cell = cell_of(point, settings.grid_cell_m)
            u_m = layers_settings.open311_report_uncertainty_m
            pothole = Pothole(
                lat=report.lat,
                lon=report.lon,
                cell_y=cell.y,
                cell_x=cell.x,
                status=PotholeStatus.CANDIDATE,
                uncertainty_m=u_m,
                min_uncertainty_m=u_m,
                weight_sum=NO_WEIGHT,
                width_m=0.0,
                length_m=0.0,
                sighting_count=0,
                pass_count=0,
                first_seen=now,
                last_seen=now,
                max_confidence=0.0,
                context=app.state.enricher(report.lat, report.lon),
            )
            session.add(pothole)
            session.flush()
        context = dict(pothole.context or {})
        context["citizen_reports"] = int(context.get("citizen_reports", 0) or 0) + 1
        session.execute(
            update(Pothole).where(col(Pothole.id) == pothole.id).values(context=context, updated_at=now)
        )
        session.add(
            ServiceRequest(
                pothole_id=pothole.id or 0,
                joined_existing=joined,
                service_code="POTHOLE",
                description=report.description,
                lat=report.lat,
                lon=report.lon,
                address_string=report.address_string,
                media_url=report.media_url,
                email=report.email,
                device_id=report.device_id,
                account_id=report.account_id,
                submitted_by=report.submitted_by,
                requested_at=now,
            )
        )
        _rescore_open_order(session, runtime, pothole, context, now)
        session.commit()
        return Filed(int(pothole.id or 0), joined, context["citizen_reports"], pothole.sighting_count)
