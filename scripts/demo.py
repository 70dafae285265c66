"""`make demo`: the whole pipeline on this machine, with nothing to configure.

1. starts the API on SQLite (.demo/pothole-watch.db, migrated with alembic) with the shipped weights
   (weights/current.json) and the Hwaseong layers (../shared/layers/hwaseong) when they are present;
2. simulates a short patrol in Hwaseong: the real comma2k19 drive moved to the city hall, 2 vehicles x
   2 passes over virtual potholes, with 5 m GPS noise (see sim/);
3. runs the real edge agent (`pothole edge run`, a separate process per pass) on those recordings;
   with weights, one more vehicle streams frames to POST /v1/frames so the server's model runs on the
   real test images;
4. prints what happened, the URL and a key, and keeps the service up until Ctrl-C.

Options: --port (default 8000, or a free one), --no-wait (exit after the summary; CI), --dir (default
.demo: a new database there each run, so the numbers describe this run).

Every child stops with the demo: SIGTERM (what `timeout`, CI and service managers send, and what make
passes on) and SIGINT both stop the API (its own process group) and any running edge agent before the demo
exits. Keys reach the agents through their environment, never their command line (`ps` shows that).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("POTHOLE_SHARED_DIR", ROOT.parent / "shared"))
DEMO_DIR = ROOT / ".demo"
HWASEONG_CITY_HALL = (37.1995, 126.8312)
DEMO_CREW, DEMO_CREW_ORDERS = "crew-1", 5


def say(text: str = "") -> None:
    print(text, flush=True)


class Stopped(BaseException):
    """A stop signal, raised in the main thread so every `finally` and child clean-up runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stopped(signum: int, _frame: FrameType | None) -> None:
    for each in (signal.SIGTERM, signal.SIGINT):
        signal.signal(each, signal.SIG_IGN)  # a second signal must not interrupt the clean-up
    raise Stopped(signum)


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def create_key(database_url: str, role: str, name: str) -> str | None:
    """`pothole keys create` (prints the key once); None if the command is unavailable."""
    done = subprocess.run(
        [sys.executable, "-m", "pothole_cli", "keys", "create", "--role", role, "--name", name],
        cwd=ROOT,
        env=os.environ | {"POTHOLE_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    return lines[-1].strip() if done.returncode == 0 and lines else None


def weights_status() -> tuple[bool, str]:
    current = ROOT / "weights" / "current.json"
    if os.environ.get("POTHOLE_WEIGHTS"):
        return Path(
            os.environ["POTHOLE_WEIGHTS"]
        ).is_file(), f"POTHOLE_WEIGHTS={os.environ['POTHOLE_WEIGHTS']}"
    if not current.is_file():
        return False, "weights/current.json is absent"
    try:
        onnx = ROOT / "weights" / json.loads(current.read_text())["onnx"]
    except (ValueError, KeyError) as exc:
        return False, f"weights/current.json is unreadable ({exc})"
    return onnx.is_file(), f"{onnx.relative_to(ROOT)}" if onnx.is_file() else f"{onnx} is missing"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="pothole-watch demo")
    parser.add_argument("--port", type=int, default=int(os.environ.get("POTHOLE_DEMO_PORT", "8000")))
    parser.add_argument(
        "--no-wait", action="store_true", default=os.environ.get("POTHOLE_DEMO_NO_WAIT") == "1"
    )
    parser.add_argument("--dir", type=Path, default=DEMO_DIR, help="working folder (emptied first)")
    args = parser.parse_args(argv)
    for each in (signal.SIGTERM, signal.SIGINT):
        signal.signal(each, _raise_stopped)
    try:
        return run_demo(args.port, args.no_wait, args.dir.resolve())
    except Stopped as stop:
        say(f"\nstopped ({stop}): every child process is stopped")
        return 128 + stop.signum


def run_demo(wanted_port: int, no_wait: bool, demo_dir: Path) -> int:
    """The demo itself; a stop signal arrives here as `Stopped` and unwinds through the `finally`s."""

    from sim.cli import build_route, dataset_test_images
    from sim.harness import ApiServer, free_port, run_edge_agent
    from sim.patrol import PatrolConfig, simulate_patrol

    started = time.monotonic()
    if demo_dir.exists():
        shutil.rmtree(demo_dir)
    demo_dir.mkdir(parents=True)
    database_url = f"sqlite:///{demo_dir / 'pothole-watch.db'}"
    admin_key = "demo-" + secrets.token_urlsafe(18)
    has_weights, weights_note = weights_status()
    layers = SHARED / "layers" / "hwaseong"
    env: dict[str, str] = {}
    if layers.is_dir():
        env["POTHOLE_LAYERS_DIR"] = str(layers)
    say("== pothole-watch demo ==")
    say(
        f"model:   {weights_note}"
        if has_weights
        else f"model:   NONE - {weights_note}. The server starts without a detector; the patrol's boxes "
        "come from the simulator (its camera model), and frames mode is skipped."
    )
    no_layers = "none (../shared/layers/hwaseong is absent): no district context"
    say(f"layers:  {layers if layers.is_dir() else no_layers}")
    port = wanted_port if port_is_free(wanted_port) else free_port()
    api = ApiServer(
        database_url,
        admin_key=admin_key,
        port=port,
        migrate="upgrade",
        load_model=has_weights,
        extra_env=env,
        log_path=demo_dir / "api.log",
    )
    say(
        f"api:     starting on {api.url} (SQLite {demo_dir / 'pothole-watch.db'}; log {demo_dir / 'api.log'})"
    )
    try:
        api.start(timeout_s=180)
        summary = run_patrol(
            api,
            demo_dir,
            admin_key,
            database_url,
            has_weights,
            build_route,
            dataset_test_images,
            PatrolConfig,
            simulate_patrol,
            run_edge_agent,
        )
        report(api, summary, time.monotonic() - started)
        say()
        say(f"Open {api.url}/ (crews' app) or {api.url}/docs (API); admin key: {admin_key}")
        if summary.get("crew_key"):
            say(f"crew key (crew '{DEMO_CREW}'): {summary['crew_key']}")
        say("Start it again later with the same data:")
        say(
            f"  POTHOLE_DATABASE_URL={database_url} POTHOLE_BOOTSTRAP_ADMIN_KEY={admin_key} "
            f"{'POTHOLE_LAYERS_DIR=' + str(layers) + ' ' if layers.is_dir() else ''}"
            f".venv/bin/pothole serve --port {port}"
        )
        if no_wait:
            return 0
        say("The service keeps running; press Ctrl-C to stop it.")
        while api.process is not None and api.process.poll() is None:
            time.sleep(1.0)
        say(f"the API exited ({api.process.returncode if api.process else '?'}); see {demo_dir / 'api.log'}")
        return 1
    finally:
        api.stop()


def run_patrol(
    api: Any,
    demo_dir: Path,
    admin_key: str,
    database_url: str,
    has_weights: bool,
    build_route: Any,
    dataset_test_images: Any,
    patrol_config: Any,
    simulate_patrol: Any,
    run_edge_agent: Any,
) -> dict[str, Any]:
    try:
        route = build_route(
            "comma2k19", shared_dir=SHARED, anchor=HWASEONG_CITY_HALL, length_m=1000.0, speed_mps=10.0, seed=3
        )
    except ValueError:
        route = build_route(
            "grid", shared_dir=SHARED, anchor=HWASEONG_CITY_HALL, length_m=1000.0, speed_mps=10.0, seed=3
        )
    cfg = patrol_config(vehicles=2, passes=2, potholes=10, fps=10.0, seed=3, vehicle_prefix="patrol")
    manifest = simulate_patrol(route, cfg, demo_dir / "patrol", dataset_test_images(SHARED))
    say(
        f"patrol:  {route.name} route ({manifest['route']['length_m']:.0f} m) at Hwaseong city hall; "
        f"{len(manifest['potholes'])} virtual potholes; 2 vehicles x 2 passes; GPS noise 5 m (95 %)"
    )
    keys: dict[str, str] = {}
    for vehicle in manifest["vehicles"]:
        vid = vehicle["vehicle_id"]
        keys[vid] = create_key(database_url, "vehicle", vid) or admin_key
        api.put_camera(vid, manifest["camera"])
    with api.client() as client:  # the roster first: a crew key belongs to a crew of it
        client.post("/v1/crews", json={"crew_id": DEMO_CREW, "display_name": "보수 1조 (Repair crew 1)"})
    crew_key = create_key(database_url, "crew", DEMO_CREW)
    totals = {"frames": 0, "sightings": 0, "passes": 0, "tracks": 0, "frames_sent": 0}
    from sim.harness import passes_in_time_order, replay_pass

    passes = passes_in_time_order(manifest)
    for vid, pas in passes:
        result = replay_pass(
            pas, api_url=api.url, key=keys[vid], vehicle_id=vid, queue_path=demo_dir / f"outbox-{vid}.db"
        )
        totals["frames"] += result["frames"]
        totals["sightings"] += result["sightings_queued"]
        totals["tracks"] += result["tracks"]
        totals["passes"] += result["passes_queued"]
        say(
            f"  {pas['pass']}: {result['frames']} frames -> {result['detections']} boxes -> "
            f"{result['tracks']} tracks -> {result['sightings_queued']} sightings sent "
            f"(GPS gaps: {sum(result['gap_reasons'].values())})"
        )
    if has_weights:
        vid = "patrol-frames"
        api.put_camera(vid, manifest["camera"])
        pas = passes[0][1]
        key = create_key(database_url, "vehicle", vid) or admin_key
        result = run_edge_agent(
            [
                "--source",
                pas["frames"],
                "--gps",
                pas["gps"],
                "--mode",
                "frames",
                "--frames-max-fps",
                "0.5",
                "--api",
                api.url,
                "--vehicle-id",
                vid,
                "--queue",
                str(demo_dir / f"outbox-{vid}.db"),
                "--drain-timeout-s",
                "240",
            ],
            key=key,
        )
        totals["frames_sent"] = result["frames_queued"]
        found = result["outbox_counters"].get("server_detections", 0)
        say(
            f"  {vid}: frames mode, {result['frames_queued']} real test images streamed to POST /v1/frames; "
            f"the server's model found {found} boxes in them (put on the map from this vehicle's GPS, so "
            "they are not the virtual potholes)"
        )
    assigned = assign_to_crew(api, DEMO_CREW, DEMO_CREW_ORDERS)
    say(f"crew:    the {assigned} most urgent work orders assigned to {DEMO_CREW} (its key's queue)")
    return totals | {"crew_key": crew_key, "truth": len(manifest["potholes"])}


def assign_to_crew(api: Any, crew_id: str, n: int) -> int:
    """As a manager would: the top of the queue goes to the crew, so its key sees work to do."""
    with api.client() as client:
        queue = client.get("/v1/queue", params={"limit": n})
        items = queue.json().get("items", []) if queue.status_code == 200 else []
        done = [
            client.patch(f"/v1/work-orders/{item['id']}", json={"status": "assigned", "assignee": crew_id})
            for item in items
            if item.get("status") in ("open", "reopened")
        ]
    return sum(1 for answer in done if answer.status_code == 200)


def report(api: Any, summary: dict[str, Any], elapsed_s: float) -> None:
    features = api.potholes()
    statuses: dict[str, int] = {}
    orders = 0
    for feature in features:
        props = feature["properties"]
        statuses[props.get("status", "?")] = statuses.get(props.get("status", "?"), 0) + 1
        orders += 1 if props.get("work_order") else 0
    say()
    say(
        f"done in {elapsed_s:.0f} s: {summary['frames']} frames, {summary['sightings']} sightings from "
        f"{summary['passes']} passes"
        + (f", {summary['frames_sent']} frames to the server model" if summary.get("frames_sent") else "")
    )
    say(
        f"potholes: {len(features)} records ({', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))}) "
        f"for {summary['truth']} virtual potholes; work orders: {orders}"
    )
    with api.client() as client:
        response = client.get("/v1/queue", params={"limit": 5})
    if response.status_code != 200:
        say(f"queue: GET /v1/queue answered {response.status_code}: {response.text[:200]}")
        return
    items = response.json().get("items", [])
    say("top of the crews' queue:")
    for item in items:
        terms = "; ".join(t.get("reason", "") for t in (item.get("score_terms") or [])[:2])
        say(
            f"  #{item.get('rank')} order {item.get('id')} P{item.get('priority')} "
            f"{item.get('category', '')} "
            f"due {str(item.get('due_at', ''))[:16]} at {item.get('lat')},{item.get('lon')}  {terms}"
        )
    if not items:
        say("  (empty: no pothole is confirmed yet)")
    if summary.get("crew_key"):
        with api.client(summary["crew_key"]) as client:
            mine = client.get("/v1/queue")
        count = mine.json().get("count") if mine.status_code == 200 else f"HTTP {mine.status_code}"
        say(f"{DEMO_CREW}'s queue (its own key): {count} work orders")


if __name__ == "__main__":
    raise SystemExit(main())
