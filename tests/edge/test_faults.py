"""Faults, end to end with real processes: the API down, the API SIGKILLed mid-request, the agent kill -9.

Afterwards every sighting the agents queued is stored exactly once: the count the API reports equals the
count the outboxes queued, nothing is pending, and the batch whose answer was lost came back `duplicate`.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("api.main", reason="the API package is not importable here")

from common.geodesy import LatLon  # noqa: E402
from edge.outbox import Outbox  # noqa: E402
from sim.harness import PROJECT_ROOT, ApiServer, edge_run_args, free_port, run_edge_agent  # noqa: E402
from sim.noise import GpsErrorModel  # noqa: E402
from sim.patrol import PatrolConfig, simulate_patrol  # noqa: E402
from sim.routes import graph_route, grid_edges  # noqa: E402

ADMIN_KEY = "faults-admin-key-0123456789"
EDGE_RUN = [sys.executable, "-m", "pothole_cli", "edge", "run"]
AGENT_ENV = os.environ | {"POTHOLE_API_KEY": ADMIN_KEY}  # the agent reads its key from here, never argv


class KillingProxy:
    """TCP proxy in front of the API. When the server starts answering the N-th POST /v1/sightings (so it
    has committed the batch), it SIGKILLs the server and drops the connection: the answer never arrives."""

    def __init__(self, upstream_port: int, kill_on_sightings_request: int, kill: object) -> None:
        self.upstream_port = upstream_port
        self.kill_at = kill_on_sightings_request
        self.kill = kill
        self.sightings_requests = 0
        self.killed = threading.Event()
        self._lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
        except OSError:
            client.close()  # the API is down: the agent sees a dropped connection
            return
        armed = threading.Event()

        def client_to_upstream() -> None:
            try:
                while data := client.recv(65536):
                    if b"POST /v1/sightings" in data:
                        with self._lock:
                            self.sightings_requests += 1
                            if self.sightings_requests == self.kill_at:
                                armed.set()
                    upstream.sendall(data)
            except OSError:
                pass
            finally:
                upstream.close()

        threading.Thread(target=client_to_upstream, daemon=True).start()
        try:
            while data := upstream.recv(65536):
                if armed.is_set() and not self.killed.is_set():
                    self.kill()  # type: ignore[operator]
                    self.killed.set()
                    break
                client.sendall(data)
        except OSError:
            pass
        finally:
            client.close()
            upstream.close()

    def close(self) -> None:
        self.sock.close()


def sightings_stored(api: ApiServer) -> int:
    return sum(int(f["properties"]["sightings"]) for f in api.potholes())


@pytest.mark.slow
def test_every_sighting_is_stored_exactly_once_through_outage_and_kills(tmp_path: Path) -> None:
    route = graph_route(
        "grid", LatLon(37.1995, 126.8312), grid_edges(), length_m=500.0, speed_mps=10.0, rng=random.Random(5)
    )
    cfg = PatrolConfig(
        vehicles=1, passes=2, potholes=6, fps=5.0, seed=5, gps=GpsErrorModel(dropout_probability=0.0)
    )
    manifest = simulate_patrol(route, cfg, tmp_path / "patrol", [])
    pass1, pass2 = manifest["vehicles"][0]["passes"]
    queue = tmp_path / "outbox.db"
    db_url = f"sqlite:///{tmp_path / 'api.db'}"
    port = free_port()
    servers: list[ApiServer] = []

    def new_server() -> ApiServer:
        server = ApiServer(db_url, admin_key=ADMIN_KEY, port=port, log_path=tmp_path / "api.log")
        servers.append(server)
        return server

    proxy = KillingProxy(port, kill_on_sightings_request=1, kill=lambda: servers[-1].kill())
    try:
        # 1. the API is down while the first pass starts; it comes up 4 s later and dies mid-request
        agent = subprocess.Popen(
            [
                *EDGE_RUN,
                *edge_run_args(pass1, api_url=proxy.url, vehicle_id="sim-1", queue_path=queue),
                "--drain-timeout-s",
                "90",
            ],
            cwd=PROJECT_ROOT,
            env=AGENT_ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(4.0)
        try:
            new_server().start()
        except RuntimeError:
            assert proxy.killed.is_set()  # up, and killed mid-request before our /healthz poll returned
        assert proxy.killed.wait(60), "the proxy never saw a sightings request to kill"
        time.sleep(1.0)
        new_server().start()  # back up on the same port and database
        out, err = agent.communicate(timeout=120)
        assert agent.returncode == 0, err[-2000:]
        first = json.loads(out.strip().splitlines()[-1])
        assert first["drained"] and first["sightings_queued"] > 0

        # 2. the agent itself is kill -9'd mid-pass while the API is down; `edge flush` delivers the rest
        servers[-1].stop()
        agent = subprocess.Popen(
            [
                *EDGE_RUN,
                *edge_run_args(pass2, api_url=proxy.url, vehicle_id="sim-1", queue_path=queue),
            ],
            cwd=PROJECT_ROOT,
            env=AGENT_ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with Outbox(queue) as outbox:
                if outbox.pending()["sighting"] >= 2:
                    break
            time.sleep(0.2)
        os.kill(agent.pid, signal.SIGKILL)
        agent.wait(timeout=10)
        server = new_server().start()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pothole_cli",
                "edge",
                "flush",
                "--api",
                server.url,
                "--queue",
                str(queue),
                "--timeout-s",
                "60",
            ],
            cwd=PROJECT_ROOT,
            env=AGENT_ENV,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]

        with Outbox(queue) as outbox:
            counters, pending = outbox.counters(), outbox.pending()
        assert pending == {"sighting": 0, "pass": 0, "frame": 0}
        assert counters["acked_duplicate"] >= 1  # the batch whose answer died with the server
        assert counters.get("rejected_sightings", 0) == 0
        queued = counters["queued_sightings"]
        assert queued > first["sightings_queued"]  # the killed run had queued more before it died
        assert sightings_stored(server) == queued  # every sighting stored, and none twice
    finally:
        proxy.close()
        for server in servers:
            server.stop()


def test_run_edge_agent_helper_reports_a_failing_agent(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="exited 2: error: --gps"):
        run_edge_agent(
            [
                "--source",
                str(tmp_path / "nothing"),
                "--gps",
                str(tmp_path / "none.csv"),
                "--api",
                "http://127.0.0.1:9",
                "--vehicle-id",
                "v",
                "--queue",
                str(tmp_path / "q.db"),
                "--detections",
                str(tmp_path / "d.jsonl"),
            ],
            key="k",
            timeout_s=60,
        )
