"""PURE: a pothole and its latest work order -> Open311 `status` (open|closed) and `status_notes`."""

from __future__ import annotations

from datetime import UTC, datetime

from api.potholes.tables import Pothole, PotholeStatus
from api.workorders.tables import WorkOrder, WorkOrderStatus

__all__ = ["open311_status"]


def _day(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def open311_status(pothole: Pothole, order: WorkOrder | None) -> tuple[str, str]:
    """The spec allows only open/closed; the lifecycle (and why it closed) goes into the notes."""
    if pothole.status == PotholeStatus.REJECTED:
        return "closed", "Not a pothole: rejected on inspection."
    if order is None:
        if pothole.status == PotholeStatus.CANDIDATE:
            return "open", "Received; awaiting confirmation by a patrol vehicle."
        if pothole.status == PotholeStatus.REPAIRED:
            return "closed", "Repaired."
        return "open", "Confirmed; a work order will be filed."
    due = f"due {_day(order.due_at)}"
    rank = f"priority {order.priority} ({order.category})"
    notes = {
        WorkOrderStatus.OPEN: f"Work order {order.id} filed: {rank}, {due}.",
        WorkOrderStatus.ASSIGNED: f"Work order {order.id} assigned to a crew: {rank}, {due}.",
        WorkOrderStatus.IN_PROGRESS: f"Repair in progress (work order {order.id}).",
        WorkOrderStatus.REPAIRED: f"Repaired on {_day(order.repaired_at)}; awaiting a patrol pass to verify.",
        WorkOrderStatus.VERIFIED: f"Repaired and verified by a patrol pass (work order {order.id}).",
        WorkOrderStatus.REJECTED: "Not a pothole: the work order was rejected on inspection.",
        WorkOrderStatus.REOPENED: f"Reopened: seen again after a repair; {rank}, {due}.",
    }
    closed = order.status in (WorkOrderStatus.VERIFIED, WorkOrderStatus.REJECTED)
    return ("closed" if closed else "open"), notes.get(WorkOrderStatus(order.status), order.status)
