"""Plain helpers of the key tests: the bootstrap admin key, emptying the PostgreSQL database, making keys
(a crew key's crew is put on the roster first: a crew key belongs to an active roster crew)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from api.auth.roster import create_crew, get_crew
from api.auth.service import create_key
from api.services import services_of

ADMIN_KEY = "keys-admin-key-0123456789"


def empty_pg(url: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename <> 'alembic_version'"
            )
        ).scalars()
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in list(tables):
            conn.execute(text(f'DELETE FROM "{table}"'))
    engine.dispose()


def key_for(client: TestClient, role: str, name: str, **kwargs: Any) -> str:
    with Session(services_of(client.app).engine) as session:
        if role == "crew" and get_crew(session, name) is None:
            create_crew(session, crew_id=name)
        return create_key(session, role=role, name=name, **kwargs)
