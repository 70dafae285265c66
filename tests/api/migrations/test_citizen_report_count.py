"""Migration 0103 on a database with data: the citizen count leaves the layers' context for its own column
(and comes back on a downgrade), and a `merged` order no longer counts as a pothole's active one."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, create_engine, insert, select
from sqlalchemy.pool import NullPool

from api.migrate import alembic_config, upgrade_head

BEFORE = "0102_event_photo"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC).replace(tzinfo=None)


def _pothole(context: dict[str, Any]) -> dict[str, Any]:
    return {
        "lat": 37.2,
        "lon": 127.07,
        "cell_y": 0,
        "cell_x": 0,
        "status": "confirmed",
        "uncertainty_m": 1.0,
        "min_uncertainty_m": 1.0,
        "weight_sum": 1.0,
        "width_m": 0.3,
        "length_m": 0.3,
        "sighting_count": 1,
        "pass_count": 1,
        "first_seen": T0,
        "last_seen": T0,
        "max_confidence": 0.9,
        "context": context,
        "created_at": T0,
        "updated_at": T0,
    }


def _order(pothole_id: int, status: str) -> dict[str, Any]:
    return {
        "pothole_id": pothole_id,
        "status": status,
        "in_queue": False,
        "priority": 3,
        "category": "cat2",
        "due_at": T0,
        "score": 40.0,
        "score_terms": [],
        "created_at": T0,
        "updated_at": T0,
    }


def check_upgrade_moves_the_count(url: str) -> None:
    command.downgrade(alembic_config(url), BEFORE)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        pothole = Table("pothole", MetaData(), autoload_with=conn)
        ids = [
            conn.execute(insert(pothole).values(_pothole(ctx)).returning(pothole.c.id)).scalar_one()
            for ctx in ({"citizen_reports": 2, "district": {"name": "동탄1동"}}, {"district": None})
        ]
    upgrade_head(url)
    with engine.begin() as conn:
        pothole = Table("pothole", MetaData(), autoload_with=conn)
        rows = conn.execute(
            select(pothole.c.citizen_report_count, pothole.c.context).order_by(pothole.c.id)
        ).all()
        assert [tuple(r) for r in rows] == [(2, {"district": {"name": "동탄1동"}}), (0, {"district": None})]
        order = Table("work_order", MetaData(), autoload_with=conn)
        conn.execute(insert(order).values([_order(ids[0], "open"), _order(ids[0], "merged")]))  # both allowed
    command.downgrade(alembic_config(url), BEFORE)
    with engine.begin() as conn:
        pothole = Table("pothole", MetaData(), autoload_with=conn)
        contexts = conn.execute(select(pothole.c.context).order_by(pothole.c.id)).scalars().all()
        assert contexts[0] == {"citizen_reports": 2, "district": {"name": "동탄1동"}}
    upgrade_head(url)
    engine.dispose()


def test_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    upgrade_head(url)
    check_upgrade_moves_the_count(url)


@pytest.mark.postgres
def test_postgres(private_postgres_database: Callable[[str], AbstractContextManager[str]]) -> None:
    with private_postgres_database("pw_migration") as url:
        check_upgrade_moves_the_count(url)
