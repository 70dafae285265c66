"""The queue query: active orders by priority, then due time; one range scan of ix_work_order_queue."""

from __future__ import annotations

from sqlmodel import Session, col, select

from api.potholes.tables import Pothole
from api.workorders.tables import WorkOrder


def queue_rows(
    session: Session, *, crew: str | None, bbox: tuple[float, float, float, float] | None, limit: int
) -> list[tuple[WorkOrder, Pothole]]:
    query = (
        select(WorkOrder, Pothole)
        .join(Pothole, col(Pothole.id) == col(WorkOrder.pothole_id))
        .where(col(WorkOrder.in_queue).is_(True))
    )
    if crew is not None:
        query = query.where(WorkOrder.assignee == crew)
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        query = query.where(
            col(Pothole.lat).between(min_lat, max_lat), col(Pothole.lon).between(min_lon, max_lon)
        )
    query = query.order_by(col(WorkOrder.priority), col(WorkOrder.due_at), col(WorkOrder.id)).limit(limit)
    return [(o, p) for o, p in session.exec(query).all()]
