"""Alembic: one linear chain, and the migrated schema is exactly what api/tables.py maps."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import api.tables
from api.migrate import alembic_config, upgrade_head

MAPPED = {
    "api_key",
    "city_layer",
    "crew",
    "frame",
    "patrol_pass",
    "pothole",
    "priority_policy",
    "rate_bucket",
    "service_request",
    "sighting",
    "vehicle_camera",
    "vehicle_fix",
    "work_order",
    "work_order_event",
}


def test_api_tables_names_every_table() -> None:
    """Alembic and create_all read SQLModel.metadata through api.tables: a table missing there is missing
    from migrations."""
    mapped = {model.__tablename__ for model in (getattr(api.tables, name) for name in api.tables.__all__)}
    assert mapped == MAPPED
    assert set(SQLModel.metadata.tables) == MAPPED


def test_one_head_and_no_drift_between_migrations_and_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    heads = ScriptDirectory.from_config(alembic_config(url)).get_heads()
    assert len(heads) == 1, f"alembic has several heads {heads}: rebase the newest revision on the other"
    upgrade_head(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert diff == []
