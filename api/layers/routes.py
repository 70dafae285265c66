"""GET /v1/layers, GET /v1/layers/{name} (GeoJSON); an admin replaces a layer through api/admin."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.auth.deps import AnyCaller
from api.errors import NotFoundError
from api.layers.registry import Layer, layer_geojson
from api.services import ServicesDep

router = APIRouter(prefix="/v1/layers", tags=["layers"])
GEOJSON = "application/geo+json"


class LayerInfo(BaseModel):
    name: str
    kind: str
    version: int
    title: str | None
    feature_count: int
    bbox: list[float]
    updated_at: datetime
    href: str


def layer_info(layer: Layer) -> LayerInfo:
    return LayerInfo(
        name=layer.name,
        kind=layer.kind.value,
        version=layer.version,
        title=layer.parsed.title,
        feature_count=len(layer.features),
        bbox=[round(v, 7) for v in layer.bbox_lonlat],
        updated_at=layer.updated_at,
        href=f"/v1/layers/{layer.name}",
    )


@router.get("", response_model=list[LayerInfo], summary="List the loaded layers")
def list_layers(services: ServicesDep, _: AnyCaller) -> list[LayerInfo]:
    layers = services.layers.layers.layers
    return [layer_info(layers[name]) for name in sorted(layers)]


@router.get(
    "/{name}",
    summary="One layer as a GeoJSON FeatureCollection (RFC 7946)",
    response_class=JSONResponse,
    responses={200: {"content": {GEOJSON: {}}}},
)
def get_layer(name: str, services: ServicesDep, _: AnyCaller) -> JSONResponse:
    layer = services.layers.layers.get(name)
    if layer is None:
        raise NotFoundError(f"name: layer {name!r} is not loaded")
    return JSONResponse(layer_geojson(layer), media_type=GEOJSON)
