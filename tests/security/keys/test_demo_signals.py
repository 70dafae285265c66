"""`make demo` stops every child on SIGTERM and SIGINT, and no child carries a key on its command line.

The demo's launcher runs in a subprocess on a folder of its own; once an edge agent is running (the API is
up by then), the signal goes to the launcher alone, as `kill` or make's forwarding sends it. Every
process that descended from the launcher must be gone when it exits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sim.harness import PROJECT_ROOT, free_port

pytestmark = pytest.mark.slow


def children_of(pid: int) -> dict[int, list[str]]:
    """Every live descendant of `pid` (by /proc parent links) with its command line."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: dict[int, list[str]] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                try:
                    found[child] = (Path("/proc") / str(child) / "cmdline").read_bytes().decode().split("\0")
                except OSError:
                    continue
                frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_stops_the_api_and_the_agents(signum: int, tmp_path: Path) -> None:
    port = free_port()
    env = os.environ | {
        "POTHOLE_WEIGHTS": str(tmp_path / "no-model.onnx"),  # no model: the patrol starts sooner
        "OMP_NUM_THREADS": "1",
    }
    env.pop("POTHOLE_API_KEY", None)
    launcher = subprocess.Popen(
        [sys.executable, "-m", "scripts.demo", "--port", str(port), "--dir", str(tmp_path / "demo")],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=(tmp_path / "demo.out").open("wb"),
        stderr=subprocess.STDOUT,
    )
    seen: dict[int, list[str]] = {}
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and launcher.poll() is None:
            seen |= children_of(launcher.pid)
            if any("edge" in argv and "run" in argv for argv in seen.values()):
                break
            time.sleep(0.1)
        assert launcher.poll() is None, (tmp_path / "demo.out").read_text()[-3000:]
        agents = [argv for argv in seen.values() if "edge" in argv and "run" in argv]
        assert agents, f"no edge agent started: {seen}"
        assert any("uvicorn" in argv for argv in seen.values())
        for argv in seen.values():  # nothing secret on any command line (ps shows them to every user)
            assert "--key" not in argv and not any(a.startswith(("pw_", "demo-")) for a in argv), argv

        launcher.send_signal(signum)
        assert launcher.wait(timeout=60) == 128 + signum
        survivors = {pid: argv for pid, argv in seen.items() if alive(pid)}
        assert not survivors, survivors
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2.0)
        assert "stopped (" in (tmp_path / "demo.out").read_text()
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
        for pid in seen:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
