"""The security suite's app: SQLite, no model, an admin key on the client and a vehicle and a crew key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from security_factories import ADMIN_KEY, add_keys

from api.config import Settings
from api.main import create_app
from api.services import services_of


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'test.db'}",
        migrate_on_start="create_all",
        load_model=False,
        bootstrap_admin_key=ADMIN_KEY,
        layers_dir=None,
        log_level="WARNING",
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A 5xx comes back as a response (not raised), so a test sees what a client would."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        add_keys(services_of(test_client.app).engine)
        test_client.headers["X-API-Key"] = ADMIN_KEY
        yield test_client
