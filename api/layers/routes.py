"""GET /v1/layers, GET /v1/layers/{name} (GeoJSON), PUT /v1/layers/{name} (admin)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth.deps import Admin, AnyCaller
from api.errors import InvalidInputError, NotFoundError, PayloadTooLargeError
from api.layers.errors import LayerTooLargeError, LayerValidationError
from api.layers.geojson import parse_layer
from api.layers.registry import Layer, layer_geojson
from api.layers.rescore import rescore_all
from api.layers.runtime import LayersRuntime
from api.layers.store import save_layer

router = APIRouter(prefix="/v1/layers", tags=["layers"])
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
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


class LayerWritten(LayerInfo):
    revision: int
    repairs: list[str]
    rescored: dict[str, int]


def runtime_of(request: Request) -> LayersRuntime:
    runtime: LayersRuntime | None = getattr(request.app.state, "layers_runtime", None)
    if runtime is None:
        raise NotFoundError("layers: the layers part is not started")
    return runtime


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
def list_layers(request: Request, _: AnyCaller) -> list[LayerInfo]:
    layers = runtime_of(request).layers.layers
    return [layer_info(layers[name]) for name in sorted(layers)]


@router.get(
    "/{name}",
    summary="One layer as a GeoJSON FeatureCollection (RFC 7946)",
    response_class=JSONResponse,
    responses={200: {"content": {GEOJSON: {}}}},
)
def get_layer(name: str, request: Request, _: AnyCaller) -> JSONResponse:
    layer = runtime_of(request).layers.get(name)
    if layer is None:
        raise NotFoundError(f"name: layer {name!r} is not loaded")
    return JSONResponse(layer_geojson(layer), media_type=GEOJSON)


@router.put(
    "/{name}",
    response_model=LayerWritten,
    summary="Create or replace a layer (admin); potholes are re-enriched and open orders re-scored",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                GEOJSON: {"schema": {"type": "object"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def put_layer(name: str, request: Request, principal: Admin) -> LayerWritten:
    if not NAME_RE.match(name):
        raise InvalidInputError(f"name: {name!r} must match {NAME_RE.pattern} (lower case, digits, _ and -)")
    runtime = runtime_of(request)
    raw = await request.body()
    settings = request.app.state.layers_settings
    return await run_in_threadpool(
        _store_layer, request, runtime, name, raw, settings.layer_max_bytes, principal.name
    )


def _store_layer(
    request: Request, runtime: LayersRuntime, name: str, raw: bytes, max_bytes: int, actor: str
) -> LayerWritten:
    try:
        parsed = parse_layer(raw, max_bytes=max_bytes)
    except LayerTooLargeError as exc:
        raise PayloadTooLargeError(str(exc)) from exc
    except LayerValidationError as exc:
        raise InvalidInputError(str(exc)) from exc
    engine = request.app.state.engine
    with Session(engine) as session:
        row = save_layer(session, name=name, raw=raw, parsed=parsed, origin=f"api:{actor}")
    runtime.refresh(force=True)
    report = rescore_all(engine, runtime, actor=actor)
    layer = runtime.layers.get(name)
    assert layer is not None
    info: dict[str, Any] = layer_info(layer).model_dump()
    return LayerWritten(
        **info, revision=row.revision, repairs=list(parsed.repairs), rescored=report.as_json()
    )
