"""Citizen reports as evidence: joined or started through the potholes repository, counted in a column,
and re-scoring the pothole's waiting order through the work order service (with an audit event)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from backend_factories import stored_pothole
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

import api.tables  # noqa: F401  (every table on the metadata)
from api.db import make_engine
from api.geo import cell_of
from api.ingest.citizen import JoinRule, file_report
from api.ingest.placement import Hooks
from api.policy.score import PotholeRecord, Prioritised, facts_of
from api.potholes.schemas import CitizenReport
from api.potholes.tables import Pothole, PotholeStatus, ServiceRequest
from api.workorders.service import file_order, history
from common.geodesy import LatLon

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
RULE = JoinRule(join_radius_m=15.0, report_uncertainty_m=10.0, grid_cell_m=25.0)


def citizens_count(
    pothole: PotholeRecord,
    context: Mapping[str, Any] | None,
    now: datetime,
    *,
    sla_start: datetime | None = None,
) -> Prioritised:
    """cat1 (24 h) once a citizen has reported it, else cat2 (5 days)."""
    reports = facts_of(pothole).citizen_reports
    urgent = reports >= 1
    category, hours = ("cat1", 24) if urgent else ("cat2", 120)
    terms = [{"points": 10.0 * reports, "reason": f"{reports} citizen(s)"}]
    return Prioritised(2 if urgent else 3, category, (sla_start or now) + timedelta(hours=hours), 40.0, terms)


HOOKS = Hooks(enricher=lambda lat, lon: {"district": {"name": "동탄1동"}}, prioritiser=citizens_count)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'citizens.db'}")
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_reports_join_one_candidate_and_are_counted_in_a_column(engine: Engine) -> None:
    report = CitizenReport(lat=37.2, lon=127.07, submitted_by="app", description="deep")
    first = file_report(engine, report, RULE, HOOKS, T0)
    again = file_report(engine, CitizenReport(lat=37.20003, lon=127.07, submitted_by="app"), RULE, HOOKS, T0)
    assert (first.joined, again.joined) == (False, True)
    assert again.pothole_id == first.pothole_id and again.citizen_reports == 2
    with Session(engine) as session:
        pothole = session.get(Pothole, first.pothole_id)
        assert pothole is not None and pothole.status == PotholeStatus.CANDIDATE
        assert pothole.citizen_report_count == 2
        assert pothole.context == {"district": {"name": "동탄1동"}}  # the layers' context only
        rows = session.exec(select(ServiceRequest)).all()
        assert [(r.pothole_id, r.joined_existing) for r in rows] == [
            (first.pothole_id, False),
            (first.pothole_id, True),
        ]


def test_a_report_rescores_the_waiting_order_with_an_event(engine: Engine) -> None:
    cell = cell_of(LatLon(37.2, 127.07), RULE.grid_cell_m)
    with Session(engine, expire_on_commit=False) as session:
        pothole = stored_pothole(session, T0, (cell.y, cell.x))
        order = file_order(session, pothole, context={}, prioritiser=citizens_count, now=T0, actor="test")
        session.commit()
        assert order.category == "cat2"
        report = CitizenReport(lat=37.20003, lon=127.07, submitted_by="app")
        filed = file_report(engine, report, RULE, HOOKS, T0 + timedelta(hours=3))
        assert filed.joined and filed.pothole_id == pothole.id
        session.refresh(order)
        assert (order.category, order.due_at) == ("cat1", T0 + timedelta(hours=24))
        assert order.id is not None
        last = history(session, order.id)[-1]
        assert last.actor == "citizen:app" and last.note is not None
        assert last.note.startswith("re-scored (citizen report 1): P3 cat2 -> P2 cat1")
