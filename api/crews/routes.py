"""GET /v1/queue: the crews' ordered work, as JSON or GeoJSON, optionally as a day's route."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.auth.deps import Staff
from api.auth.scope import queue_crew
from api.crews.queue import queue_rows
from api.crews.route import plan_route, route_length_m
from api.db import SessionDep
from api.errors import InvalidInputError
from api.workorders.params import parse_bbox
from api.workorders.schemas import order_public
from common.geodesy import LatLon, to_local_m

router = APIRouter(prefix="/v1", tags=["queue"])


def parse_point(value: str) -> LatLon:
    try:
        lat, lon = (float(v) for v in value.split(","))
        return LatLon(lat, lon)
    except ValueError:
        raise InvalidInputError(f"route_from: {value!r} is not 'lat,lon' in range") from None


@router.get(
    "/queue", responses={200: {"description": "ordered work orders (JSON, or GeoJSON with a route line)"}}
)
def get_queue(
    session: SessionDep,
    principal: Staff,
    crew: str | None = None,
    bbox: Annotated[str | None, Query(examples=["126.8,37.1,126.9,37.3"])] = None,
    route_from: Annotated[
        str | None, Query(description="lat,lon: order as a route from here", examples=["37.2,126.83"])
    ] = None,
    format: Literal["json", "geojson"] = "json",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JSONResponse:
    """Priority, then due time; a crew's key reads its own crew's queue (`crew` defaults to it) unless a
    manager granted it every crew's. With `route_from`, the first `limit` orders (at most 60) are visited
    in nearest-neighbour + 2-opt order instead, and the route's length is reported."""
    start = parse_point(route_from) if route_from else None
    crew = queue_crew(principal, crew)
    rows = queue_rows(session, crew=crew, bbox=parse_bbox(bbox), limit=min(limit, 60) if start else limit)
    route: dict[str, Any] | None = None
    if start is not None:
        order = plan_route(start, [LatLon(p.lat, p.lon) for _, p in rows])
        rows = [rows[i] for i in order]
        xy = [to_local_m(start, LatLon(p.lat, p.lon)) for _, p in rows]
        route = {
            "start": {"lat": start.lat, "lon": start.lon},
            "length_m": round(route_length_m((0.0, 0.0), xy, list(range(len(xy)))), 1),
        }
    items = [
        order_public(o, round(p.lat, 7), round(p.lon, 7)).model_dump(mode="json") | {"rank": i + 1}
        for i, (o, p) in enumerate(rows)
    ]
    if format == "json":
        return JSONResponse({"items": items, "count": len(items), "route": route})
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "id": it["id"],
            "geometry": {"type": "Point", "coordinates": [it["lon"], it["lat"]]},
            "properties": it,
        }
        for it in items
    ]
    if start is not None and items:
        features.append(
            {
                "type": "Feature",
                "id": "route",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[start.lon, start.lat], *([it["lon"], it["lat"]] for it in items)],
                },
                "properties": route,
            }
        )
    return JSONResponse(
        {"type": "FeatureCollection", "features": features}, media_type="application/geo+json"
    )
