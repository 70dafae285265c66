"""Backend fixtures: every HTTP test runs on a fresh SQLite file AND on the real PostgreSQL.

PostgreSQL isolation: one database per test session (`pw_backend_<random>`), migrated with alembic once,
dropped at the end; tables are truncated before each test. Parallel runs never share a database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from backend_factories import ADMIN_KEY, truncate_pg
from fastapi.testclient import TestClient

from api.config import Settings
from api.main import create_app


@pytest.fixture(scope="session")
def pg_url(private_postgres_database: Callable[[str], AbstractContextManager[str]]) -> Iterator[str]:
    """A private, migrated PostgreSQL database for this test session (skips only if unreachable)."""
    with private_postgres_database("pw_backend") as url:
        yield url


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
