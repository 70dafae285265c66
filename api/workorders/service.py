"""Filing, re-scoring and the repair state machine; every status change writes the audit log.

Callers hold the write lock of the pothole's neighbourhood (ingest) or the row (PATCH): these
functions only read and write inside the caller's transaction, never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from api.errors import InvalidInputError, NotFoundError, TransitionError
from api.policy.score import Prioritiser
from api.potholes.repository import mark_negative
from api.potholes.schemas import WorkOrderSummary
from api.potholes.tables import Pothole, PotholeStatus
from api.workorders.tables import CLOSED_STATUSES, QUEUE_STATUSES, WorkOrder, WorkOrderEvent
from api.workorders.tables import WorkOrderStatus as S

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.ASSIGNED, S.REJECTED}),
    S.ASSIGNED: frozenset({S.OPEN, S.IN_PROGRESS, S.REJECTED}),
    S.IN_PROGRESS: frozenset({S.ASSIGNED, S.REPAIRED, S.REJECTED}),
    S.REPAIRED: frozenset({S.VERIFIED, S.REOPENED}),
    S.VERIFIED: frozenset(),  # closed: a later detection there is a new pothole
    S.REJECTED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.ASSIGNED, S.REJECTED}),
}


def summary(order: WorkOrder) -> WorkOrderSummary:
    assert order.id is not None
    return WorkOrderSummary(
        id=order.id,
        status=order.status,
        priority=order.priority,
        category=order.category,
        due_at=order.due_at,
        score=order.score,
        score_terms=list(order.score_terms),
        assignee=order.assignee,
    )


def current_order(session: Session, pothole_id: int, *, for_update: bool = False) -> WorkOrder | None:
    """The pothole's latest order (the active one if there is one); `for_update` row-locks it on
    PostgreSQL so a crew's PATCH and an automatic reopen/verify never overwrite each other."""
    query = (
        select(WorkOrder)
        .where(WorkOrder.pothole_id == pothole_id)
        .order_by(col(WorkOrder.id).desc())
        .limit(1)
    )
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def orders_by_pothole(session: Session, pothole_ids: list[int]) -> dict[int, WorkOrder]:
    if not pothole_ids:
        return {}
    rows = session.exec(
        select(WorkOrder).where(col(WorkOrder.pothole_id).in_(pothole_ids)).order_by(col(WorkOrder.id))
    ).all()
    return {o.pothole_id: o for o in rows}  # the latest order wins


def get_order_or_raise(session: Session, order_id: int, *, for_update: bool = False) -> WorkOrder:
    query = select(WorkOrder).where(WorkOrder.id == order_id)
    if for_update:
        query = query.with_for_update()
    order = session.exec(query).first()
    if order is None:
        raise NotFoundError(f"work_order_id={order_id} does not exist")
    return order


def _log(
    session: Session,
    order: WorkOrder,
    actor: str,
    from_status: str | None,
    to_status: str,
    note: str | None,
    at: datetime,
    photo: tuple[bytes, str] | None = None,
) -> None:
    assert order.id is not None
    session.add(
        WorkOrderEvent(
            work_order_id=order.id,
            at=at,
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            note=note,
            photo=None if photo is None else photo[0],
            photo_type=None if photo is None else photo[1],
        )
    )


def file_order(
    session: Session,
    pothole: Pothole,
    *,
    context: dict[str, Any],
    prioritiser: Prioritiser,
    now: datetime,
    actor: str,
) -> WorkOrder:
    """One open order per pothole (the caller checked; a partial unique index backs it up)."""
    assert pothole.id is not None
    result = prioritiser(pothole, context, now)
    order = WorkOrder(
        pothole_id=pothole.id,
        status=S.OPEN,
        in_queue=True,
        priority=result.priority,
        category=result.category,
        due_at=result.due_at,
        score=result.score,
        score_terms=result.score_terms,
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    session.flush()
    _log(session, order, actor, None, S.OPEN, f"filed: {result.category}, score {result.score:g}", now)
    return order


def rescore(order: WorkOrder, pothole: Pothole, *, prioritiser: Prioritiser, now: datetime) -> None:
    """New evidence may raise the priority; the due time only ever moves earlier (the SLA clock runs)."""
    result = prioritiser(pothole, pothole.context or {}, now)
    order.priority, order.category, order.score = result.priority, result.category, result.score
    order.score_terms = result.score_terms
    order.due_at = min(order.due_at, result.due_at)
    order.updated_at = now


def transition(
    session: Session,
    order: WorkOrder,
    to_status: str,
    *,
    actor: str,
    now: datetime,
    note: str | None = None,
    assignee: str | None = None,
    photo: tuple[bytes, str] | None = None,
) -> WorkOrder:
    """Apply one state-machine step and its side effects on the pothole; TransitionError if illegal.
    `photo` (bytes, media type), e.g. of the repair, is kept with the step's audit event."""
    from_status = order.status
    if to_status == from_status and to_status == S.ASSIGNED and assignee and assignee != order.assignee:
        pass  # re-assignment: not a status change, but logged
    elif to_status not in ALLOWED_TRANSITIONS[from_status]:
        allowed = sorted(ALLOWED_TRANSITIONS[from_status]) or "none (closed)"
        raise TransitionError(f"status: cannot go from '{from_status}' to '{to_status}' (allowed: {allowed})")
    if assignee is not None:
        order.assignee = assignee
    if to_status == S.ASSIGNED and not order.assignee:
        raise InvalidInputError("assignee: required to assign a work order")
    if to_status == S.OPEN:
        order.assignee = None
    pothole = session.get(Pothole, order.pothole_id)
    assert pothole is not None
    if to_status == S.REPAIRED:
        order.repaired_at = now
        pothole.status = PotholeStatus.REPAIRED
    elif to_status == S.VERIFIED:
        pothole.verified_at = now
    elif to_status == S.REJECTED:
        pothole.status = PotholeStatus.REJECTED
        assert pothole.id is not None
        mark_negative(session, pothole.id, True)
    elif to_status == S.REOPENED:
        if from_status == S.REJECTED:
            assert pothole.id is not None
            mark_negative(session, pothole.id, False)
        pothole.status = PotholeStatus.CONFIRMED
        order.repaired_at = None
    order.status = to_status
    order.in_queue = to_status in QUEUE_STATUSES
    order.updated_at = pothole.updated_at = now
    session.add(pothole)
    session.add(order)
    _log(session, order, actor, from_status, to_status, note, now, photo)
    return order


def history(session: Session, order_id: int) -> list[WorkOrderEvent]:
    """The audit log, oldest first; photos stay in the database until one is asked for."""
    query = (
        select(WorkOrderEvent)
        .where(WorkOrderEvent.work_order_id == order_id)
        .order_by(col(WorkOrderEvent.id))
        .options(defer(WorkOrderEvent.photo))  # type: ignore[arg-type]
    )
    return list(session.exec(query).all())


def event_photo(session: Session, order_id: int, event_id: int) -> tuple[bytes, str]:
    event = session.get(WorkOrderEvent, event_id)
    if event is None or event.work_order_id != order_id or event.photo is None or event.photo_type is None:
        raise NotFoundError(f"event_id={event_id}: no photo for work_order_id={order_id}")
    return event.photo, event.photo_type


def is_active(order: WorkOrder | None) -> bool:
    return order is not None and order.status not in CLOSED_STATUSES
