"""Open311 GeoReport v2 at /open311/v2: services, requests (list, create), one request. JSON only.

A service request is a pothole: `service_request_id` is the pothole id, so a citizen report near a known
pothole joins that record (its `sources` list the citizen reports and patrol sightings) instead of
starting a duplicate. Status is `open` or `closed` (the spec's only values); the work order's lifecycle
goes into `status_notes`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session, col, select

from api.auth.service import Principal, authenticate
from api.ingest.citizen import JoinRule, file_report
from api.ingest.routes import hooks_of
from api.potholes.schemas import CitizenReport
from api.potholes.tables import ServiceRequest
from api.publish.access import PublicReader, layers_settings
from api.publish.features import PotholeFilter, query_potholes
from api.publish.params import parse_datetime
from api.publish.status import open311_status

router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"])

SERVICE_CODE = "POTHOLE"
SERVICE = {
    "service_code": SERVICE_CODE,
    "service_name": "Pothole",
    "description": "A hole in the road surface. Patrol vehicles detect them automatically; citizens may "
    "report one too (a report near a known pothole joins it).",
    "metadata": False,
    "type": "realtime",
    "keywords": "pothole, road, asphalt, 포트홀, 도로",
    "group": "Streets",
}
MAX_REQUESTS, DEFAULT_DAYS = 1000, 90


class Open311Error(Exception):
    """Answered as the spec's error list: [{"code": <http status>, "description": "..."}]."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


async def handle_open311_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Open311Error)
    return JSONResponse([{"code": exc.status, "description": exc.description}], status_code=exc.status)


def add_open311_error_handler(app: FastAPI) -> None:
    app.add_exception_handler(Open311Error, handle_open311_error)


def _check_jurisdiction(request: Request, jurisdiction_id: str | None) -> None:
    ours = layers_settings(request).open311_jurisdiction_id
    if jurisdiction_id not in (None, "", ours):
        raise Open311Error(404, f"jurisdiction_id: {jurisdiction_id!r} is not served here (this is {ours!r})")


def _iso(value: datetime | None) -> str | None:
    return (
        None if value is None else value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


@router.get("/services.json", summary="The service list (one service: potholes)")
def services(request: Request, _: PublicReader, jurisdiction_id: str | None = None) -> list[dict[str, Any]]:
    _check_jurisdiction(request, jurisdiction_id)
    return [SERVICE]


@router.get("/services/{service_code}.json", summary="Service definition (no extra attributes)")
def service_definition(
    service_code: str, request: Request, _: PublicReader, jurisdiction_id: str | None = None
) -> dict[str, Any]:
    _check_jurisdiction(request, jurisdiction_id)
    if service_code != SERVICE_CODE:
        raise Open311Error(404, f"service_code: {service_code!r} is not offered (only {SERVICE_CODE!r})")
    return {"service_code": SERVICE_CODE, "attributes": []}


def _records(request: Request, session: Session, rows: list[Any], with_media: bool) -> list[dict[str, Any]]:
    settings = layers_settings(request)
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
        status, notes = open311_status(pothole, order)
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
    _check_jurisdiction(request, jurisdiction_id)
    if service_code not in (None, "", SERVICE_CODE):
        return []
    try:
        ids = tuple(int(v) for v in service_request_id.split(",")) if service_request_id else ()
    except ValueError:
        raise Open311Error(
            400, f"service_request_id: {service_request_id!r} must be comma-separated ids"
        ) from None
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
    with Session(request.app.state.engine) as session:
        rows, _n = query_potholes(
            session, PotholeFilter(start=start, end=end, ids=ids), limit=None, count=False
        )
        records = _records(request, session, rows, with_media=caller is not None)
    records = [r for r in records if not wanted or r["status"] in wanted]
    return records[-MAX_REQUESTS:][::-1]  # newest first


@router.get(
    "/requests/{service_request_id}.json", summary="One service request (a list of one, per the spec)"
)
def get_request(
    service_request_id: str, request: Request, caller: PublicReader, jurisdiction_id: str | None = None
) -> list[dict[str, Any]]:
    _check_jurisdiction(request, jurisdiction_id)
    if not service_request_id.isdigit():
        raise Open311Error(404, f"service_request_id: {service_request_id!r} does not exist")
    with Session(request.app.state.engine) as session:
        rows, _n = query_potholes(
            session, PotholeFilter(ids=(int(service_request_id),)), limit=1, count=False
        )
        if not rows:
            raise Open311Error(404, f"service_request_id: {service_request_id!r} does not exist")
        return _records(request, session, rows, with_media=caller is not None)


def _principal(request: Request, api_key: str | None) -> Principal:
    key = api_key or request.headers.get("x-api-key")
    if not key:
        raise Open311Error(401, "api_key: required to create a service request")
    with Session(request.app.state.engine) as session:
        principal = authenticate(session, key)
    if principal is None:
        raise Open311Error(401, "api_key: unknown or revoked key")
    return principal


@router.post(
    "/requests.json",
    status_code=201,
    summary="Create a citizen report (form-encoded, api_key required); near a known pothole it joins it",
)
def create_request(
    request: Request,
    service_code: Annotated[str, Form()],
    api_key: Annotated[str | None, Form()] = None,
    jurisdiction_id: Annotated[str | None, Form()] = None,
    lat: Annotated[float | None, Form()] = None,
    long: Annotated[float | None, Form()] = None,
    address_string: Annotated[str | None, Form(max_length=500)] = None,
    description: Annotated[str | None, Form(max_length=4000)] = None,
    media_url: Annotated[str | None, Form(max_length=1000)] = None,
    email: Annotated[str | None, Form(max_length=200)] = None,
    device_id: Annotated[str | None, Form(max_length=200)] = None,
    account_id: Annotated[str | None, Form(max_length=200)] = None,
) -> list[dict[str, Any]]:
    principal = _principal(request, api_key)
    _check_jurisdiction(request, jurisdiction_id)
    if service_code != SERVICE_CODE:
        raise Open311Error(400, f"service_code: {service_code!r} is not offered (only {SERVICE_CODE!r})")
    if lat is None or long is None:
        raise Open311Error(400, "lat/long: required (this server does not geocode address_string)")
    if not (-90 <= lat <= 90 and -180 <= long <= 180):
        raise Open311Error(400, f"lat/long: ({lat}, {long}) is outside WGS84 ranges")
    report = CitizenReport(
        lat=lat,
        lon=long,
        description=description,
        address_string=address_string,
        media_url=media_url,
        email=email,
        device_id=device_id,
        account_id=account_id,
        submitted_by=principal.name,
    )
    join = layers_settings(request)
    rule = JoinRule(
        join.open311_join_radius_m, join.open311_report_uncertainty_m, request.app.state.settings.grid_cell_m
    )
    filed = file_report(request.app.state.engine, report, rule, hooks_of(request), datetime.now(UTC))
    notice = (
        f"Joined an existing report: {filed.citizen_reports} citizen report(s) and "
        f"{filed.patrol_sightings} patrol sighting(s) of this pothole."
        if filed.joined
        else "Received: a patrol vehicle will confirm this pothole."
    )
    return [{"service_request_id": str(filed.pothole_id), "service_notice": notice, "account_id": account_id}]
