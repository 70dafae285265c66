"""A citizen report (Open311 POST) joins the nearest open pothole within a radius, or starts a candidate.

A phone's position is poor (7-13 m in cities), so a citizen report never moves a pothole, and a candidate
it starts carries almost no weight: the first patrol sighting sets its position and size. The report is
evidence like a sighting: the potholes repository stores it and counts it on its pothole, and the work
order service re-scores the pothole's waiting order (the policy may weigh citizen reports).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.config import Settings
from api.db import begin_write
from api.geo.grid import cell_of, cells_covering
from api.ingest.placement import Hooks, hooks_of
from api.potholes.repository import add_citizen_report, insert_reported_pothole, nearest_open
from api.potholes.schemas import CitizenReport
from api.services import Services
from api.workorders.service import queued_orders, rescore
from common.geodesy import LatLon

__all__ = ["Filed", "JoinRule", "file_citizen_report", "file_report"]


@dataclass(frozen=True, slots=True)
class JoinRule:
    """How a report finds its pothole: the join radius, the uncertainty of a phone's fix, the grid cell."""

    join_radius_m: float
    report_uncertainty_m: float
    grid_cell_m: float

    @classmethod
    def from_settings(cls, settings: Settings) -> JoinRule:
        return cls(
            settings.open311_join_radius_m, settings.open311_report_uncertainty_m, settings.grid_cell_m
        )


@dataclass(frozen=True, slots=True)
class Filed:
    pothole_id: int
    joined: bool
    citizen_reports: int
    patrol_sightings: int


def file_report(engine: Engine, report: CitizenReport, rule: JoinRule, hooks: Hooks, now: datetime) -> Filed:
    """One transaction: lock the neighbourhood, join or create, record the report, re-score the order."""
    point = LatLon(report.lat, report.lon)
    radius_m, cell_m = rule.join_radius_m, rule.grid_cell_m
    with Session(engine, expire_on_commit=False) as session:
        begin_write(session, [c.lock_key() for c in cells_covering(point, radius_m, cell_m)])
        pothole = nearest_open(session, point, radius_m, cell_m)
        joined = pothole is not None
        if pothole is None:
            pothole = insert_reported_pothole(
                session,
                point,
                cell_of(point, cell_m),
                uncertainty_m=rule.report_uncertainty_m,
                context=hooks.enricher(report.lat, report.lon),
                now=now,
            )
        row = add_citizen_report(session, pothole, report, joined=joined, now=now)
        assert pothole.id is not None
        order = queued_orders(session, [pothole.id]).get(pothole.id)
        if order is not None:
            rescore(
                session,
                order,
                pothole,
                prioritiser=hooks.prioritiser,
                now=now,
                actor=f"citizen:{report.submitted_by}",
                why=f"citizen report {row.id}",
            )
        session.commit()
        return Filed(pothole.id, joined, pothole.citizen_report_count, pothole.sighting_count)


def file_citizen_report(services: Services, report: CitizenReport, now: datetime) -> Filed:
    """`file_report` with the running service's join rule, layers and policy."""
    rule = JoinRule.from_settings(services.settings)
    return file_report(services.engine, report, rule, hooks_of(services), now)
