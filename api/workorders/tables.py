"""Work orders (at most one active per pothole) and their audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, LargeBinary, text
from sqlmodel import Field, SQLModel

from api.types import JsonType, UtcDateTime, utc_now


class WorkOrderStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    REPAIRED = "repaired"
    VERIFIED = "verified"
    REJECTED = "rejected"
    REOPENED = "reopened"
    MERGED = "merged"  # a duplicate folded into another order; its history stays, naming that order


CLOSED_STATUSES = frozenset({WorkOrderStatus.VERIFIED, WorkOrderStatus.REJECTED, WorkOrderStatus.MERGED})
QUEUE_STATUSES = frozenset(
    {WorkOrderStatus.OPEN, WorkOrderStatus.ASSIGNED, WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.REOPENED}
)
ACTIVE_ORDER_WHERE = "status NOT IN ('verified', 'rejected', 'merged')"  # not in CLOSED_STATUSES


class WorkOrder(SQLModel, table=True):
    __tablename__ = "work_order"
    __table_args__ = (
        # one open order per pothole: the database settles two workers racing to file
        Index(
            "uq_work_order_open_pothole",
            "pothole_id",
            unique=True,
            sqlite_where=text(ACTIVE_ORDER_WHERE),
            postgresql_where=text(ACTIVE_ORDER_WHERE),
        ),
        Index("ix_work_order_queue", "in_queue", "priority", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pothole_id: int = Field(foreign_key="pothole.id", index=True)
    status: str = Field(default=WorkOrderStatus.OPEN, max_length=16)
    in_queue: bool = True  # status in QUEUE_STATUSES, kept as a column so the queue is one index range
    priority: int
    category: str = Field(max_length=64)
    due_at: datetime = Field(sa_type=UtcDateTime)
    score: float
    score_terms: list[Any] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    assignee: str | None = Field(default=None, max_length=128, index=True)
    repaired_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class WorkOrderEvent(SQLModel, table=True):
    __tablename__ = "work_order_event"

    id: int | None = Field(default=None, primary_key=True)
    work_order_id: int = Field(foreign_key="work_order.id", index=True)
    at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    actor: str = Field(max_length=160)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    note: str | None = Field(default=None, max_length=2000)
    photo_type: str | None = Field(default=None, max_length=16)  # image/jpeg | image/png when a photo came
    photo: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))  # repair photo
