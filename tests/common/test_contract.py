"""The wire contract: what the agent queues is what the API accepts, box clipping, times on the wire."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from common.contract import (
    FrameMetaIn,
    GpsIn,
    PassIn,
    SightingBatchIn,
    SightingIn,
    TrackPoint,
    clip_box,
    format_time_utc,
    wire_json,
)
from common.gps import GpsFix

T0 = 1_795_000_000.0  # 2026-11-18T11:06:40Z
ADMIN_KEY = "contract-admin-key"


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ((10.0, 20.0, 110.0, 70.0), (10.0, 20.0, 110.0, 70.0)),
        ((-15.0, 600.0, 40.0, 740.0), (0.0, 600.0, 40.0, 720.0)),
        ((1279.5, 10.0, 1300.0, 50.0), None),
        ((1400.0, 10.0, 1500.0, 50.0), None),
    ],
    ids=["inside", "overhang-cut", "sliver-dropped", "outside"],
)
def test_clip_box_cuts_to_the_frame_and_drops_slivers(
    box: tuple[float, float, float, float], expected: tuple[float, float, float, float] | None
) -> None:
    assert clip_box(box, (1280, 720)) == expected


def test_a_clipped_box_is_one_the_contract_takes() -> None:
    box = clip_box((-3.0, 700.0, 1290.0, 800.0), (1280, 720))
    assert box is not None
    SightingIn(
        client_id="c-1",
        captured_at=dt.datetime.now(dt.UTC),
        gps=GpsIn(lat=37.2, lon=126.83),
        frame_wh=(1280, 720),
        box_xyxy_px=box,
        confidence=0.5,
    )


def test_times_go_on_the_wire_as_utc_milliseconds() -> None:
    seoul = dt.datetime(2026, 11, 18, 20, 6, 40, 123456, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    point = TrackPoint(lat=37.2, lon=126.83, t=seoul)
    assert wire_json(point)["t"] == "2026-11-18T11:06:40.123Z"
    assert format_time_utc(T0 + 0.5) == "2026-11-18T11:06:40.500Z"


def test_only_what_the_receiver_measured_is_sent() -> None:
    body = wire_json(GpsIn.from_fix(GpsFix(T0, 37.123456789, 126.83, heading_deg=87.12345)))
    assert body == {"lat": 37.12345679, "lon": 126.83, "heading_deg": 87.123}


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        TrackPoint(lat=37.2, lon=126.83, t=dt.datetime(2026, 11, 18, 11, 6, 40))


# -- the agent's bodies against the real API ---------------------------------------------------------------


class _Approaching:
    """One pothole sliding down the frame over 12 frames, as a forward camera sees it."""

    def __call__(self, frame: object) -> list[object]:
        from edge.replay import ReplayDetection

        index = frame.index  # type: ignore[attr-defined]
        if index >= 12:
            return []
        y = 380.0 + 4.0 * index + 1.5 * index**2
        size = 10.0 + 3.0 * index
        return [ReplayDetection((600.0 - size, y, 600.0 + size, y + size / 3), 0.5 + 0.03 * index)]


def _queue_one_patrol(queue_path: Path) -> None:
    """Frames 0-29 driving north at 10 m/s: one sighting and one pass into the outbox."""
    from edge.agent import Agent, AgentConfig
    from edge.outbox import Outbox
    from edge.sources import FrameSample
    from edge.timesync import Timeline

    start = dt.datetime.now(dt.UTC).timestamp() - 3600.0  # recent, never in the future
    fixes = [
        GpsFix(start + i / 10, 37.2 + i / 10 * 10.0 / 110_960.0, 126.83, 4.9, 0.0, 10.0) for i in range(60)
    ]
    rng = np.random.default_rng(0)
    with Outbox(queue_path) as outbox:
        agent = Agent(
            AgentConfig(vehicle_id="bus-1", model_id="m-1"),
            timeline=Timeline(fixes),
            outbox=outbox,
            detect=_Approaching(),
        )
        for index in range(30):
            image = rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8)
            agent.process(FrameSample(image, index, start + index / 10, f"{index:06d}.jpg"))
        stats = agent.finish()
    assert (stats.sightings_queued, stats.passes_queued, stats.bodies_invalid) == (1, 1, 0)


def test_what_the_agent_queues_the_api_stores(tmp_path: Path) -> None:
    pytest.importorskip("api.main", reason="the API package is not importable here")
    from fastapi.testclient import TestClient

    from api.config import Settings
    from api.main import create_app
    from edge.outbox import Outbox
    from edge.uploader import Uploader

    _queue_one_patrol(tmp_path / "q.db")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'api.db'}",
        migrate_on_start="create_all",
        load_model=False,
        bootstrap_admin_key=ADMIN_KEY,
        layers_dir=None,
        log_level="WARNING",
    )
    with Outbox(tmp_path / "q.db") as outbox, TestClient(create_app(settings)) as client:
        client.headers["X-API-Key"] = ADMIN_KEY
        for item in outbox.due("sighting", limit=10):
            SightingIn.model_validate(item.body)
        for item in outbox.due("pass", limit=10):
            PassIn.model_validate(item.body)
        assert Uploader(outbox, client).drain(timeout_s=30)
        assert outbox.dead_items() == []
        assert outbox.counters()["acked_created"] == 2
        potholes = client.get("/v1/potholes").json()["features"]
    assert len(potholes) == 1


def test_the_api_validates_with_the_contract_models() -> None:
    pytest.importorskip("api.main", reason="the API package is not importable here")
    from api.ingest import routes

    assert routes.SightingBatchIn is SightingBatchIn
    assert routes.FrameMetaIn is FrameMetaIn
    assert routes.PassIn is PassIn
