"""Open311 GeoReport v2 at /open311/v2, the read side: services, requests (list), one request. JSON only.

A service request is a pothole: `service_request_id` is the pothole id, so a citizen report near a known
pothole joins that record (its `sources` list the citizen reports and patrol sightings) instead of
starting a duplicate. Status is `open` or `closed` (the spec's only values); the work order's lifecycle
goes into `status_notes`. Creating a request files a citizen report: that is `api/ingest/open311.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session, col, select

from api.auth.scope import sees_order, sees_work_orders
from api.auth.service import Principal
from api.params import DB_INT_MAX, parse_row_id
from api.potholes.open311 import PREFIX, SERVICE, SERVICE_CODE, TAGS, Open311Error, check_jurisdiction
from api.potholes.tables import ServiceRequest
from api.publish.access import PublicReader
from api.publish.features import PotholeFilter, query_potholes
from api.publish.params import parse_datetime
from api.publish.status import open311_status
from api.services import services_of

router = APIRouter(prefix=PREFIX, tags=[*TAGS])

MAX_REQUESTS, DEFAULT_DAYS = 1000, 90


def _iso(value: datetime | None) -> str | None:
    return (
        None if value is None else value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


@router.get("/services.json", summary="The service list (one service: potholes)")
def services(request: Request, _: PublicReader, jurisdiction_id: str | None = None) -> list[dict[str, Any]]:
    check_jurisdiction(request, jurisdiction_id)
    return [SERVICE]


@router.get("/services/{service_code}.json", summary="Service definition (no extra attributes)")
def service_definition(
    service_code: str, request: Request, _: PublicReader, jurisdiction_id: str | None = None
) -> dict[str, Any]:
    check_jurisdiction(request, jurisdiction_id)
    if service_code != SERVICE_CODE:
        raise Open311Error(404, f"service_code: {service_code!r} is not offered (only {SERVICE_CODE!r})")
    return {"service_code": SERVICE_CODE, "attributes": []}


def _records(
    request: Request, session: Session, rows: list[Any], caller: Principal | None
) -> list[dict[str, Any]]:
    """Records as `caller` may read them: staff see citizens' media and the notes in full for the orders
    they may see (`api.auth.scope`); the public and vehicles see neither."""
    with_media = sees_work_orders(caller)
    settings = services_of(request.app).settings
    ids = [p.id for p, _ in rows]
    reports: dict[int, list[ServiceRequest]] = {}
    if ids:
        for report in session.exec(
            select(ServiceRequest)
            .where(col(ServiceRequest.pothole_id).in_(ids))
            .order_by(col(ServiceRequest.id))
        ).all():
            reports.setdefault(report.pothole_id, []).append(report)
    out = []
    for pothole, order in rows:
        citizen = reports.get(pothole.id, [])
        status, notes = open311_status(
            pothole, order, detailed=order is not None and sees_order(caller, order.assignee)
        )
        context = pothole.context or {}
        district, road = context.get("district") or {}, context.get("road") or {}
        address = ", ".join(str(v) for v in (road.get("name"), district.get("name")) if v) or None
        description = next(
            (r.description for r in citizen if r.description),
            f"Pothole detected by patrol vehicles ({pothole.sighting_count} sightings)",
        )
        requested = min([pothole.first_seen, *(r.requested_at for r in citizen)])
        updated = max(pothole.updated_at, order.updated_at) if order else pothole.updated_at
        out.append(
            {
                "service_request_id": str(pothole.id),
                "status": status,
                "status_notes": notes,
                "service_name": SERVICE["service_name"],
                "service_code": SERVICE_CODE,
                "description": description,
                "agency_responsible": settings.agency_responsible,
                "service_notice": "",
                "requested_datetime": _iso(requested),
                "updated_datetime": _iso(updated),
                "expected_datetime": _iso(order.due_at) if order and status == "open" else None,
                "address": address,
                "address_id": None,
                "zipcode": None,
                "lat": round(pothole.lat, 7),
                "long": round(pothole.lon, 7),
                "media_url": next((r.media_url for r in citizen if r.media_url), None)
                if with_media
                else None,
                "sources": {
                    "patrol_sightings": pothole.sighting_count,
                    "patrol_passes": pothole.pass_count,
                    "citizen_reports": len(citizen),
                    "citizen_report_ids": [r.id for r in citizen],
                },
            }
        )
    return out


@router.get("/requests.json", summary="Service requests (default: the last 90 days, at most 1000)")
def list_requests(
    request: Request,
    caller: PublicReader,
    jurisdiction_id: str | None = None,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    check_jurisdiction(request, jurisdiction_id)
    if service_code not in (None, "", SERVICE_CODE):
        return []
    wanted_ids = [parse_row_id(v.strip()) for v in (service_request_id or "").split(",") if v.strip()]
    ids = tuple(i for i in wanted_ids if i is not None)
    if len(ids) != len(wanted_ids) or len(ids) > MAX_REQUESTS:
        raise Open311Error(
            400, f"service_request_id: must be at most {MAX_REQUESTS} comma-separated ids 1 .. {DB_INT_MAX}"
        )
    try:
        end = parse_datetime(end_date, param="end_date") if end_date else None
        start = parse_datetime(start_date, param="start_date") if start_date else None
    except ValueError as exc:
        raise Open311Error(400, str(exc)) from exc
    if not ids and start is None:
        start = (end or datetime.now(UTC)) - timedelta(days=DEFAULT_DAYS)
    wanted = {s.strip() for s in (status or "").split(",") if s.strip()}
    if wanted - {"open", "closed"}:
        raise Open311Error(400, f"status: {status!r} must be open, closed or both (comma-separated)")
    with Session(services_of(request.app).engine) as session:
        rows, _n = query_potholes(
            session, PotholeFilter(start=start, end=end, ids=ids), limit=None, count=False
        )
        records = _records(request, session, rows, caller)
    records = [r for r in records if not wanted or r["status"] in wanted]
    return records[-MAX_REQUESTS:][::-1]  # newest first


@router.get(
    "/requests/{service_request_id}.json", summary="One service request (a list of one, per the spec)"
)
def get_request(
    service_request_id: str, request: Request, caller: PublicReader, jurisdiction_id: str | None = None
) -> list[dict[str, Any]]:
    check_jurisdiction(request, jurisdiction_id)
    pothole_id = parse_row_id(service_request_id)
    if pothole_id is None:
        raise Open311Error(404, f"service_request_id: {service_request_id[:40]!r} does not exist")
    with Session(services_of(request.app).engine) as session:
        rows, _n = query_potholes(session, PotholeFilter(ids=(pothole_id,)), limit=1, count=False)
        if not rows:
            raise Open311Error(404, f"service_request_id: {service_request_id!r} does not exist")
        return _records(request, session, rows, caller)
