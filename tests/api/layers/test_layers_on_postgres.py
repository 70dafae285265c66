"""The same layer paths on the real PostgreSQL: JSONB district filters, advisory-locked writes, live reload.

One private database per run (created, migrated with alembic, dropped); skips only where no server runs
and CI is unset.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from layer_factories import ADMIN, ADMIN_KEY, ingest, make_settings

from api.config import Settings
from api.main import create_app

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_url(private_postgres_database: Callable[[str], AbstractContextManager[str]]) -> Iterator[str]:
    with private_postgres_database("pw_layers") as url:  # migrated, incl. the layers revision 0100_layers
        yield url


def pg_settings(url: str, layers_dir: Path | None) -> Settings:
    settings: Settings = make_settings(Path("unused.db"), layers_dir)
    return settings.model_copy(update={"database_url": url, "migrate_on_start": "off"})


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
