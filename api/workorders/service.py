"""The only writer of work orders and their audit log: filing, re-scoring, the repair state machine, and
the hand-over when a pothole record is folded into another.

**Due time.** An order is due `created_at + SLA(current category)`, but never later than a due time it
has already been given: `due_at = min(due_at, created_at + SLA)`. The SLA clock starts when the order is
filed, because a council's response time is counted from when it knew of the defect; so when new evidence,
a layer or a policy makes the order more urgent, its due time moves earlier to what the new category asks
of that start (possibly already past: the order then shows as overdue, which is the truth). When a re-score
makes it less urgent, the due time stays: a crew may have planned its round around it, and an auditor
must never see a missed deadline disappear because a policy was edited. Nothing here moves a due time later.

**History.** Every change to what an order asks of a crew writes one `WorkOrderEvent`: filing, each status
step, a re-assignment, a re-score that moves the priority, category or due time (the note gives the old and
new values and why), and a hand-over. The score and its reasons are the current explanation and are
refreshed in place on every re-score (they follow each sighting's size estimate). Nothing is deleted: when
a pothole record is folded into another, its order either moves with it or, when the other already has an
active order, is closed as `merged` with an event naming that order (which records the merge too).

Callers hold the write lock of the pothole's neighbourhood (ingest) or the row (PATCH): these functions
only read and write inside the caller's transaction, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from api.auth.roster import require_active_crew
from api.errors import InvalidInputError, NotFoundError, TransitionError, plain_list
from api.policy.score import PotholeRecord, Prioritised, Prioritiser
from api.potholes.repository import follow_order
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
    S.MERGED: frozenset(),  # closed: its pothole's active order carries on
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
    """The pothole's latest order (the active one if there is one; a merged order is another's history,
    never a pothole's order); `for_update` row-locks it on PostgreSQL so a crew's PATCH and an automatic
    reopen/verify never overwrite each other."""
    query = (
        select(WorkOrder)
        .where(WorkOrder.pothole_id == pothole_id, WorkOrder.status != S.MERGED)
        .order_by(col(WorkOrder.id).desc())
        .limit(1)
    )
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def orders_by_pothole(session: Session, pothole_ids: Sequence[int]) -> dict[int, WorkOrder]:
    """`current_order` for many potholes in one query."""
    if not pothole_ids:
        return {}
    rows = session.exec(
        select(WorkOrder)
        .where(col(WorkOrder.pothole_id).in_(pothole_ids), WorkOrder.status != S.MERGED)
        .order_by(col(WorkOrder.id))
    ).all()
    return {o.pothole_id: o for o in rows}  # the latest order wins


def queued_orders(session: Session, pothole_ids: Sequence[int]) -> dict[int, WorkOrder]:
    """The potholes' orders waiting for a crew (QUEUE_STATUSES), by pothole id: those a re-score moves."""
    if not pothole_ids:
        return {}
    query = select(WorkOrder).where(
        col(WorkOrder.pothole_id).in_(pothole_ids),
        col(WorkOrder.status).in_([s.value for s in QUEUE_STATUSES]),
    )
    return {o.pothole_id: o for o in session.exec(query).all()}


def assigned_counts(session: Session) -> dict[str, int]:
    """Orders in the queue per assignee (a crew's open work)."""
    query = (
        select(WorkOrder.assignee, func.count())
        .where(col(WorkOrder.in_queue).is_(True), col(WorkOrder.assignee).is_not(None))
        .group_by(WorkOrder.assignee)
    )
    return {str(assignee): int(n) for assignee, n in session.exec(query).all()}


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
    session.add(_event(order.id, actor, from_status, to_status, note, at, photo))


