"""After a layer or the policy changes: re-enrich every pothole and re-score every open work order.

Runs on the worker that made the change (the database is shared, so once is enough). Only the `context`
column of a pothole and the score columns of an order are written (targeted UPDATEs), so a concurrent
ingest that moves a pothole is never overwritten. The SLA clock keeps the order's filing time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.db import begin_write
from api.layers.runtime import PRESERVED_CONTEXT_KEYS, LayersRuntime
from api.potholes.tables import Pothole, PotholeStatus
from api.workorders.tables import QUEUE_STATUSES, WorkOrder, WorkOrderEvent

__all__ = ["RescoreReport", "rescore_all"]

log = logging.getLogger(__name__)
BATCH = 500


@dataclass(frozen=True, slots=True)
class RescoreReport:
    potholes_enriched: int
    contexts_changed: int
    orders_rescored: int
    priorities_changed: int

    def as_json(self) -> dict[str, int]:
        return {
            "potholes_enriched": self.potholes_enriched,
            "contexts_changed": self.contexts_changed,
            "orders_rescored": self.orders_rescored,
            "priorities_changed": self.priorities_changed,
        }


def _kept_keys(context: dict[str, Any], pothole: Pothole) -> dict[str, Any]:
    old = pothole.context or {}
    context.update({k: old[k] for k in PRESERVED_CONTEXT_KEYS if k in old})
    return context


def _rescored(
    runtime: LayersRuntime,
    order: WorkOrder,
    pothole: Pothole,
    context: dict[str, Any],
    now: datetime,
    actor: str,
) -> tuple[dict[str, Any] | None, WorkOrderEvent | None]:
    """The order's new score columns (None when unchanged) and an audit event when its priority moved."""
    result = runtime.score(pothole, context, now, sla_start=order.created_at)
    terms = [{"points": float(t["points"]), "reason": t["reason"]} for t in result.score_terms]
    values: dict[str, Any] = {
        "priority": result.priority,
        "category": result.category,
        "due_at": result.due_at,
        "score": result.score,
        "score_terms": terms,
    }
    if all(getattr(order, k) == v for k, v in values.items()):
        return None, None
    event = None
    if (result.priority, result.category) != (order.priority, order.category):
        note = (
            f"re-scored (policy {runtime.snapshot.policy_id}, layers revision {runtime.layers.revision}): "
            f"P{order.priority} {order.category} -> P{result.priority} {result.category}, "
            f"score {order.score:g} -> {result.score:g}"
        )
        event = WorkOrderEvent(
            work_order_id=order.id or 0,
            at=now,
            actor=actor,
            from_status=order.status,
            to_status=order.status,
            note=note,
        )
    return {"id": order.id, **values, "updated_at": now}, event


def rescore_all(
    engine: Engine, runtime: LayersRuntime, *, actor: str, now: datetime | None = None
) -> RescoreReport:
    """Re-enrich potholes (all but rejected) and re-score their open orders, in batches of BATCH."""
    now = now or datetime.now(UTC)
    enriched = changed_ctx = rescored = changed_prio = 0
    last_id = 0
    while True:
        with Session(engine, expire_on_commit=False) as session:
            begin_write(session)
            potholes = session.exec(
                select(Pothole)
                .where(col(Pothole.id) > last_id, col(Pothole.status) != PotholeStatus.REJECTED)
                .order_by(col(Pothole.id))
                .limit(BATCH)
            ).all()
            if not potholes:
                session.rollback()
                break
            last_id = int(potholes[-1].id or 0)
            ids = [p.id for p in potholes]
            orders = session.exec(
                select(WorkOrder).where(
                    col(WorkOrder.pothole_id).in_(ids),
                    col(WorkOrder.status).in_([s.value for s in QUEUE_STATUSES]),
                )
            ).all()
            order_of = {o.pothole_id: o for o in orders}
            contexts: list[dict[str, Any]] = []
            scores: list[dict[str, Any]] = []
            events: list[WorkOrderEvent] = []
            fresh = runtime.enrich_many([(p.lat, p.lon) for p in potholes])
            for pothole, new_context in zip(potholes, fresh, strict=True):
                context = _kept_keys(new_context, pothole)
                enriched += 1
                if context != (pothole.context or {}):
                    contexts.append({"id": pothole.id, "context": context})
                order = order_of.get(pothole.id or 0)
                if order is not None:
                    rescored += 1
                    values, event = _rescored(runtime, order, pothole, context, now, actor)
                    if values is not None:
                        scores.append(values)
                    if event is not None:
                        events.append(event)
            # bulk UPDATE by primary key (one executemany per table): only these columns are written
            if contexts:
                session.execute(update(Pothole), contexts)
            if scores:
                session.execute(update(WorkOrder), scores)
            session.add_all(events)
            changed_ctx += len(contexts)
            changed_prio += len(events)
            session.commit()
    report = RescoreReport(enriched, changed_ctx, rescored, changed_prio)
    log.info("re-enriched and re-scored", extra=report.as_json())
    return report
