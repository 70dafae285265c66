"""Migration 0106 on a database with data: the roster starts with every crew that holds a key or an order,
so no key and no assignment stops working."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, create_engine, insert, select
from sqlalchemy.pool import NullPool
from test_idempotency_per_vehicle import POTHOLE, T0

from api.migrate import alembic_config, upgrade_head

BEFORE = "0105_idempotency_per_vehicle"


def check_roster_is_seeded(url: str) -> None:
    command.downgrade(alembic_config(url), BEFORE)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        meta = MetaData()
        api_key, pothole, order = (
            Table(n, meta, autoload_with=conn) for n in ("api_key", "pothole", "work_order")
        )
        for name, role in (("crew-1", "crew"), ("bus-17", "vehicle"), ("crew-2", "crew")):
            conn.execute(
                insert(api_key).values(name=name, role=role, key_hash=name * 2, created_at=T0, revoked=False)
            )
        pothole_id = conn.execute(insert(pothole).values(POTHOLE).returning(pothole.c.id)).scalar_one()
        for assignee in ("crew-2", "crew-typo", None):
            conn.execute(
                insert(order).values(
                    pothole_id=pothole_id,
                    status="verified",
                    in_queue=False,
                    priority=3,
                    category="cat2",
                    due_at=T0,
                    score=1.0,
                    score_terms=[],
                    assignee=assignee,
                    created_at=T0,
                    updated_at=T0,
                )
            )
    upgrade_head(url)
    with engine.begin() as conn:
        crew = Table("crew", MetaData(), autoload_with=conn)
        rows = conn.execute(
            select(crew.c.crew_id, crew.c.active, crew.c.sees_all_orders, crew.c.created_at)
        ).all()
    assert sorted(r[:3] for r in rows) == [
        ("crew-1", True, False),
        ("crew-2", True, False),
        ("crew-typo", True, False),
    ]
    assert all(r[3] is not None for r in rows)
    engine.dispose()


def test_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    upgrade_head(url)
    check_roster_is_seeded(url)


@pytest.mark.postgres
def test_postgres(private_postgres_database: Callable[[str], AbstractContextManager[str]]) -> None:
    with private_postgres_database("pw_migration") as url:
        check_roster_is_seeded(url)
