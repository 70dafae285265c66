"""Ingest and query benchmark for the backend, over HTTP on loopback against a real uvicorn process.

1. sightings/s and p95 request latency (batches of BATCH sightings, CLIENTS concurrent clients, one worker)
   on SQLite and on PostgreSQL;
2. nearby-search cost at 1k, 10k and 100k potholes (grid-cell index: should stay flat);
3. queue p95 (GET /v1/queue, 100 items) at 100k open work orders.

Prints a side-by-side table and, as the last line, one JSON object. Usage: python bench/ingest.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.db import make_engine  # noqa: E402
from api.geo import cell_of  # noqa: E402
from api.migrate import upgrade_head  # noqa: E402
from api.potholes.repository import nearby_potholes  # noqa: E402
from api.potholes.tables import Pothole  # noqa: E402
from api.workorders.tables import WorkOrder  # noqa: E402
from common.geodesy import LatLon, offset_latlon  # noqa: E402
from sim.harness import ApiServer  # noqa: E402

KEY = "bench-admin-key-0123456789"
CITY = LatLon(37.2, 126.83)
BATCH = 25
CLIENTS = 4
RUNS = 3  # ingest runs per database: this machine is shared, single runs vary by +-30 %
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def server(database_url: str) -> Iterator[str]:
    """The API under uvicorn on a free loopback port (sim.harness.ApiServer), schema already migrated."""
    with ApiServer(database_url, admin_key=KEY, migrate="off") as api:
        yield api.url


def make_batches(n_batches: int, seed: int = 1) -> list[dict]:
    """Sightings spread over a 5 km square: most make new potholes, one in five repeats an earlier spot."""
    rng = random.Random(seed)
    t0 = datetime.now(UTC) - timedelta(days=1)
    spots: list[LatLon] = []
    batches = []
    for b in range(n_batches):
        items = []
        for i in range(BATCH):
            if spots and rng.random() < 0.2:
                spot = rng.choice(spots)
            else:
                spot = offset_latlon(CITY, rng.uniform(-2500, 2500), rng.uniform(-2500, 2500), 0.0)
                spots.append(spot)
            heading = rng.uniform(0, 360)
            gps = offset_latlon(spot, -2.6, 0.0, heading)
            items.append(
                {
                    "client_id": str(uuid.uuid4()),
                    "captured_at": (t0 + timedelta(seconds=b * BATCH + i)).isoformat(),
                    "gps": {
                        "lat": gps.lat,
                        "lon": gps.lon,
                        "accuracy_m": 4.0,
                        "heading_deg": heading,
                        "speed_mps": 9.0,
                    },
                    "frame_wh": [1920, 1080],
                    "box_xyxy_px": [900.0, 820.0, 1020.0, 880.0],
                    "confidence": rng.uniform(0.3, 0.95),
                    "model_id": "bench",
                    "pass_id": f"pass-{b % 7}",
                }
            )
        batches.append({"vehicle_id": f"bus-{b % 5}", "items": items})
    return batches


def ingest_rate(url: str, batches: list[dict]) -> tuple[float, float]:
    """(sightings per second, p95 request latency in ms) with CLIENTS concurrent clients."""
    latencies: list[float] = []
    lock = threading.Lock()
    queue = list(batches)

    def client() -> None:
        with httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=120) as http:
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                start = time.perf_counter()
                response = http.post("/v1/sightings", json=body)
                elapsed = time.perf_counter() - start
                response.raise_for_status()
                with lock:
                    latencies.append(elapsed)

    with httpx.Client(base_url=url, headers={"X-API-Key": KEY}) as http:  # warm-up
        http.post("/v1/sightings", json=make_batches(1, seed=99)[0]).raise_for_status()
    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return len(batches) * BATCH / elapsed, percentile(latencies, 95) * 1000


def median_run(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The run with the median rate (its own p95 with it)."""
    ordered = sorted(runs)
    return ordered[len(ordered) // 2]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def seed_potholes(database_url: str, count: int, *, with_orders: bool, seed: int = 2) -> None:
    """Bulk rows over a 20 km square (the city), each with an open order when asked."""
    rng = random.Random(seed)
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    rows, orders = [], []
    for _ in range(count):
        p = offset_latlon(CITY, rng.uniform(-10_000, 10_000), rng.uniform(-10_000, 10_000), 0.0)
        cell = cell_of(p, 10.0)
        rows.append(
            {
                "lat": p.lat,
                "lon": p.lon,
                "cell_y": cell.y,
                "cell_x": cell.x,
                "status": "confirmed",
                "uncertainty_m": 3.0,
                "min_uncertainty_m": 3.0,
                "weight_sum": 0.11,
                "width_m": 0.4,
                "length_m": 0.3,
                "sighting_count": 2,
                "pass_count": 2,
                "first_seen": now,
                "last_seen": now,
                "max_confidence": 0.8,
                "context": {},
                "created_at": now,
                "updated_at": now,
            }
        )
    with engine.begin() as conn:
        for start in range(0, count, 5000):
            conn.execute(insert(Pothole), rows[start : start + 5000])
        if with_orders:
            ids = [r[0] for r in conn.execute(text("SELECT id FROM pothole ORDER BY id"))]
            for pid in ids:
                orders.append(
                    {
                        "pothole_id": pid,
                        "status": "open",
                        "in_queue": True,
                        "priority": rng.randint(1, 5),
                        "category": "cat2",
                        "due_at": now + timedelta(hours=rng.uniform(1, 2000)),
                        "score": 40.0,
                        "score_terms": [],
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            for start in range(0, len(orders), 5000):
                conn.execute(insert(WorkOrder), orders[start : start + 5000])
    engine.dispose()


def nearby_ms(database_url: str, queries: int = 500, rounds: int = 5) -> float:
    """ms of one nearby search (12 m radius) at random points of the city: the best of `rounds` means,
    so a busy machine's hiccups do not pass for growth with the table."""
    engine = make_engine(database_url)
    rng = random.Random(5)
    points = [
        offset_latlon(CITY, rng.uniform(-10_000, 10_000), rng.uniform(-10_000, 10_000), 0.0)
        for _ in range(queries)
    ]
    means = []
    with Session(engine) as session:
        for p in points[:20]:
            nearby_potholes(session, p, 12.0, 10.0)
        for _ in range(rounds):
            start = time.perf_counter()
            for p in points:
                nearby_potholes(session, p, 12.0, 10.0)
            means.append((time.perf_counter() - start) / queries * 1000)
    engine.dispose()
    return min(means)


def queue_p95(url: str, requests: int = 200) -> float:
    latencies = []
    with httpx.Client(base_url=url, headers={"X-API-Key": KEY}) as http:
        for _ in range(10):
            http.get("/v1/queue").raise_for_status()
        for _ in range(requests):
            start = time.perf_counter()
            response = http.get("/v1/queue", params={"limit": 100})
            latencies.append(time.perf_counter() - start)
            response.raise_for_status()
    return percentile(latencies, 95) * 1000


@contextmanager
def pg_database() -> Iterator[str | None]:
    admin_url = os.environ.get("POTHOLE_TEST_POSTGRES_URL", PG_DEFAULT)
    name = f"pw_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no PostgreSQL here: report null for its numbers
        print(f"PostgreSQL unavailable ({exc.__class__.__name__}): skipping its numbers", file=sys.stderr)
        yield None
        return
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests (a smoke run)")
    args = parser.parse_args()
    n_batches = 24 if args.quick else 100
    out: dict[str, float | None] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_runs, pg_runs = [], []
        for run in range(
            1 if args.quick else RUNS
        ):  # a fresh database and server per run; the median is reported
            sqlite_url = f"sqlite:///{Path(tmp) / f'bench-{run}.db'}"
            upgrade_head(sqlite_url)
            with server(sqlite_url) as url:
                sqlite_runs.append(ingest_rate(url, make_batches(n_batches, seed=run)))
            with pg_database() as pg_url:
                if pg_url is not None:
                    upgrade_head(pg_url)
                    with server(pg_url) as url:
                        pg_runs.append(ingest_rate(url, make_batches(n_batches, seed=run)))
        print(
            "ingest runs (sightings/s): SQLite "
            + ", ".join(f"{r:.0f}" for r, _ in sqlite_runs)
            + "; PostgreSQL "
            + ", ".join(f"{r:.0f}" for r, _ in pg_runs)
        )
        out["sqlite_sightings_per_s"], out["sqlite_p95_ms"] = median_run(sqlite_runs)
        out["postgres_sightings_per_s"], out["postgres_p95_ms"] = (
            median_run(pg_runs) if pg_runs else (None, None)
        )
        sizes = (1_000, 10_000, 100_000)
        done = 0
        nearby_url = f"sqlite:///{Path(tmp) / 'nearby.db'}"
        upgrade_head(nearby_url)
        for size in sizes:
            seed_potholes(nearby_url, size - done, with_orders=False, seed=size)
            done = size
            out[f"nearby_ms_{size // 1000}k"] = nearby_ms(nearby_url)
        queue_url = f"sqlite:///{Path(tmp) / 'queue.db'}"
        upgrade_head(queue_url)
        with server(queue_url):
            pass  # a first start seeds the policy, so start-up does not re-score the seeded rows
        seed_potholes(queue_url, 100_000, with_orders=True)
        with server(queue_url) as url:
            out["queue_p95_ms_100k"] = queue_p95(url)
    rows = [
        (
            "ingest SQLite, 1 worker",
            f"{out['sqlite_sightings_per_s']:.0f} sightings/s",
            f"p95 {out['sqlite_p95_ms']:.0f} ms / {BATCH}-item batch",
            "target >= 300/s",
        ),
        (
            "ingest PostgreSQL, 1 worker",
            f"{out['postgres_sightings_per_s'] or 0:.0f} sightings/s",
            f"p95 {out['postgres_p95_ms'] or 0:.0f} ms / {BATCH}-item batch",
            "",
        ),
        (
            "nearby search 1k / 10k / 100k",
            f"{out['nearby_ms_1k']:.3f} / {out['nearby_ms_10k']:.3f} / {out['nearby_ms_100k']:.3f} ms",
            f"100k/1k ratio {out['nearby_ms_100k'] / out['nearby_ms_1k']:.2f}",
            "flat",
        ),
        ("queue at 100k open orders", f"p95 {out['queue_p95_ms_100k']:.1f} ms", "", "target < 50 ms"),
    ]
    for row in rows:
        print(f"{row[0]:<32} {row[1]:<30} {row[2]:<34} {row[3]}")
    keys = [
        "sqlite_sightings_per_s",
        "sqlite_p95_ms",
        "postgres_sightings_per_s",
        "postgres_p95_ms",
        "nearby_ms_1k",
        "nearby_ms_100k",
        "queue_p95_ms_100k",
    ]
    print(json.dumps({k: (None if out[k] is None else round(float(out[k]), 3)) for k in keys}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
