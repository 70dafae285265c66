"""OGC API - Features - Part 1: Core, at /ogc: potholes and every loaded layer as collections.

Conformance: core, geojson, oas30. QGIS ("WFS / OGC API - Features" connection), ArcGIS and OWSLib add a
collection by the landing-page URL. bbox is CRS84 lon/lat; paging is `limit` + `offset` with `next` links.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import shapely
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.layers.registry import Layer, feature_geojson
from api.params import parse_count, parse_row_id
from api.potholes.tables import Pothole, PotholeStatus
from api.publish.access import PublicReader
from api.publish.features import PotholeFilter, pothole_feature, query_potholes
from api.publish.params import parse_bbox, parse_interval
from api.services import services_of

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])

GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
OGC_REL = "http://www.opengis.net/def/rel/ogc/1.0"  # OGC API - Common link relations, beside the IANA ones
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
POTHOLES = "potholes"
DEFAULT_LIMIT, MAX_LIMIT = 10, 10_000
ITEM_PARAMS = {"bbox", "datetime", "limit", "offset", "f"}


class OgcError(Exception):
    """An OGC API exception: answered as {"code", "description"} with its HTTP status."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status, self.code, self.description = status, code, description


async def handle_ogc_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OgcError)
    return JSONResponse({"code": exc.code, "description": exc.description}, status_code=exc.status)


def add_ogc_error_handler(app: FastAPI) -> None:
    app.add_exception_handler(OgcError, handle_ogc_error)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


@router.get("", summary="Landing page")
def landing(request: Request, _: PublicReader) -> dict[str, Any]:
    base = _base(request)
    root = str(request.base_url).rstrip("/")
    return {
        "title": "pothole-watch",
        "description": "Potholes found by patrol vehicles, with their district, road and repair priority, "
        "and the city's analytic layers.",
        "links": [
            _link(base, "self", "application/json", "this document"),
            _link(f"{base}/api", "service-desc", OPENAPI, "the API definition"),
            _link(f"{root}/docs", "service-doc", "text/html", "the API documentation"),
            _link(f"{base}/conformance", "conformance", "application/json", "conformance classes"),
            _link(f"{base}/conformance", f"{OGC_REL}/conformance", "application/json", "conformance classes"),
            _link(f"{base}/collections", "data", "application/json", "the collections"),
            _link(f"{base}/collections", f"{OGC_REL}/data", "application/json", "the collections"),
        ],
    }


@router.get("/conformance", summary="Conformance classes")
def conformance(_: PublicReader) -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE}


@router.get("/api", summary="The API definition (OpenAPI 3.0)")
def api_definition(request: Request, _: PublicReader) -> JSONResponse:
    return JSONResponse(request.app.openapi(), media_type=OPENAPI)


def _pothole_extent(session: Session) -> dict[str, Any]:
    row = session.exec(
        select(  # type: ignore[call-overload]  # sqlmodel types select() up to 4 columns
            func.min(Pothole.lon),
            func.min(Pothole.lat),
            func.max(Pothole.lon),
            func.max(Pothole.lat),
            func.min(Pothole.first_seen),
            func.max(Pothole.last_seen),
        ).where(col(Pothole.status) != PotholeStatus.REJECTED)
    ).one()
    bbox = [[-180.0, -90.0, 180.0, 90.0]] if row[0] is None else [[round(float(v), 7) for v in row[:4]]]
    interval = [[_iso(row[4]), _iso(row[5])]]
    return {"spatial": {"bbox": bbox, "crs": CRS84}, "temporal": {"interval": interval}}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _collection(
    request: Request, cid: str, title: str, description: str, extent: dict[str, Any]
) -> dict[str, Any]:
    base = f"{_base(request)}/collections/{cid}"
    return {
        "id": cid,
        "title": title,
        "description": description,
        "links": [
            _link(base, "self", "application/json", title),
            _link(f"{base}/items", "items", GEOJSON, f"{title}: features"),
        ],
        "extent": extent,
        "itemType": "feature",
        "crs": [CRS84],
    }


def _layer_collection(request: Request, layer: Layer) -> dict[str, Any]:
    extent = {"spatial": {"bbox": [[round(v, 7) for v in layer.bbox_lonlat]], "crs": CRS84}}
    description = f"City layer '{layer.name}' ({layer.kind.value}, version {layer.version})"
    if layer.parsed.source:
        description += f"; source: {layer.parsed.source}"
    return _collection(request, layer.name, layer.parsed.title or layer.name, description, extent)


def _pothole_collection(request: Request) -> dict[str, Any]:
    with Session(services_of(request.app).engine) as session:
        extent = _pothole_extent(session)
    return _collection(
        request,
        POTHOLES,
        "Potholes",
        "Potholes (candidate, confirmed, repaired) with district and road; with a staff key also their "
        "work order status, priority and its score breakdown. Photos are not published.",
        extent,
    )


@router.get("/collections", summary="The collections: potholes and every loaded layer")
def collections(request: Request, _: PublicReader) -> dict[str, Any]:
    layers = services_of(request.app).layers.layers.layers
    return {
        "links": [_link(f"{_base(request)}/collections", "self", "application/json", "the collections")],
        "collections": [_pothole_collection(request)]
        + [_layer_collection(request, layers[name]) for name in sorted(layers)],
    }


def _layer_or_404(request: Request, collection_id: str) -> Layer:
    layer = services_of(request.app).layers.layers.get(collection_id)
    if layer is None:
        raise OgcError(404, "NotFound", f"collectionId: {collection_id!r} is not a collection")
    return layer


