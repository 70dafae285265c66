"""After a layer or the policy changes: re-enrich every pothole and re-score every open work order.

Runs on the worker that made the change (the database is shared, so once is enough). The writes go
through their owners: `set_contexts` writes only a pothole's `context`, so a concurrent ingest that moves
it is never overwritten, and `rescore_many` applies the work orders' one due-time rule and audit events.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.db import begin_write
from api.layers.runtime import LayersRuntime
from api.potholes.repository import set_contexts
from api.potholes.tables import Pothole, PotholeStatus
from api.workorders.service import queued_orders, rescore_many
from api.workorders.tables import WorkOrder

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
            order_of = queued_orders(session, [int(p.id or 0) for p in potholes])
            contexts: list[dict[str, Any]] = []
            to_score: list[tuple[WorkOrder, Pothole, dict[str, Any]]] = []
            fresh = runtime.enrich_many([(p.lat, p.lon) for p in potholes])
            for pothole, context in zip(potholes, fresh, strict=True):
                enriched += 1
                if context != (pothole.context or {}):
                    contexts.append({"id": pothole.id, "context": context})
                order = order_of.get(pothole.id or 0)
                if order is not None:
                    to_score.append((order, pothole, context))
            set_contexts(session, contexts)
            changed_prio += rescore_many(
                session,
                to_score,
                prioritiser=runtime.score,
                now=now,
                actor=actor,
                why=f"policy {runtime.snapshot.policy_id}, layers revision {runtime.layers.revision}",
            )
            rescored += len(to_score)
            changed_ctx += len(contexts)
            session.commit()
    report = RescoreReport(enriched, changed_ctx, rescored, changed_prio)
    log.info("re-enriched and re-scored", extra=report.as_json())
    return report
