"""PURE: a pothole and its latest work order -> Open311 `status` (open|closed) and `status_notes`.

Staff read the order's number, priority and category in the notes; the public (and vehicles, and a crew
for another crew's order) read the same step in plain words, without those internal fields.
"""

from __future__ import annotations

from datetime import UTC, datetime

from api.potholes.tables import Pothole, PotholeStatus
from api.workorders.tables import WorkOrder, WorkOrderStatus

__all__ = ["open311_status"]


PLAIN_NOTES: dict[str, str] = {
    WorkOrderStatus.OPEN: "Confirmed; a repair is scheduled.",
    WorkOrderStatus.ASSIGNED: "A repair crew has been assigned.",
    WorkOrderStatus.IN_PROGRESS: "Repair in progress.",
    WorkOrderStatus.REPAIRED: "Repaired on {repaired}; awaiting a patrol pass to verify.",
    WorkOrderStatus.VERIFIED: "Repaired and verified by a patrol pass.",
    WorkOrderStatus.REJECTED: "Not a pothole: rejected on inspection.",
    WorkOrderStatus.REOPENED: "Reopened: seen again after a repair; a repair is scheduled.",
}


def _day(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def open311_status(pothole: Pothole, order: WorkOrder | None, *, detailed: bool) -> tuple[str, str]:
    """The spec allows only open/closed; the lifecycle (and why it closed) goes into the notes
    (`detailed`: with the order's number, priority and category)."""
    if pothole.status == PotholeStatus.REJECTED:
        return "closed", "Not a pothole: rejected on inspection."
    if order is None:
        if pothole.status == PotholeStatus.CANDIDATE:
            return "open", "Received; awaiting confirmation by a patrol vehicle."
        if pothole.status == PotholeStatus.REPAIRED:
            return "closed", "Repaired."
        return "open", "Confirmed; a work order will be filed."
    closed = order.status in (WorkOrderStatus.VERIFIED, WorkOrderStatus.REJECTED)
    if not detailed:
        return ("closed" if closed else "open"), PLAIN_NOTES.get(order.status, "Under review.").format(
            repaired=_day(order.repaired_at)
        )
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
    return ("closed" if closed else "open"), notes.get(WorkOrderStatus(order.status), order.status)
