"""A real uvicorn server (temp SQLite, bootstrap admin key, Hwaseong layers) seeded over HTTP, and
Debian's Chromium driven by Playwright. Never `playwright install`: the browser comes from apt."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sim.harness import ApiServer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DIST_INDEX = PROJECT_ROOT / "api" / "static" / "dist" / "index.html"
CHROMIUM = os.environ.get("POTHOLE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SHARED_DIR = Path(os.environ.get("POTHOLE_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
SHARED_LAYERS = SHARED_DIR / "layers" / "hwaseong"
SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
ADMIN_KEY = "pw_test_admin_key_0123456789abcdef"

# Potholes in eight Hwaseong districts, far apart so de-duplication keeps them separate: at the
# Byeongjeom crossroads bus stop, the Dongtan lake park stop (busiest), beside a Namyang hospital, in
# Bongdam, at Dongtan station, then Hyangnam, Paltan and Songsan. Bigger boxes first, so the policy's
# size and bus-stop terms give different priorities. The first ASSIGNED_TO_CREW go to the crew's queue;
# the rest stay open, on the map only.
SEED_FIXES: tuple[tuple[float, float], ...] = (
    (37.20698, 127.03550), (37.16680, 127.10680), (37.21778, 126.83250), (37.19420, 126.92570),
    (37.19985, 127.09615), (37.10860, 126.92190), (37.14690, 126.87200), (37.24110, 126.71330),
)
ASSIGNED_TO_CREW = 5


@dataclass(frozen=True, slots=True)
class Server:
    """The running API: its base URL and the keys the tests sign in with."""

    base_url: str
    admin_key: str
    crew_key: str
    crew_name: str
    manager_key: str
    pothole_ids: tuple[int, ...]  # every seeded pothole
    crew_pothole_ids: tuple[int, ...]  # those whose orders are assigned to the crew

    def client(self, key: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers={"X-API-Key": key or self.admin_key}, timeout=30)


def _crop_jpeg_b64(seed: int) -> str:
    """A small synthetic road patch with a dark elliptical hole (what an edge box would send)."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    img = rng.integers(95, 125, size=(120, 180, 3), dtype=np.uint8)
    cv2.ellipse(img, (90, 64), (58, 26), 0, 0, 360, (28, 30, 32), -1)
    ok, jpeg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return base64.b64encode(jpeg.tobytes()).decode()


def _sighting(i: int, lat: float, lon: float, when: datetime) -> dict[str, Any]:
    return {
        "client_id": f"browser-seed-{i}",
        "captured_at": when.isoformat().replace("+00:00", "Z"),
        "gps": {"lat": lat, "lon": lon, "accuracy_m": 3.0, "heading_deg": 90.0, "speed_mps": 8.0},
        "frame_wh": [1920, 1080],
        "box_xyxy_px": [780.0 + 25 * i, 820.0, 1160.0 - 25 * i, 880.0],
        "confidence": 0.95,
        "model_id": "pw-browser-test",
        "pass_id": f"bus-7/{when:%Y-%m-%dT%H}",
        "crop_jpeg_b64": _crop_jpeg_b64(i),
    }


def _create_crew(env: dict[str, str], crew_id: str) -> None:
    command = [sys.executable, "-m", "pothole_cli", "crews", "create", crew_id]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"crews create {crew_id}: {done.stderr.strip()}")


def _create_key(env: dict[str, str], role: str, name: str) -> str:
    command = [sys.executable, "-m", "pothole_cli", "keys", "create", "--role", role, "--name", name]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"keys create --role {role}: {done.stderr.strip()}")
    return done.stdout.strip().splitlines()[-1]


def _seed(base_url: str, crew_name: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Sightings that confirm potholes (one high-confidence sighting each), then, as a manager would,
    assign some of their work orders to the crew. Returns (all pothole ids, the crew's)."""
    now = datetime.now(UTC)
    items = [_sighting(i, lat, lon, now - timedelta(days=len(SEED_FIXES) - i, minutes=5))
             for i, (lat, lon) in enumerate(SEED_FIXES)]
    with httpx.Client(base_url=base_url, headers={"X-API-Key": ADMIN_KEY}, timeout=60) as client:
        answer = client.post("/v1/sightings", json={"vehicle_id": "bus-7", "items": items})
        answer.raise_for_status()
        results = answer.json()["results"]
        assert all(r["status"] == "created" for r in results), results
        pothole_ids = tuple(int(r["pothole_id"]) for r in results)
        assert len(set(pothole_ids)) == len(SEED_FIXES), results
        for pothole_id in pothole_ids[:ASSIGNED_TO_CREW]:
            order = client.get(f"/v1/potholes/{pothole_id}").json()["work_order"]
            assert order is not None, f"pothole {pothole_id} got no work order"
            assigned = client.patch(f"/v1/work-orders/{order['id']}",
                                    json={"status": "assigned", "assignee": crew_name, "note": "seeded"})
            assigned.raise_for_status()
    return tuple(sorted(pothole_ids)), tuple(sorted(pothole_ids[:ASSIGNED_TO_CREW]))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is absent: `make browser-deps` installs Debian's chromium")
    if not DIST_INDEX.is_file():
        pytest.skip(f"{DIST_INDEX} is absent: `make web` builds the app")
    return CHROMIUM


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Server]:
    """uvicorn on a free loopback port with a temp SQLite DB; keys and data go in through the real API.

    The Hwaseong layers are loaded when ../shared is there (the district test asks for it explicitly)."""
    workdir = tmp_path_factory.mktemp("browser-server")
    layers_dir = SHARED_LAYERS if SHARED_LAYERS.is_dir() else None
    api = ApiServer(
        f"sqlite:///{workdir / 'pw.db'}",
        admin_key=ADMIN_KEY,
        migrate="upgrade",
        extra_env={
            **({"POTHOLE_LAYERS_DIR": str(layers_dir)} if layers_dir else {}),
            "POTHOLE_LOG_JSON": "false",
            "OMP_NUM_THREADS": "1",
        },
        log_path=workdir / "uvicorn.log",
        inherit_pothole_env=False,  # none of the caller's POTHOLE_* settings leak in
    )
    with api:
        for crew_id in ("crew-1", "crew-2"):  # the roster first: a crew key belongs to a crew of it
            _create_crew(api.env, crew_id)
        crew_key = _create_key(api.env, "crew", "crew-1")
        manager_key = _create_key(api.env, "manager", "manager-1")
        pothole_ids, crew_ids = _seed(api.url, "crew-1")
        yield Server(api.url, ADMIN_KEY, crew_key, "crew-1", manager_key, pothole_ids, crew_ids)


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    """A fresh English desktop tab (own sessionStorage) that fails the test on any script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 820}, locale="en-GB")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, f"script errors in the page: {errors}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def sign_in(page: Any, server: Server) -> Callable[[str], Any]:
    """Open the app and submit `key` in the sign-in form; returns the page."""

    def submit(key: str) -> Any:
        page.goto(f"{server.base_url}/")
        page.fill("#api-key", key)
        page.click("#signin-form button[type=submit]")
        return page

    return submit


@pytest.fixture
def crew_page(sign_in: Callable[[str], Any], server: Server) -> Any:
    page = sign_in(server.crew_key)
    page.wait_for_selector(".queue-item")
    return page

