"""Work order API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.workorders.tables import WorkOrder, WorkOrderEvent, WorkOrderStatus


class WorkOrderPublic(BaseModel):
    id: int
    pothole_id: int
    status: str
    priority: int
    category: str
    due_at: datetime
    score: float
    score_terms: list[dict[str, Any]]
    assignee: str | None
    created_at: datetime
    updated_at: datetime
    repaired_at: datetime | None
    lat: float | None = None
    lon: float | None = None


class WorkOrderPatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"status": "assigned", "assignee": "crew-3", "note": "Tuesday round"},
                {"status": "rejected", "note": "not a pothole: manhole cover"},
            ]
        },
    )

    status: WorkOrderStatus
    note: str | None = Field(default=None, max_length=2000)
    assignee: str | None = Field(default=None, min_length=1, max_length=128)


class EventPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    from_status: str | None
    to_status: str
    note: str | None


def order_public(o: WorkOrder, lat: float | None = None, lon: float | None = None) -> WorkOrderPublic:
    assert o.id is not None
    return WorkOrderPublic(
        id=o.id,
        pothole_id=o.pothole_id,
        status=o.status,
        priority=o.priority,
        category=o.category,
        due_at=o.due_at,
        score=o.score,
        score_terms=list(o.score_terms),
        assignee=o.assignee,
        created_at=o.created_at,
        updated_at=o.updated_at,
        repaired_at=o.repaired_at,
        lat=lat,
        lon=lon,
    )


def event_public(e: WorkOrderEvent) -> EventPublic:
    assert e.id is not None
    return EventPublic(
        id=e.id, at=e.at, actor=e.actor, from_status=e.from_status, to_status=e.to_status, note=e.note
    )
