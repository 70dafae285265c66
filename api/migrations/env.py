"""Alembic environment: the URL comes from api.config.Settings (POTHOLE_DATABASE_URL) unless the
caller (api.migrate) passes one; the target metadata is every table in api.tables."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlmodel import SQLModel

import api.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from api.config import Settings
from api.db import make_engine

MIGRATION_LOCK_KEY = 7_461_001  # PostgreSQL advisory lock: two workers never migrate at once


def run_migrations_online() -> None:
    url = context.config.attributes.get("url") or Settings().database_url
    engine = make_engine(url, pool_size=1)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            connection.commit()
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
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported: run `pothole db upgrade`")
run_migrations_online()
