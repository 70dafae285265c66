"""Two API server processes ingesting the same pothole at the same moment still make ONE record.

Starts two real uvicorn processes on loopback against one database (PostgreSQL: advisory locks per grid
cell; SQLite: BEGIN IMMEDIATE) and fires concurrent sightings of the same potholes at both.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from backend_factories import ADMIN_KEY, SITE, T0, make_item, truncate_pg

from api.migrate import upgrade_head
from common.geodesy import offset_latlon
from sim.harness import ApiServer

pytestmark = pytest.mark.slow


def start_servers(database_url: str, count: int, log_dir: Path) -> Iterator[list[str]]:
    """`count` API processes on one database, booted side by side (sim.harness.ApiServer)."""
    servers = [
        ApiServer(
            database_url,
            admin_key=ADMIN_KEY,
            migrate="off",
            extra_env={"OMP_NUM_THREADS": "1"},
            log_path=log_dir / f"server-{n}.log",
        )
        for n in range(count)
    ]
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_until_ready(timeout_s=60)
        yield [server.url for server in servers]
    finally:
        for server in servers:
            server.stop()


@pytest.fixture(scope="module", params=["postgres", "sqlite"])
def servers(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Started once per backend (a start costs seconds); the tests use distinct sites."""
    tmp_path = tmp_path_factory.mktemp("servers")
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        truncate_pg(url)
    else:
        url = f"sqlite:///{tmp_path / 'shared.db'}"
        upgrade_head(url)
    yield from start_servers(url, 2, tmp_path)


def _fire(urls: list[str], bodies: list[dict]) -> list[dict]:
    """All requests released at once by a barrier, alternating between the servers."""
    barrier = threading.Barrier(len(bodies))
    results: list[dict] = [{} for _ in bodies]

    def worker(i: int) -> None:
        with httpx.Client(base_url=urls[i % len(urls)], headers={"X-API-Key": ADMIN_KEY}, timeout=60) as http:
            barrier.wait()
            response = http.post("/v1/sightings", json=bodies[i])
            assert response.status_code == 200, response.text
            results[i] = response.json()["results"][0]

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_servers_make_one_pothole_and_one_order(servers: list[str]) -> None:
    sites = [offset_latlon(SITE, 200.0 * k, 0.0, 0.0) for k in range(3)]
    for round_no, site in enumerate(sites):
        bodies = [
            {
                "vehicle_id": f"bus-{i}",
                "items": [
                    make_item(
                        site,
                        pass_id=f"pass-{round_no}-{i}",
                        lateral_error_m=(i % 3 - 1) * 1.0,
                        captured_at=T0 + timedelta(seconds=i),
                    )
                ],
            }
            for i in range(8)
        ]
        results = _fire(servers, bodies)
        assert {r["status"] for r in results} == {"created"}
        assert len({r["pothole_id"] for r in results}) == 1, results
    with httpx.Client(base_url=servers[0], headers={"X-API-Key": ADMIN_KEY}) as http:
        bbox = f"{SITE.lon - 0.01},{SITE.lat - 0.0001},{SITE.lon + 0.01},{SITE.lat + 0.01}"
        features = http.get("/v1/potholes", params={"bbox": bbox}).json()["features"]
        assert len(features) == 3
        for feature in features:
            props = feature["properties"]
            assert props["sightings"] == 8 and props["passes"] == 8 and props["status"] == "confirmed"
            assert props["work_order"] is not None
        assert http.get("/v1/queue", params={"bbox": bbox}).json()["count"] == 3  # one order per pothole


def test_the_same_retry_at_both_servers_is_applied_once(servers: list[str]) -> None:
    item = make_item(offset_latlon(SITE, -500.0, 0.0, 0.0))
    results = _fire(servers, [{"vehicle_id": "bus-1", "items": [item]} for _ in range(6)])
    assert sorted(r["status"] for r in results).count("created") == 1
    assert len({(r["sighting_id"], r["pothole_id"]) for r in results}) == 1
    with httpx.Client(base_url=servers[1], headers={"X-API-Key": ADMIN_KEY}) as http:
        assert http.get(f"/v1/potholes/{results[0]['pothole_id']}").json()["sightings"] == 1
