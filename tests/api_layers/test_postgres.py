"""The same layer paths on the real PostgreSQL: JSONB district filters, advisory-locked writes, live reload.

One private database per run (created, migrated with alembic, dropped); skips only where no server runs
and CI is unset.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.config import Settings
from api.main import create_app
from api.migrate import upgrade_head

from .conftest import ADMIN, ADMIN_KEY, ingest

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    admin_url = os.environ.get(
        "POTHOLE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL unreachable at {admin_url}: {exc.__class__.__name__}")
    name = f"pw_layers_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade_head(url)  # includes the layers revision 0100_layers
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pg_settings(url: str, layers_dir: Path | None) -> Settings:
    return Settings(
        database_url=url,
        migrate_on_start="off",
        layers_dir=layers_dir,
        bootstrap_admin_key=ADMIN_KEY,
        load_model=False,
        require_model=False,
        log_json=False,
        log_level="WARNING",
    )


def test_layers_enrichment_exports_open311_and_reload_on_postgres(
    pg_url: str, hwaseong_dir: Path, dongtan1_grid: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POTHOLE_LAYERS_REFRESH_S", "0")
    with (
        TestClient(create_app(pg_settings(pg_url, hwaseong_dir))) as one,
        TestClient(create_app(pg_settings(pg_url, None))) as two,
    ):
        assert len(two.get("/v1/layers", headers=ADMIN).json()) == 6
        pothole = ingest(one, 37.2000, 127.0700)
        assert pothole["context"]["district"]["code"] == "31240610"
        doc = two.get("/v1/exports/potholes.geojson", headers=ADMIN, params={"district": "동탄1동"}).json()
        assert [f["id"] for f in doc["features"]] == [pothole["id"]]
        assert (
            two.get("/v1/exports/potholes.geojson", headers=ADMIN, params={"district": "31240530"}).json()[
                "features"
            ]
            == []
        )

        assert (
            one.put(
                "/v1/layers/roads_synthetic", headers=ADMIN, content=json.dumps(dongtan1_grid)
            ).status_code
            == 200
        )
        assert "roads_synthetic" in {x["name"] for x in two.get("/v1/layers", headers=ADMIN).json()}
        after = two.get(f"/v1/potholes/{pothole['id']}", headers=ADMIN).json()
        assert after["context"]["road"]["layer"] == "roads_synthetic"

        joined = two.post(
            "/open311/v2/requests.json",
            data={
                "api_key": ADMIN_KEY,
                "service_code": "POTHOLE",
                "lat": pothole["lat"],
                "long": pothole["lon"],
            },
        )
        assert joined.json()[0]["service_request_id"] == str(pothole["id"])
        page = one.get("/ogc/collections/potholes/items").json()
        assert page["numberMatched"] == 1 and page["features"][0]["properties"]["citizen_reports"] == 1
        assert two.get("/v1/stats", headers=ADMIN).json()["potholes"] == 1