@router.get("/collections/{collection_id}", summary="One collection")
def collection(collection_id: str, request: Request, _: PublicReader) -> dict[str, Any]:
    if collection_id == POTHOLES:
        return _pothole_collection(request)
    return _layer_collection(request, _layer_or_404(request, collection_id))


def _paging(request: Request) -> tuple[int, int]:
    unknown = set(request.query_params) - ITEM_PARAMS
    if unknown:
        raise OgcError(
            400, "InvalidParameterValue", f"unknown query parameter(s): {', '.join(sorted(unknown))}"
        )
    try:
        limit = parse_count(request.query_params.get("limit", str(DEFAULT_LIMIT)), "limit")
        offset = parse_count(request.query_params.get("offset", "0"), "offset")
    except ValueError as exc:
        raise OgcError(400, "InvalidParameterValue", str(exc)) from None
    if limit < 1:
        raise OgcError(400, "InvalidParameterValue", f"limit={limit} must be >= 1")
    return min(limit, MAX_LIMIT), offset


def _filters(
    request: Request,
) -> tuple[tuple[float, float, float, float] | None, datetime | None, datetime | None]:
    try:
        bbox_text, dt_text = request.query_params.get("bbox"), request.query_params.get("datetime")
        bbox = parse_bbox(bbox_text) if bbox_text else None
        start, end = parse_interval(dt_text) if dt_text else (None, None)
    except ValueError as exc:
        raise OgcError(400, "InvalidParameterValue", str(exc)) from exc
    return bbox, start, end


def _page_links(
    request: Request, cid: str, limit: int, offset: int, returned: int, matched: int
) -> list[Any]:
    base = f"{_base(request)}/collections/{cid}/items"
    params = {k: v for k, v in request.query_params.items() if k not in ("limit", "offset")}

    def href(off: int) -> str:
        return f"{base}?{urlencode({**params, 'limit': limit, 'offset': off})}"

    links = [
        _link(href(offset), "self", GEOJSON, "this page"),
        _link(f"{_base(request)}/collections/{cid}", "collection", "application/json", "the collection"),
    ]
    if offset + returned < matched:
        links.append(_link(href(offset + limit), "next", GEOJSON, "next page"))
    if offset > 0:
        links.append(_link(href(max(offset - limit, 0)), "prev", GEOJSON, "previous page"))
    return links


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _collection_page(
    request: Request, cid: str, features: list[Any], matched: int, limit: int, offset: int
) -> JSONResponse:
    body = {
        "type": "FeatureCollection",
        "features": features,
        "timeStamp": _now_iso(),
        "numberMatched": matched,
        "numberReturned": len(features),
        "links": _page_links(request, cid, limit, offset, len(features), matched),
    }
    return JSONResponse(body, media_type=GEOJSON)


def _layer_items(layer: Layer, bbox: tuple[float, float, float, float] | None) -> list[int]:
    if bbox is None:
        return list(range(len(layer.features)))
    box_m = layer.frame.to_metres(shapely.box(*bbox))
    return sorted(int(i) for i in layer.tree.query(box_m, predicate="intersects"))


@router.get(
    "/collections/{collection_id}/items",
    summary="Features, filtered by bbox and datetime, paged",
    response_class=JSONResponse,
    responses={200: {"content": {GEOJSON: {}}}},
)
def items(collection_id: str, request: Request, caller: PublicReader) -> JSONResponse:
    limit, offset = _paging(request)
    bbox, start, end = _filters(request)
    if collection_id == POTHOLES:
        flt = PotholeFilter(bbox=bbox, start=start, end=end, include_rejected=False)
        with Session(services_of(request.app).engine) as session:
            rows, matched = query_potholes(session, flt, limit=limit, offset=offset)
        features = [pothole_feature(p, o, caller) for p, o in rows]
        return _collection_page(request, collection_id, features, matched or 0, limit, offset)
    layer = _layer_or_404(request, collection_id)
    indices = _layer_items(layer, bbox)  # layers carry no time: datetime does not filter them
    features = [feature_geojson(layer.features[i]) for i in indices[offset : offset + limit]]
    return _collection_page(request, collection_id, features, len(indices), limit, offset)


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="One feature",
    response_class=JSONResponse,
    responses={200: {"content": {GEOJSON: {}}}},
)
def item(collection_id: str, feature_id: str, request: Request, caller: PublicReader) -> JSONResponse:
    base = f"{_base(request)}/collections/{collection_id}"
    if collection_id == POTHOLES:
        pothole_id = parse_row_id(feature_id) or -1
        with Session(services_of(request.app).engine) as session:
            rows, _n = query_potholes(
                session, PotholeFilter(ids=(pothole_id,), include_rejected=False), limit=1, count=False
            )
        if not rows:
            raise OgcError(404, "NotFound", f"featureId: pothole {feature_id!r} does not exist")
        feature = pothole_feature(*rows[0], caller)
    else:
        found = _layer_or_404(request, collection_id).feature_by_id(feature_id)
        if found is None:
            raise OgcError(404, "NotFound", f"featureId: {feature_id!r} is not in {collection_id!r}")
        feature = feature_geojson(found)
    feature["links"] = [
        _link(f"{base}/items/{feature_id}", "self", GEOJSON, "this feature"),
        _link(base, "collection", "application/json", "the collection"),
    ]
    return JSONResponse(feature, media_type=GEOJSON)
