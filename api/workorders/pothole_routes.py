"""GET /v1/potholes (GeoJSON, paginated), /v1/potholes/{id} (with sightings and order), photos.

Every answer carries the pothole's current work order, so these routes sit with work orders: the
potholes domain itself knows nothing of orders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from api.auth.deps import Staff
from api.auth.scope import sees_order
from api.auth.service import Principal
from api.db import SessionDep
from api.errors import InvalidInputError, NotFoundError
from api.params import Offset, RowId
from api.potholes.repository import get_pothole_or_raise, list_potholes, sightings_of
from api.potholes.schemas import (
    PotholeDetail,
    WorkOrderSummary,
    feature,
    photo_url,
    pothole_public,
    sighting_public,
)
from api.potholes.tables import PotholeStatus, Sighting
from api.workorders.params import parse_bbox
from api.workorders.service import current_order, orders_by_pothole, summary
from api.workorders.tables import WorkOrder

router = APIRouter(prefix="/v1/potholes", tags=["potholes"])


def _summary(principal: Principal, order: WorkOrder | None) -> WorkOrderSummary | None:
    """The pothole's order as the caller may see it: another crew's order is left out (`work_order`
    null), the pothole itself stays on the crew's map."""
    return summary(order) if order is not None and sees_order(principal, order.assignee) else None


@router.get("", responses={200: {"description": "GeoJSON FeatureCollection (RFC 7946)"}})
def list_potholes_geojson(
    request: Request,
    session: SessionDep,
    principal: Staff,
    bbox: Annotated[str | None, Query(examples=["126.8,37.1,126.9,37.3"])] = None,
    status: PotholeStatus | None = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> Response:
    if since is not None and since.tzinfo is None:
        raise InvalidInputError(f"since: {since.isoformat()} needs a timezone (e.g. Z)")
    total, rows = list_potholes(
        session, bbox=parse_bbox(bbox), status=status, since=since, limit=limit, offset=offset
    )
    orders = orders_by_pothole(session, [p.id for p in rows if p.id is not None])
    features = [feature(pothole_public(p, _summary(principal, orders.get(p.id or 0)))) for p in rows]
    body: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": total,
        "numberReturned": len(features),
        "links": [],
    }
    if offset + len(features) < total:
        params = dict(request.query_params) | {"offset": str(offset + limit), "limit": str(limit)}
        body["links"].append(
            {
                "rel": "next",
                "type": "application/geo+json",
                "href": str(request.url.replace_query_params(**params)),
            }
        )
    return JSONResponse(body, media_type="application/geo+json")


@router.get("/{pothole_id}", response_model=PotholeDetail)
def get_pothole_detail(pothole_id: RowId, session: SessionDep, principal: Staff) -> PotholeDetail:
    pothole = get_pothole_or_raise(session, pothole_id)
    order = current_order(session, pothole_id)
    sightings = sightings_of(session, pothole_id)
    base = pothole_public(pothole, _summary(principal, order))
    return PotholeDetail(
        **base.model_dump(),
        sighting_list=[sighting_public(s) for s in sightings],
        photos=[u for u in (photo_url(s) for s in sightings) if u],
    )


@router.get(
    "/{pothole_id}/photo/{sighting_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, 404: {}},
)
def get_photo(pothole_id: RowId, sighting_id: RowId, session: SessionDep, principal: Staff) -> Response:
    sighting = session.get(Sighting, sighting_id)
    if sighting is None or sighting.pothole_id != pothole_id or sighting.crop_jpeg is None:
        raise NotFoundError(f"sighting_id={sighting_id}: no photo for pothole_id={pothole_id}")
    return Response(
        sighting.crop_jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"}
    )
