"""Layers benchmark: enrichment per pothole, re-score of every open order after a change, OGC page latency.

Runs on a temp SQLite database seeded with the real Hwaseong layers (../shared). Prints a table and, as the
last line, one JSON object. `python bench/layers.py [--potholes 5000]`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN_KEY = "bench-admin-key-0123456789"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--potholes", type=int, default=5000)
    parser.add_argument("--layers-dir", type=Path, default=ROOT.parent / "shared" / "layers" / "hwaseong")
    args = parser.parse_args(argv)
    if not args.layers_dir.is_dir():
        parser.error(f"--layers-dir: {args.layers_dir} does not exist")
    if args.potholes < 1:
        parser.error(f"--potholes: {args.potholes} must be >= 1")

    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from api.config import Settings
    from api.main import create_app
    from api.potholes.tables import Pothole
    from api.services import services_of
    from api.workorders.rescore import rescore_all
    from api.workorders.tables import WorkOrder

    random.seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite:///{tmp}/bench.db",
            migrate_on_start="create_all",
            layers_dir=args.layers_dir,
            bootstrap_admin_key=ADMIN_KEY,
            load_model=False,
            require_model=False,
            log_json=False,
            log_level="WARNING",
        )
        started = time.perf_counter()
        app = create_app(settings)
        with TestClient(app) as client:
            startup_s = time.perf_counter() - started
            services = services_of(app)
            runtime = services.layers
            points = [
                (random.uniform(37.05, 37.25), random.uniform(126.75, 127.1)) for _ in range(args.potholes)
            ]
            t0 = time.perf_counter()
            for lat, lon in points:
                runtime.enricher(lat, lon)
            enrich_ms = (time.perf_counter() - t0) / len(points) * 1000
            now = datetime.now(UTC)
            with Session(services.engine) as session:
                session.add_all(
                    [
                        Pothole(
                            lat=lat,
                            lon=lon,
                            cell_y=0,
                            cell_x=0,
                            status="confirmed",
                            uncertainty_m=5.0,
                            min_uncertainty_m=5.0,
                            weight_sum=0.04,
                            width_m=0.4,
                            length_m=0.3,
                            sighting_count=2,
                            pass_count=2,
                            first_seen=now,
                            last_seen=now,
                            max_confidence=0.9,
                            context={},
                        )
                        for lat, lon in points
                    ]
                )
                session.commit()
                session.add_all(
                    [
                        WorkOrder(
                            pothole_id=i, priority=3, category="cat2", due_at=now, score=0.0, score_terms=[]
                        )
                        for i in range(1, len(points) + 1)
                    ]
                )
                session.commit()
            t0 = time.perf_counter()
            report = rescore_all(services.engine, runtime, actor="bench")
            rescore_s = time.perf_counter() - t0
            page_ms = []
            for _ in range(20):
                t0 = time.perf_counter()
                assert (
                    client.get(
                        "/ogc/collections/potholes/items?limit=100&bbox=126.9,37.1,127.1,37.25"
                    ).status_code
                    == 200
                )
                page_ms.append((time.perf_counter() - t0) * 1000)
    result = {
        "potholes": args.potholes,
        "startup_with_layers_s": round(startup_s, 2),
        "enrich_ms_per_pothole": round(enrich_ms, 3),
        "rescore_s": round(rescore_s, 2),
        "rescore_ms_per_pothole": round(rescore_s / args.potholes * 1000, 3),
        "orders_rescored": report.orders_rescored,
        "ogc_page100_median_ms": round(statistics.median(page_ms), 1),
    }
    for key, value in result.items():
        print(f"{key:>28}  {value}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
