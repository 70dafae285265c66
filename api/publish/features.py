"""Potholes as published records: one filtered query, flat properties for GIS, the same for every format.

GIS tools (QGIS, ArcGIS) read flat attribute tables, so the nested `context` and `work_order` are
flattened into plain columns here, once, for GeoJSON exports, CSV and OGC API Features alike. Photos are
never published. The work-order columns are the caller's to see (`api.auth.scope`): the public and
vehicle keys never get them (`columns_for`), a crew gets them filled for its own orders only (`visible`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from api.auth.scope import sees_order, sees_work_orders
from api.auth.service import Principal
from api.potholes.tables import Pothole, PotholeStatus
from api.workorders.service import orders_by_pothole
from api.workorders.tables import WorkOrder

__all__ = [
    "FLAT_COLUMNS",
    "ORDER_COLUMNS",
    "POTHOLE_COLUMNS",
    "PotholeFilter",
    "columns_for",
    "flat_properties",
    "pothole_feature",
    "query_potholes",
    "visible",
]

POTHOLE_COLUMNS = (
    "id",
    "lat",
    "lon",
    "status",
    "district_code",
    "district_name",
    "road_class",
    "road_name",
    "width_m",
    "length_m",
    "uncertainty_m",
    "sightings",
    "passes",
    "citizen_reports",
    "first_seen",
    "last_seen",
    "max_confidence",
)
ORDER_COLUMNS = (
    "work_order_id",
    "work_order_status",
    "priority",
    "category",
    "due_at",
    "score",
    "score_terms",
)
FLAT_COLUMNS = POTHOLE_COLUMNS + ORDER_COLUMNS


def columns_for(principal: Principal | None) -> tuple[str, ...]:
    """The columns a caller's tables and features carry."""
    return FLAT_COLUMNS if sees_work_orders(principal) else POTHOLE_COLUMNS


def visible(principal: Principal | None, order: WorkOrder | None) -> WorkOrder | None:
    """The order as the caller may see it: None where it is another crew's (its columns stay empty)."""
    return order if order is not None and sees_order(principal, order.assignee) else None


@dataclass(frozen=True, slots=True)
class PotholeFilter:
    """bbox in lon/lat (CRS84: minlon, minlat, maxlon, maxlat); start/end bound the seen interval."""

    bbox: tuple[float, float, float, float] | None = None
    statuses: tuple[str, ...] = ()
    district: str | None = None  # code or name
    start: datetime | None = None
    end: datetime | None = None
    include_rejected: bool = True
    ids: tuple[int, ...] = ()


def _where(flt: PotholeFilter) -> list[Any]:
    clauses: list[Any] = []
    if flt.bbox is not None:
        minlon, minlat, maxlon, maxlat = flt.bbox
        clauses += [col(Pothole.lat) >= minlat, col(Pothole.lat) <= maxlat]
        if minlon <= maxlon:
            clauses += [col(Pothole.lon) >= minlon, col(Pothole.lon) <= maxlon]
        else:  # crosses the antimeridian (RFC 7946 §5.2)
            clauses.append(or_(col(Pothole.lon) >= minlon, col(Pothole.lon) <= maxlon))
    if flt.statuses:
        clauses.append(col(Pothole.status).in_(flt.statuses))
    if not flt.include_rejected:
        clauses.append(col(Pothole.status) != PotholeStatus.REJECTED)
    if flt.district:
        code = Pothole.context[("district", "code")].as_string()  # type: ignore[index]
        name = Pothole.context[("district", "name")].as_string()  # type: ignore[index]
        clauses.append(or_(code == flt.district, name == flt.district))
    if flt.start is not None:
        clauses.append(col(Pothole.last_seen) >= flt.start)
    if flt.end is not None:
        clauses.append(col(Pothole.first_seen) <= flt.end)
    if flt.ids:
        clauses.append(col(Pothole.id).in_(flt.ids))
    return clauses


def query_potholes(
    session: Session, flt: PotholeFilter, *, limit: int | None, offset: int = 0, count: bool = True
) -> tuple[list[tuple[Pothole, WorkOrder | None]], int | None]:
    """Potholes by id with their latest work order, and the number matched (before paging)."""
    where = _where(flt)
    total = session.exec(select(func.count()).select_from(Pothole).where(*where)).one() if count else None
    query = select(Pothole).where(*where).order_by(col(Pothole.id)).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    potholes: Sequence[Pothole] = session.exec(query).all()
    orders = orders_by_pothole(session, [int(p.id or 0) for p in potholes])
    return [(p, orders.get(p.id or 0)) for p in potholes], (int(total) if total is not None else None)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def terms_text(terms: list[dict[str, Any]] | None) -> str:
    """'+30 arterial road; +20 within 50 m of bus stop …': one readable cell for GIS and CSV."""
    return "; ".join(f"{t['points']:+g} {t['reason']}" for t in terms or [])


def flat_properties(pothole: Pothole, order: WorkOrder | None, principal: Principal | None) -> dict[str, Any]:
    """The columns `principal` may read (`columns_for`), the order's only where it may see it."""
    order = visible(principal, order)
    context = pothole.context or {}
    district = context.get("district") or {}
    road = context.get("road") or {}
    row = {
        "id": pothole.id,
        "lat": round(pothole.lat, 7),
        "lon": round(pothole.lon, 7),
        "status": pothole.status,
        "district_code": district.get("code"),
        "district_name": district.get("name"),
        "road_class": road.get("class"),
        "road_name": road.get("name"),
        "width_m": round(pothole.width_m, 3) if pothole.width_m else None,
        "length_m": round(pothole.length_m, 3) if pothole.length_m else None,
        "uncertainty_m": round(pothole.uncertainty_m, 2),
        "sightings": pothole.sighting_count,
        "passes": pothole.pass_count,
        "citizen_reports": pothole.citizen_report_count,
        "first_seen": _iso(pothole.first_seen),
        "last_seen": _iso(pothole.last_seen),
        "max_confidence": round(pothole.max_confidence, 3),
        "work_order_id": order.id if order else None,
        "work_order_status": order.status if order else None,
        "priority": order.priority if order else None,
        "category": order.category if order else None,
        "due_at": _iso(order.due_at) if order else None,
        "score": order.score if order else None,
        "score_terms": terms_text(order.score_terms) if order else None,
    }
    return {column: row[column] for column in columns_for(principal)}


def pothole_feature(pothole: Pothole, order: WorkOrder | None, principal: Principal | None) -> dict[str, Any]:
    """RFC 7946 Feature: [lon, lat] with 7 decimals; the id is the pothole id."""
    return {
        "type": "Feature",
        "id": pothole.id,
        "geometry": {"type": "Point", "coordinates": [round(pothole.lon, 7), round(pothole.lat, 7)]},
        "properties": flat_properties(pothole, order, principal),
    }
