"""PUT /v1/layers/{name} (admin): store a layer, reload it, re-enrich potholes and re-score open orders.

It sits above `workorders` because the re-scoring is part of the answer; the reads are in api/layers.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth.deps import Admin
from api.errors import InvalidInputError
from api.layers.geojson import parse_layer
from api.layers.routes import GEOJSON, LayerInfo, layer_info
from api.layers.store import save_layer
from api.services import Services, ServicesDep
from api.workorders.rescore import rescore_all

router = APIRouter(prefix="/v1/layers", tags=["layers"])
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")


class LayerWritten(LayerInfo):
    revision: int
    repairs: list[str]
    rescored: dict[str, int]


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
async def put_layer(name: str, request: Request, services: ServicesDep, principal: Admin) -> LayerWritten:
    if not NAME_RE.match(name):
        raise InvalidInputError(f"name: {name!r} must match {NAME_RE.pattern} (lower case, digits, _ and -)")
    raw = await request.body()
    return await run_in_threadpool(_store_layer, services, name, raw, principal.name)


def _store_layer(services: Services, name: str, raw: bytes, actor: str) -> LayerWritten:
    parsed = parse_layer(raw, max_bytes=services.settings.layer_max_bytes)
    with Session(services.engine) as session:
        row = save_layer(session, name=name, raw=raw, parsed=parsed, origin=f"api:{actor}")
    runtime = services.layers
    runtime.refresh(force=True)
    report = rescore_all(services.engine, runtime, actor=actor)
    layer = runtime.layers.get(name)
    assert layer is not None
    return LayerWritten(
        **layer_info(layer).model_dump(),
        revision=row.revision,
        repairs=list(parsed.repairs),
        rescored=report.as_json(),
    )
