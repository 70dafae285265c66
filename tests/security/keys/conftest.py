"""Fixtures of the key, rate-limit and small-hardening tests: an app on SQLite and on PostgreSQL.

PostgreSQL: one private database per test session, emptied before each test (see tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from key_support import ADMIN_KEY, empty_pg

from api.config import Settings
from api.main import create_app


@pytest.fixture(scope="session")
def pg_url(private_postgres_database: Callable[[str], AbstractContextManager[str]]) -> Iterator[str]:
    with private_postgres_database("pw_keys") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    common: dict[str, Any] = {
        "load_model": False,
        "bootstrap_admin_key": ADMIN_KEY,
        "layers_dir": None,
        "log_level": "WARNING",
    }
    if request.param == "sqlite":
        sqlite_url = f"sqlite:///{tmp_path / 'k.db'}"
        return Settings(database_url=sqlite_url, migrate_on_start="create_all", **common)
    url = request.getfixturevalue("pg_url")
    empty_pg(url)
    return Settings(database_url=url, migrate_on_start="off", **common)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        test_client.headers["X-API-Key"] = ADMIN_KEY
        yield test_client
