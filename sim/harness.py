"""Run the real pieces as separate processes: the API under uvicorn on loopback, and the edge agent.

The benchmark, the fault test and the demo all go through here, so what they measure is the same
composition a deployment runs: an HTTP server process with its own database, and `pothole edge run`
processes that only talk HTTP to it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

__all__ = ["PROJECT_ROOT", "ApiServer", "edge_run_args", "free_port", "run_edge_agent", "stop_process"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ApiServer:
    """`uvicorn --factory api.main:create_app` in its own session; SIGTERM on stop, SIGKILL on `kill`."""

    def __init__(
        self,
        database_url: str,
        *,
        admin_key: str,
        port: int | None = None,
        migrate: str = "create_all",
        load_model: bool = False,
        extra_env: dict[str, str] | None = None,
        log_path: Path | None = None,
        inherit_pothole_env: bool = True,
    ) -> None:
        """`inherit_pothole_env=False` drops the caller's POTHOLE_* variables (tests want none to leak in)."""
        self.database_url = database_url
        self.admin_key = admin_key
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        inherited = {
            k: v for k, v in os.environ.items() if inherit_pothole_env or not k.startswith("POTHOLE_")
        }
        self.env = (
            inherited
            | {
                "POTHOLE_DATABASE_URL": database_url,
                "POTHOLE_BOOTSTRAP_ADMIN_KEY": admin_key,
                "POTHOLE_MIGRATE_ON_START": migrate,
                "POTHOLE_LOAD_MODEL": "true" if load_model else "false",
                "POTHOLE_REQUIRE_MODEL": "true" if load_model else "false",
                "POTHOLE_LOG_LEVEL": "WARNING",
                "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
            }
            | (extra_env or {})
        )
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> ApiServer:
        """Launch and wait until /healthz answers."""
        return self.launch().wait_until_ready(timeout_s)

    def launch(self) -> ApiServer:
        """Start the process without waiting: several servers can boot side by side, then wait each."""
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            cmd, cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
        )
        return self

    def wait_until_ready(self, timeout_s: float = 60.0) -> ApiServer:
        if self.process is None:
            raise RuntimeError("launch() the server first")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"API exited with {self.process.returncode} at start-up (log: {self.log_path})"
                    + self._log_tail()
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"API did not answer /healthz within {timeout_s:.0f} s (log: {self.log_path})" + self._log_tail()
        )

    def _log_tail(self, chars: int = 4000) -> str:
        if self.log_path is None or not self.log_path.is_file():
            return ""
        return "\n" + self.log_path.read_text(errors="replace")[-chars:]

    def kill(self) -> None:
        """SIGKILL, no goodbye: what a crash or an OOM kill looks like to the clients."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self, key: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"X-API-Key": key or self.admin_key}, timeout=30.0)

    def put_camera(self, vehicle_id: str, camera: dict[str, Any]) -> None:
        with self.client() as client:
            response = client.put(f"/v1/vehicles/{vehicle_id}/camera", json=camera)
            response.raise_for_status()

    def potholes(self, bbox: tuple[float, float, float, float] | None = None) -> list[dict[str, Any]]:
        """Every pothole record (all statuses), following the pagination."""
        features: list[dict[str, Any]] = []
        with self.client() as client:
            offset = 0
            while True:
                params: dict[str, Any] = {"limit": 500, "offset": offset}
                if bbox:
                    params["bbox"] = ",".join(f"{v:.7f}" for v in bbox)
                response = client.get("/v1/potholes", params=params)
                response.raise_for_status()
                page = response.json().get("features", [])
                features += page
                if len(page) < 500:
                    return features
                offset += 500

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_edge_agent(
    args: Sequence[str],
    *,
    key: str | None = None,
    timeout_s: float = 600.0,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`pothole edge run ARGS` as a child process; returns its JSON summary (the last stdout line).

    The key travels in the child's environment (POTHOLE_API_KEY), never on its command line, where every
    user of the machine could read it. If this process is interrupted (Ctrl-C, SIGTERM turned into an
    exception), the agent is stopped before the exception goes on: no agent outlives its launcher.
    """
    if "--key" in args:
        raise ValueError("run_edge_agent: pass key=..., never '--key' (a key on argv is visible in ps)")
    cmd = [sys.executable, "-m", "pothole_cli", "edge", "run", *args]
    process = subprocess.Popen(
        cmd,
        cwd=PROJECT_ROOT,
        env=os.environ
        | {"OMP_NUM_THREADS": "1"}
        | ({"POTHOLE_API_KEY": key} if key is not None else {})
        | (env or {}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except BaseException:
        stop_process(process)
        raise
    if process.returncode != 0:
        raise RuntimeError(f"edge agent exited {process.returncode}: {stderr.strip()[-2000:]}")
    summary: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return summary


def stop_process(process: subprocess.Popen[Any], grace_s: float = 10.0) -> None:
    """SIGTERM (the agent flushes its outbox state), SIGKILL after `grace_s`; always reaped."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def passes_in_time_order(manifest: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(vehicle_id, pass) of a simulator manifest, in the order they were driven."""
    rows = [(v["vehicle_id"], p) for v in manifest["vehicles"] for p in v["passes"]]
    return sorted(rows, key=lambda row: row[1]["start_utc"])


def edge_run_args(
    recorded_pass: dict[str, Any], *, api_url: str, vehicle_id: str, queue_path: Path
) -> list[str]:
    """`pothole edge run` arguments for one simulated pass (the key goes to `run_edge_agent(key=...)`).

    The camera clock offset the simulator recorded is handed to the agent, as a vehicle box's
    configuration would be, so the agent undoes it.
    """
    return [
        "--source",
        recorded_pass["frames"],
        "--gps",
        recorded_pass["gps"],
        "--detections",
        recorded_pass["detections"],
        "--api",
        api_url,
        "--vehicle-id",
        vehicle_id,
        "--queue",
        str(queue_path),
        "--clock-offset-s",
        str(recorded_pass.get("clock_offset_s", 0.0)),
    ]


def replay_pass(
    recorded_pass: dict[str, Any], *, api_url: str, key: str, vehicle_id: str, queue_path: Path
) -> dict[str, Any]:
    """One simulated pass through a real `pothole edge run` process; returns the agent's summary."""
    return run_edge_agent(
        edge_run_args(recorded_pass, api_url=api_url, vehicle_id=vehicle_id, queue_path=queue_path), key=key
    )
