"""The work orders' one due-time rule, pinned on the service: due = min(promised, created_at + SLA)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from backend_factories import stored_pothole
from sqlmodel import Session, SQLModel, col, select

import api.tables  # noqa: F401  (every table on the metadata)
from api.db import make_engine
from api.policy.score import PotholeRecord, Prioritised
from api.potholes.tables import Pothole
from api.workorders.service import file_order, history, rescore, rescore_many
from api.workorders.tables import WorkOrder, WorkOrderEvent

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
SLA = {"cat1": timedelta(hours=24), "cat2": timedelta(days=5), "cat3": timedelta(days=28)}
RANK = {"cat1": 1, "cat2": 3, "cat3": 4}


class FixedPolicy:
    """A prioritiser whose category the test sets; the due time counts SLA[category] from sla_start."""

    def __init__(self, category: str, score: float = 50.0) -> None:
        self.category, self.score = category, score

    def __call__(
        self,
        pothole: PotholeRecord,
        context: Mapping[str, Any] | None,
        now: datetime,
        *,
        sla_start: datetime | None = None,
    ) -> Prioritised:
        terms = [{"points": self.score, "reason": f"set by the test at {now.isoformat()}"}]
        due_at = (sla_start or now) + SLA[self.category]
        return Prioritised(RANK[self.category], self.category, due_at, self.score, terms)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'orders.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def make_pothole(session: Session) -> Pothole:
    return stored_pothole(session, T0)


def _one(session: Session, order: WorkOrder, pothole: Pothole, policy: FixedPolicy, now: datetime) -> None:
    rescore(session, order, pothole, prioritiser=policy, now=now, actor="system:test", why="test")


def _many(session: Session, order: WorkOrder, pothole: Pothole, policy: FixedPolicy, now: datetime) -> None:
    rescore_many(
        session, [(order, pothole, {})], prioritiser=policy, now=now, actor="system:test", why="test"
    )
    session.refresh(order)


Rescore = Callable[[Session, WorkOrder, Pothole, FixedPolicy, datetime], None]
ENTRY_POINTS = pytest.mark.parametrize("rescore_with", [_one, _many], ids=["rescore", "rescore_many"])


def filed(session: Session, category: str) -> tuple[WorkOrder, Pothole]:
    pothole = make_pothole(session)
    order = file_order(session, pothole, context={}, prioritiser=FixedPolicy(category), now=T0, actor="test")
    session.commit()
    assert order.due_at == T0 + SLA[category]
    return order, pothole


def notes(session: Session, order: WorkOrder) -> list[str]:
    assert order.id is not None
    return [e.note or "" for e in history(session, order.id)]


@ENTRY_POINTS
def test_a_more_urgent_category_counts_its_sla_from_filing(session: Session, rescore_with: Rescore) -> None:
    order, pothole = filed(session, "cat2")
    rescore_with(session, order, pothole, FixedPolicy("cat1"), T0 + timedelta(days=1))
    session.commit()
    assert (order.category, order.priority) == ("cat1", 1)
    assert order.due_at == T0 + SLA["cat1"]  # from filing, not from the re-score (which would give T0 + 2 d)
    assert notes(session, order)[-1].startswith("re-scored (test): P3 cat2 -> P1 cat1")
    assert (
        f"due {(T0 + SLA['cat2']).isoformat()} -> {(T0 + SLA['cat1']).isoformat()}"
        in notes(session, order)[-1]
    )


@ENTRY_POINTS
def test_a_less_urgent_category_never_moves_the_due_time_later(
    session: Session, rescore_with: Rescore
) -> None:
    order, pothole = filed(session, "cat1")
    rescore_with(session, order, pothole, FixedPolicy("cat3"), T0 + timedelta(hours=1))
    session.commit()
    assert (order.category, order.priority) == ("cat3", 4)
    assert order.due_at == T0 + SLA["cat1"]  # the promise stands (created_at + 28 d would be later)
    assert notes(session, order)[-1] == "re-scored (test): P1 cat1 -> P4 cat3, score 50 -> 50"


@ENTRY_POINTS
def test_a_new_explanation_alone_is_refreshed_without_an_event(
    session: Session, rescore_with: Rescore
) -> None:
    order, pothole = filed(session, "cat2")
    before = len(notes(session, order))
    rescore_with(session, order, pothole, FixedPolicy("cat2", score=55.0), T0 + timedelta(hours=2))
    session.commit()
    assert order.score == 55.0 and order.due_at == T0 + SLA["cat2"]
    assert len(notes(session, order)) == before == 1  # only "filed"


def test_every_change_to_an_order_is_in_its_history(session: Session) -> None:
    order, pothole = filed(session, "cat2")
    for hours, category in ((1, "cat1"), (2, "cat1"), (3, "cat3")):
        _one(session, order, pothole, FixedPolicy(category), T0 + timedelta(hours=hours))
    session.commit()
    events = session.exec(select(WorkOrderEvent).order_by(col(WorkOrderEvent.id))).all()
    assert [e.note.split(":")[0] for e in events if e.note] == [
        "filed",
        "re-scored (test)",
        "re-scored (test)",
    ]
