"""Fixtures every test package shares: where ../shared is, and skipping cleanly without it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("POTHOLE_SHARED_DIR", PROJECT_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the project (CI always has it); tests that need it skip when it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"{SHARED_DIR} is absent: real data tests skipped")
    return SHARED_DIR


@contextmanager
def _private_postgres_database(prefix: str) -> Iterator[str]:
    """A fresh database `<prefix>_<random>` on the loopback server, migrated to head, dropped afterwards.

    Skips when the server is unreachable, unless CI is set (CI always has one). Parallel runs never share
    a database.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from api.migrate import upgrade_head

    admin_url = os.environ.get(
        "POTHOLE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # no server on this machine: PostgreSQL tests skip (CI always has one)
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL unreachable at {admin_url}: {exc.__class__.__name__}")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
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


@pytest.fixture(scope="session")
def private_postgres_database() -> Callable[[str], AbstractContextManager[str]]:
    """`with private_postgres_database("pw_x") as url:` a migrated database of its own (see above)."""
    return _private_postgres_database