def _event(
    order_id: int,
    actor: str,
    from_status: str | None,
    to_status: str,
    note: str | None,
    at: datetime,
    photo: tuple[bytes, str] | None = None,
) -> WorkOrderEvent:
    return WorkOrderEvent(
        work_order_id=order_id,
        at=at,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        note=note,
        photo=None if photo is None else photo[0],
        photo_type=None if photo is None else photo[1],
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


def kept_due(promised: datetime, from_filing: datetime) -> datetime:
    """The due-time rule (see the module docstring): `from_filing` is created_at + SLA(current category)."""
    return min(promised, from_filing)


@dataclass(frozen=True, slots=True)
class Rescored:
    """An order's score columns after a re-score, and the event note when its obligations moved."""

    values: dict[str, Any]  # priority, category, due_at, score, score_terms: the columns to write
    note: str | None  # None: priority, category and due time stayed (no event)


def rescored(
    order: WorkOrder,
    pothole: PotholeRecord,
    context: dict[str, Any],
    *,
    prioritiser: Prioritiser,
    now: datetime,
    why: str,
) -> Rescored | None:
    """PURE: the order's new columns under the due-time rule; None when nothing at all changes."""
    result: Prioritised = prioritiser(pothole, context, now, sla_start=order.created_at)
    due_at = kept_due(order.due_at, result.due_at)
    values: dict[str, Any] = {
        "priority": result.priority,
        "category": result.category,
        "due_at": due_at,
        "score": result.score,
        "score_terms": result.score_terms,
    }
    if all(getattr(order, k) == v for k, v in values.items()):
        return None
    if (result.priority, result.category, due_at) == (order.priority, order.category, order.due_at):
        return Rescored(values, None)
    due = "" if due_at == order.due_at else f", due {order.due_at.isoformat()} -> {due_at.isoformat()}"
    note = (
        f"re-scored ({why}): P{order.priority} {order.category} -> P{result.priority} {result.category}, "
        f"score {order.score:g} -> {result.score:g}{due}"
    )
    return Rescored(values, note)


def rescore(
    session: Session,
    order: WorkOrder,
    pothole: Pothole,
    *,
    prioritiser: Prioritiser,
    now: datetime,
    actor: str,
    why: str,
) -> bool:
    """Re-score one active order on its pothole's current facts and context; True when it changed."""
    change = rescored(order, pothole, pothole.context or {}, prioritiser=prioritiser, now=now, why=why)
    if change is None:
        return False
    for key, value in change.values.items():
        setattr(order, key, value)
    order.updated_at = now
    session.add(order)
    if change.note is not None:
        session.flush()
        _log(session, order, actor, order.status, order.status, change.note, now)
    return True


def rescore_many(
    session: Session,
    orders: Sequence[tuple[WorkOrder, Pothole, dict[str, Any]]],
    *,
    prioritiser: Prioritiser,
    now: datetime,
    actor: str,
    why: str,
) -> int:
    """`rescore` for (order, pothole, new context) triples with one bulk UPDATE; the number whose priority,
    category or due time moved. Only the score columns are written, so a concurrent PATCH of the status is
    never overwritten."""
    rows: list[dict[str, Any]] = []
    events: list[WorkOrderEvent] = []
    for order, pothole, context in orders:
        change = rescored(order, pothole, context, prioritiser=prioritiser, now=now, why=why)
        if change is None:
            continue
        assert order.id is not None
        rows.append({"id": order.id, **change.values, "updated_at": now})
        if change.note is not None:
            events.append(_event(order.id, actor, order.status, order.status, change.note, now))
    if rows:
        session.execute(update(WorkOrder), rows)  # executemany by primary key
    session.add_all(events)
    return len(events)


def hand_over(
    session: Session, order: WorkOrder, *, target_pothole_id: int, actor: str, now: datetime, why: str
) -> WorkOrder:
    """A folded record's order follows its sightings to the target pothole; the order that carries on.

    With no active order on the target it becomes the target's order. Otherwise it is closed as `merged`
    (it keeps its history, and points at the target pothole, whose record it was) with an event naming the
    target's active order, whose history records the merge too.
    """
    assert order.id is not None
    active = current_order(session, target_pothole_id, for_update=True)
    if active is None or active.status in CLOSED_STATUSES:
        order.pothole_id, order.updated_at = target_pothole_id, now
        session.add(order)
        session.flush()
        _log(session, order, actor, order.status, order.status, f"moved: {why}", now)
        return order
    assert active.id is not None
    from_status = order.status
    order.pothole_id, order.status, order.in_queue, order.updated_at = target_pothole_id, S.MERGED, False, now
    session.add(order)
    session.flush()
    _log(session, order, actor, from_status, S.MERGED, f"merged into work order {active.id}: {why}", now)
    note = f"merged work order {order.id} (filed {order.created_at.isoformat()}): {why}"
    _log(session, active, actor, active.status, active.status, note, now)
    return active


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
        allowed = plain_list(ALLOWED_TRANSITIONS[from_status]) if ALLOWED_TRANSITIONS[from_status] else None
        raise TransitionError(
            f"status: cannot go from '{from_status}' to '{to_status}' (allowed: {allowed or 'none, closed'})"
        )
    crew = assignee if assignee is not None else order.assignee
    if to_status == S.ASSIGNED and not crew:
        raise InvalidInputError("assignee: required to assign a work order")
    if crew and (assignee is not None or to_status == S.ASSIGNED):
        require_active_crew(session, crew, "assignee")  # never work that no crew's queue shows
    order.assignee = crew
    if to_status == S.OPEN:
        order.assignee = None
    pothole = session.get(Pothole, order.pothole_id)
    assert pothole is not None
    if to_status == S.REPAIRED:
        order.repaired_at = now
        follow_order(session, pothole, now, status=PotholeStatus.REPAIRED)
    elif to_status == S.VERIFIED:
        follow_order(session, pothole, now, verified=True)
    elif to_status == S.REJECTED:
        follow_order(session, pothole, now, status=PotholeStatus.REJECTED, negative=True)
    elif to_status == S.REOPENED:
        negative = False if from_status == S.REJECTED else None
        follow_order(session, pothole, now, status=PotholeStatus.CONFIRMED, negative=negative)
        order.repaired_at = None
    else:
        follow_order(session, pothole, now)
    order.status = to_status
    order.in_queue = to_status in QUEUE_STATUSES
    order.updated_at = now
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
