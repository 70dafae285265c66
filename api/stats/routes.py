"""GET /v1/stats (JSON), /v1/stats.csv and /v1/stats/map.png (district choropleth of open potholes)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlmodel import Session, col, select

from api.auth.deps import Staff
from api.errors import NotFoundError
from api.layers.enrich import choose_district_layer
from api.layers.geojson import LayerKind, road_class_of
from api.layers.runtime import LayersRuntime
from api.potholes.tables import Pothole
from api.services import Services, ServicesDep
from api.stats.compute import OrderRow, PotholeRow, compute_stats, stats_rows
from api.stats.map import choropleth_png
from api.workorders.tables import WorkOrder, WorkOrderStatus

router = APIRouter(prefix="/v1/stats", tags=["stats"])
csv_router = APIRouter(tags=["stats"])


def road_km_by_class(runtime: LayersRuntime) -> dict[str, float]:
    km: dict[str, float] = defaultdict(float)
    for layer in runtime.layers.of_kind(LayerKind.LINE):
        for feature, geometry_m in zip(layer.features, layer.geometries_m, strict=True):
            km[road_class_of(feature.properties) or "unclassified"] += geometry_m.length / 1000.0
    return dict(km)


def _rows(session: Session) -> tuple[list[PotholeRow], list[OrderRow]]:
    potholes = []
    for p in session.exec(select(Pothole)).all():
        context = p.context or {}
        district, road = context.get("district") or {}, context.get("road") or {}
        potholes.append(
            PotholeRow(
                id=p.id or 0,
                status=p.status,
                width_m=p.width_m,
                first_seen=p.first_seen,
                district_code=district.get("code"),
                district_name=district.get("name"),
                road_class=road.get("class"),
            )
        )
    orders = [
        OrderRow(
            pothole_id=o.pothole_id,
            status=o.status,
            category=o.category,
            created_at=o.created_at,
            due_at=o.due_at,
            repaired_at=o.repaired_at,
        )
        # a merged order is the history of another order, never a repair of its own
        for o in session.exec(
            select(WorkOrder).where(WorkOrder.status != WorkOrderStatus.MERGED).order_by(col(WorkOrder.id))
        ).all()
    ]
    return potholes, orders


def current_stats(services: Services) -> dict[str, Any]:
    runtime = services.layers
    with Session(services.engine) as session:
        potholes, orders = _rows(session)
    return compute_stats(
        potholes, orders, now=datetime.now(UTC), road_km_by_class=road_km_by_class(runtime) or None
    )


@router.get(
    "", summary="Potholes by district, status and severity; repair times, SLA compliance, weekly trend"
)
def get_stats(services: ServicesDep, _: Staff) -> dict[str, Any]:
    return current_stats(services)


@csv_router.get(
    "/v1/stats.csv",
    summary="The same numbers as CSV rows (section, key, metric, value)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def get_stats_csv(services: ServicesDep, _: Staff) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "metric", "value"])
    writer.writerows(stats_rows(current_stats(services)))
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8")


@router.get(
    "/map.png",
    summary="District choropleth of open potholes (PNG)",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def get_map(services: ServicesDep, _: Staff) -> Response:
    runtime = services.layers
    districts = choose_district_layer(runtime.layers, runtime.policy.enrichment_config)
    if districts is None:
        raise NotFoundError(
            "map: no district layer is loaded (PUT /v1/layers/{name} an area layer with code+name)"
        )
    stats = current_stats(services)
    open_by_code = {str(d["code"]): d["open"] for d in stats["by_district"] if d["code"]}
    title = (
        f"Open potholes by district ({districts.name}), {stats['generated_at'][:16].replace('T', ' ')} UTC"
    )
    return Response(choropleth_png(districts, open_by_code, title=title), media_type="image/png")
