"""Backend fixtures: every HTTP test runs on a fresh SQLite file AND on the real PostgreSQL.

PostgreSQL isolation: one database per test session (`pw_backend_<random>`), migrated with alembic once,
dropped at the end; tables are truncated before each test. Parallel runs never share a database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from backend_factories import ADMIN_KEY, truncate_pg
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.config import Settings
from api.main import create_app
from api.migrate import upgrade_head

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_admin_url() -> str:
    return os.environ.get("POTHOLE_TEST_POSTGRES_URL", DEFAULT_PG)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A private, migrated PostgreSQL database for this test session (skips only if unreachable)."""
    admin_url = _pg_admin_url()
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # no server on this machine: PostgreSQL tests skip (CI always has one)
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL unreachable at {admin_url}: {exc.__class__.__name__}")
    name = f"pw_backend_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade_head(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        return Settings(
            database_url=f"sqlite:///{tmp_path / 'test.db'}",
            migrate_on_start="create_all",
            load_model=False,
            bootstrap_admin_key=ADMIN_KEY,
            layers_dir=None,
            log_level="WARNING",
        )
    url = request.getfixturevalue("pg_url")
    truncate_pg(url)
    return Settings(
        database_url=url,
        migrate_on_start="off",
        load_model=False,
        bootstrap_admin_key=ADMIN_KEY,
        layers_dir=None,
        log_level="WARNING",
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app) as test_client:
        test_client.headers["X-API-Key"] = ADMIN_KEY
        yield test_client
