"""GET /v1/exports/potholes.geojson and .csv: every pothole matching status, district, time range, bbox;
work-order columns as the caller's key may see them (`api.publish.features.columns_for`)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from api.auth.deps import AnyCaller
from api.errors import InvalidInputError
from api.potholes.tables import PotholeStatus
from api.publish.features import PotholeFilter, columns_for, flat_properties, pothole_feature, query_potholes
from api.publish.params import parse_bbox, parse_datetime
from api.services import services_of

router = APIRouter(prefix="/v1/exports", tags=["exports"])
STATUSES = {s.value for s in PotholeStatus}


def export_filter(
    status: Annotated[
        str | None, Query(description="comma-separated: candidate,confirmed,rejected,repaired")
    ] = None,
    district: Annotated[str | None, Query(description="district code or name (context.district)")] = None,
    since: Annotated[str | None, Query(description="RFC 3339: potholes last seen at or after")] = None,
    until: Annotated[str | None, Query(description="RFC 3339: potholes first seen at or before")] = None,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat (WGS84)")] = None,
) -> PotholeFilter:
    """The query parameters both export formats share, as one dependency (documented once in OpenAPI)."""
    statuses = tuple(s.strip() for s in status.split(",") if s.strip()) if status else ()
    bad = [s for s in statuses if s not in STATUSES]
    if bad:
        raise InvalidInputError(f"status: {bad[0]!r} is not one of {sorted(STATUSES)}")
    try:
        return PotholeFilter(
            bbox=parse_bbox(bbox) if bbox else None,
            statuses=statuses,
            district=district or None,
            start=parse_datetime(since, param="since") if since else None,
            end=parse_datetime(until, param="until") if until else None,
        )
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc


def _rows(request: Request, flt: PotholeFilter) -> list[Any]:
    with Session(services_of(request.app).engine) as session:
        rows, _n = query_potholes(session, flt, limit=None, count=False)
    return rows


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%MZ")


@router.get(
    "/potholes.geojson",
    summary="Potholes as an RFC 7946 FeatureCollection (flat properties)",
    response_class=JSONResponse,
    responses={200: {"content": {"application/geo+json": {}}}},
)
def export_geojson(
    request: Request, principal: AnyCaller, flt: Annotated[PotholeFilter, Depends(export_filter)]
) -> JSONResponse:
    rows = _rows(request, flt)
    body = {"type": "FeatureCollection", "features": [pothole_feature(p, o, principal) for p, o in rows]}
    return JSONResponse(
        body,
        media_type="application/geo+json",
        headers={"Content-Disposition": f'attachment; filename="potholes-{_stamp()}.geojson"'},
    )


@router.get(
    "/potholes.csv",
    summary="Potholes as CSV (one row per pothole, UTF-8)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_csv(
    request: Request, principal: AnyCaller, flt: Annotated[PotholeFilter, Depends(export_filter)]
) -> Response:
    rows = _rows(request, flt)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns_for(principal)), lineterminator="\n")
    writer.writeheader()
    for pothole, order in rows:
        writer.writerow(flat_properties(pothole, order, principal))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="potholes-{_stamp()}.csv"'},
    )
