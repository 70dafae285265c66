"""Decompression bombs against the real server process (uvicorn, SQLite): refused from their header,
the server's memory barely moves, and /healthz keeps answering at once while they arrive."""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from security_factories import ADMIN_KEY, BOMBS, CREW_KEY, add_keys, b64, batch, item
from sqlalchemy import create_engine

from sim.harness import ApiServer

RSS_GROWTH_LIMIT_B = 50 * 1024 * 1024
HEALTHZ_LIMIT_S = 0.100


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    directory: Path = tmp_path_factory.mktemp("bombs")
    with ApiServer(
        f"sqlite:///{directory / 'api.db'}", admin_key=ADMIN_KEY, inherit_pothole_env=False
    ) as api:
        engine = create_engine(api.database_url)
        add_keys(engine)
        engine.dispose()
        yield api


def _send_bombs(client: httpx.Client) -> list[int]:
    statuses = []
    meta = {
        "client_id": "f-1",
        "vehicle_id": "bus-17",
        "captured_at": item()["captured_at"],
        "gps": item()["gps"],
    }
    for make in BOMBS.values():
        bomb = make()
        files = {"image": ("f.jpg", bomb, "image/jpeg")}
        statuses.append(
            client.post("/v1/frames", files=files, data={"metadata": json.dumps(meta)}).status_code
        )
        statuses.append(client.post("/v1/sightings", json=batch(item(crop_jpeg_b64=b64(bomb)))).status_code)
        patch = {"status": "repaired", "photo_jpeg_b64": b64(bomb)}
        statuses.append(
            client.patch("/v1/work-orders/1", json=patch, headers={"X-API-Key": CREW_KEY}).status_code
        )
    return statuses


def test_bombs_are_refused_without_growing_the_server(server: ApiServer) -> None:
    process = psutil.Process(server.process.pid)  # type: ignore[union-attr]
    with server.client(ADMIN_KEY) as client:
        _send_bombs(client)  # warm every route once: imports and first-request allocations
        before = process.memory_info().rss
        for _ in range(3):
            statuses = _send_bombs(client)
            assert all(s in (413, 415, 422) for s in statuses), statuses
        grown = process.memory_info().rss - before
    assert grown < RSS_GROWTH_LIMIT_B, f"server RSS grew {grown / 1e6:.1f} MB while refusing bombs"


def test_healthz_answers_at_once_while_bombs_arrive(server: ApiServer) -> None:
    stop = threading.Event()

    def bomb_loop() -> None:
        with server.client(ADMIN_KEY) as client:
            while not stop.is_set():
                _send_bombs(client)

    thread = threading.Thread(target=bomb_loop, daemon=True)
    thread.start()
    took: list[float] = []
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            time.sleep(0.2)
            for _ in range(20):
                start = time.perf_counter()
                assert client.get("/healthz").status_code == 200
                took.append(time.perf_counter() - start)
                time.sleep(0.02)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert statistics.median(took) < HEALTHZ_LIMIT_S, f"/healthz took {sorted(took)} s"
