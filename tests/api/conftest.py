"""Fixtures the api domains share.

`client`: every HTTP test runs on a fresh SQLite file AND on the real PostgreSQL. PostgreSQL isolation: one
database per test session (`pw_backend_<random>`), migrated with alembic once, dropped at the end; tables are
truncated before each test. Parallel runs never share a database.

The real Hwaseong layers (read from ../shared, never copied): parsed once per session, and a SQLite file
seeded with them once (`seeded_db`) that each test copies (`db_path`, `hwaseong_client`). The domains whose
tests need layers (layers, admin, publish) make `hwaseong_client` their `client` in their own conftest.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from backend_factories import ADMIN_KEY, truncate_pg
from fastapi.testclient import TestClient
from layer_factories import DISTRICTS, make_settings

from api.config import Settings
from api.layers.registry import LayerSet, build_layer, load_layer_dir
from api.layers.synthetic import synthetic_grid
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


@pytest.fixture(scope="session")
def hwaseong_dir(shared_dir: Path) -> Path:
    path = shared_dir / "layers" / "hwaseong"
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="session")
def hwaseong_layers(hwaseong_dir: Path) -> LayerSet:
    loaded = load_layer_dir(hwaseong_dir)
    return LayerSet().with_layers(
        [build_layer(name, parsed, version=1) for name, _, parsed in loaded], revision=1
    )


@pytest.fixture(scope="session")
def dongtan1_grid(hwaseong_layers: LayerSet) -> dict:
    districts = hwaseong_layers.get(DISTRICTS)
    assert districts is not None
    dong = next(f for f in districts.features if f.properties["name"] == "동탄1동")
    return synthetic_grid(dong.geometry_lonlat, district_name="동탄1동")


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory, hwaseong_dir: Path) -> Path:
    """Start the service once with POTHOLE_LAYERS_DIR so the layers are validated and stored once."""
    path = tmp_path_factory.mktemp("seed") / "seed.db"
    with TestClient(create_app(make_settings(path, hwaseong_dir))):
        pass
    return path


@pytest.fixture
def db_path(tmp_path: Path, seeded_db: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        source = seeded_db.with_name(seeded_db.name + suffix)
        if source.exists():
            shutil.copy(source, tmp_path / f"pw.db{suffix}")
    return tmp_path / "pw.db"


@pytest.fixture
def hwaseong_client(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The service on a private copy of the seeded database (the layer domains' `client`)."""
    monkeypatch.setenv("POTHOLE_LAYERS_REFRESH_S", "0")  # every request checks the revision: no waiting
    with TestClient(create_app(make_settings(db_path))) as test_client:
        yield test_client
