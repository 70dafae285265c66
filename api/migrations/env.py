"""Alembic environment: the URL comes from api.config.Settings (POTHOLE_DATABASE_URL) unless the
caller (api.migrate) passes one; the target metadata is every table in api.tables."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text
from sqlmodel import SQLModel

import api.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from api.config import Settings
from api.db import make_engine

MIGRATION_LOCK_KEY = 7_461_001  # PostgreSQL advisory lock: two workers never migrate at once


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """SQLite changes a constraint by rebuilding the table (copy, drop, rename), and dropping a table that
    others refer to fails while foreign keys are enforced; so, as SQLite documents for such changes, they
    are off during the migration (the pragma is ignored inside a transaction: set on the driver's
    connection, outside one) and every reference is checked before they are on again."""
    driver = connection.connection.driver_connection
    assert driver is not None
    if on:
        broken = driver.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration left rows that refer to missing rows: {broken[:5]}")
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def run_migrations_online() -> None:
    url = context.config.attributes.get("url") or Settings().database_url
    engine = make_engine(url, pool_size=1)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            connection.commit()
        else:
            _sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=SQLModel.metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
                connection.commit()
            else:
                _sqlite_foreign_keys(connection, on=True)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported: run `pothole db upgrade`")
run_migrations_online()
