"""Two API processes on one PostgreSQL database: a key revoked through one is refused by the other at its
next request, and a key's rate bucket is one bucket across both."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from key_support import ADMIN_KEY
from sqlmodel import Session

from api.auth.ratelimit import PostgresBuckets
from api.auth.service import issue_key
from api.config import RateLimit
from api.db import make_engine
from sim.harness import ApiServer

pytestmark = pytest.mark.postgres


@pytest.fixture
def workers_db(private_postgres_database: Callable[[str], AbstractContextManager[str]]) -> Iterator[str]:
    with private_postgres_database("pw_key_workers") as url:
        yield url


@pytest.fixture
def two_workers(workers_db: str, tmp_path: Path) -> Iterator[tuple[ApiServer, ApiServer]]:
    limits = json.dumps({"crew": {"per_s": 0.01, "burst": 4}})
    servers = [
        ApiServer(
            workers_db,
            admin_key=ADMIN_KEY,
            migrate="off",
            extra_env={"POTHOLE_RATE_LIMITS": limits},
            log_path=tmp_path / f"api-{i}.log",
            inherit_pothole_env=False,
        )
        for i in (1, 2)
    ]
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_until_ready(120)
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()


def test_a_key_revoked_through_one_worker_is_refused_by_the_other(
    two_workers: tuple[ApiServer, ApiServer],
) -> None:
    one, other = two_workers
    with one.client() as admin_one:
        issued = admin_one.post("/v1/admin/keys", json={"role": "manager", "name": "ops-1"}).json()
    key, key_id = issued["key"], issued["info"]["id"]
    with other.client(key) as as_manager:
        assert as_manager.get("/v1/queue").status_code == 200  # the other worker knows it
        with one.client() as admin_one:
            assert admin_one.post(f"/v1/admin/keys/{key_id}/revoke").status_code == 200
        refused = as_manager.get("/v1/queue")
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    with one.client(key) as on_one:
        assert on_one.get("/v1/queue").status_code == 401


def test_a_keys_bucket_is_shared_by_both_workers(two_workers: tuple[ApiServer, ApiServer]) -> None:
    one, other = two_workers
    with one.client() as admin_one:
        assert admin_one.post("/v1/crews", json={"crew_id": "crew-1"}).status_code == 201
        key = admin_one.post("/v1/admin/keys", json={"role": "crew", "name": "crew-1"}).json()["key"]
    with one.client(key) as on_one, other.client(key) as on_other:
        statuses = [c.get("/v1/queue").status_code for c in (on_one, on_other, on_one, on_other)]
        assert statuses == [200] * 4  # the burst of 4, spent half on each worker
        for client in (on_one, on_other):  # in-process buckets would still have 2 tokens on each
            refused = client.get("/v1/queue")
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1


def test_concurrent_takes_grant_exactly_the_burst(workers_db: str) -> None:
    engine = make_engine(workers_db)
    try:
        with Session(engine) as session:
            key_id = issue_key(session, role="vehicle", name="bus-1").info.id
        buckets = PostgresBuckets(engine)
        limit = RateLimit(per_s=0.001, burst=5)
        with ThreadPoolExecutor(8) as pool:
            waits = list(pool.map(lambda _: buckets.take(key_id, "requests", limit), range(24)))
        assert sum(w is None for w in waits) == 5
        assert all(w is None or w > 0 for w in waits)
    finally:
        engine.dispose()
