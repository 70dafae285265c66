"""Geolocation and de-duplication, end to end: simulator -> `pothole edge run` -> a real API -> truth.

A simulated patrol (the real comma2k19 drive moved to Hwaseong, several vehicles x passes, each pass with
its own GPS bias of ~5 m at 95 %) is replayed pass by pass, in time order, through the edge agent as a
separate process, against the API served by uvicorn on loopback with SQLite in a temp dir. Then the API's
pothole records are compared with the ground truth (definitions in sim/score.py):

- median_error_m / p95_error_m: distance from each found pothole's true position to its record;
- duplicate_rate: extra records per found physical pothole, (matched records - found) / found;
- missed_rate: potholes visible in at least one pass without any record / visible potholes;
- unmatched_records: records farther than --match-radius-m from every true pothole;
- lost_sightings: sightings the agents queued minus sightings the API stored (sum of the records'
  `sightings`); zero means nothing was lost or double-counted between the vehicle and the database.

The last line is one JSON object with exactly those six keys. Run: `.venv/bin/python bench/geo_dedup.py`.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from edge.outbox import Outbox  # noqa: E402
from sim.cli import build_route, dataset_test_images  # noqa: E402
from sim.harness import ApiServer, passes_in_time_order, replay_pass  # noqa: E402
from sim.noise import GpsErrorModel  # noqa: E402
from sim.patrol import PatrolConfig, simulate_patrol  # noqa: E402
from sim.score import TruePothole, score  # noqa: E402

HWASEONG = (37.1995, 126.8312)  # near Hwaseong city hall: the layers' district context applies


def run(args: argparse.Namespace, workdir: Path) -> dict:
    shared = Path(args.shared)
    route_spec = args.route
    if route_spec == "comma2k19" and not (shared / "dashcam" / "comma2k19_ex1_frame_poses.csv").is_file():
        print("note: ../shared/dashcam is absent; driving the synthetic grid instead", file=sys.stderr)
        route_spec = "grid"
    route = build_route(
        route_spec, shared_dir=shared, anchor=HWASEONG, length_m=1200.0, speed_mps=10.0, seed=args.seed
    )
    cfg = PatrolConfig(
        vehicles=args.vehicles,
        passes=args.passes,
        potholes=args.potholes,
        fps=args.fps,
        seed=args.seed,
        gps=GpsErrorModel(r95_m=args.gps_r95_m),
        camera_clock_offset_s=args.camera_clock_offset_s,
    )
    started = time.monotonic()
    manifest = simulate_patrol(route, cfg, workdir / "patrol", dataset_test_images(shared))
    sim_s = time.monotonic() - started
    admin_key = secrets.token_urlsafe(24)
    summaries = []
    extra_env = {"POTHOLE_DEDUP_RADIUS_M": str(args.dedup_radius_m)} if args.dedup_radius_m else {}
    with ApiServer(
        f"sqlite:///{workdir / 'api.db'}",
        admin_key=admin_key,
        log_path=workdir / "api.log",
        extra_env=extra_env,
    ) as api:
        for vehicle in manifest["vehicles"]:
            api.put_camera(vehicle["vehicle_id"], manifest["camera"])
        agent_started = time.monotonic()
        for vehicle_id, pas in passes_in_time_order(manifest):
            summary = replay_pass(
                pas, api_url=api.url, key=admin_key, vehicle_id=vehicle_id,
                queue_path=workdir / f"outbox-{vehicle_id}.db",
            )
            summaries.append(summary)
            print(
                f"  {pas['pass']}: {summary['frames']} frames, {summary['detections']} boxes, "
                f"{summary['tracks']} tracks, {summary['sightings_queued']} sightings, "
                f"gaps={sum(summary['gap_reasons'].values())}",
                file=sys.stderr,
            )
        agent_s = time.monotonic() - agent_started
        features = api.potholes()
    truth = [
        TruePothole(
            f["id"],
            f["geometry"]["coordinates"][1],
            f["geometry"]["coordinates"][0],
            f["properties"]["passes_seen"] > 0,
        )
        for f in json.loads(Path(manifest["ground_truth"]).read_text())["features"]
    ]
    records = [(f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]) for f in features]
    metrics = score(truth, records, match_radius_m=args.match_radius_m)
    queued = sum(s["sightings_queued"] for s in summaries)
    outbox_counters: dict[str, int] = {}
    pending = 0
    for vehicle in manifest["vehicles"]:  # the outboxes, as each vehicle left them
        with Outbox(workdir / f"outbox-{vehicle['vehicle_id']}.db") as outbox:
            pending += outbox.pending()["sighting"]
            for name, value in outbox.counters().items():
                outbox_counters[name] = outbox_counters.get(name, 0) + value
    stored = sum(int(f["properties"].get("sightings") or 0) for f in features)
    return {
        "metrics": metrics,
        "queued": queued,
        "stored": stored,
        "pending": pending,
        "outbox_counters": outbox_counters,
        "sim_s": sim_s,
        "agent_s": agent_s,
        "frames": manifest["frames"],
        "passes": len(summaries),
        "gps_outage_passes": sum(bool(p["gps_outages_s"]) for v in manifest["vehicles"] for p in v["passes"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=3)
    parser.add_argument("--passes", type=int, default=3, help="passes per vehicle")
    parser.add_argument("--potholes", type=int, default=15)
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--gps-r95-m", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--route", default="comma2k19", help="comma2k19 | grid | a road GeoJSON")
    parser.add_argument(
        "--camera-clock-offset-s",
        type=float,
        default=1.5,
        help="the camera clock lags GPS by this much; each agent is told to undo it",
    )
    parser.add_argument("--match-radius-m", type=float, default=10.0)
    parser.add_argument(
        "--dedup-radius-m",
        type=float,
        default=None,
        help="set the API's POTHOLE_DEDUP_RADIUS_M (default: the API's own default)",
    )
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    parser.add_argument("--keep", default=None, help="keep the work folder here instead of a temp dir")
    args = parser.parse_args(argv)
    if args.keep:
        workdir = Path(args.keep)
        workdir.mkdir(parents=True, exist_ok=True)
        result = run(args, workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="geo-dedup-") as tmp:
            result = run(args, Path(tmp))
    m = result["metrics"]
    print(
        f"patrol: {result['passes']} passes ({args.vehicles} vehicles x {args.passes}), "
        f"{result['frames']} frames, "
        f"{m.true_potholes} potholes ({m.visible_potholes} visible), GPS r95 {args.gps_r95_m} m, "
        f"{result['gps_outage_passes']} passes with a GPS outage"
    )
    print(f"time: simulate {result['sim_s']:.1f} s, agents {result['agent_s']:.1f} s")
    print(
        f"records: {m.records} (found {m.found}, unmatched {m.unmatched_records}); "
        f"sightings queued {result['queued']}, stored {result['stored']}"
    )
    print(
        f"outboxes: {json.dumps(result['outbox_counters'], sort_keys=True)}; "
        f"still pending {result['pending']}"
    )
    if result["pending"] or result["outbox_counters"].get("rejected_sightings"):
        print(
            "WARNING: sightings were not delivered (pending) or were rejected by the API: see the API log "
            "(run with --keep DIR to keep it)",
            file=sys.stderr,
        )
    errors = ", ".join(f"{e:.2f}" for e in sorted(m.errors_m))
    print(f"position error per found pothole (m): {errors}")
    line = {
        "median_error_m": None if m.median_error_m is None else round(m.median_error_m, 3),
        "p95_error_m": None if m.p95_error_m is None else round(m.p95_error_m, 3),
        "duplicate_rate": round(m.duplicate_rate, 4),
        "missed_rate": round(m.missed_rate, 4),
        "unmatched_records": m.unmatched_records,
        "lost_sightings": result["queued"] - result["stored"],
    }
    print(json.dumps(line))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
