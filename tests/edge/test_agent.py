"""The agent loop with a fake detector: one report per pothole per pass, best frame, gaps, frames mode."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from edge_factories import T0, approaching, make_frame, straight_fixes

from edge.agent import Agent, AgentConfig, Mode
from edge.outbox import Outbox
from edge.privacy import UploadPolicy
from edge.replay import ReplayDetection
from edge.sources import FrameSample
from edge.timesync import Timeline


class FakeDetector:
    """Frames 0-11: one pothole approaching; frame 20: a one-frame false positive."""

    def __call__(self, frame: FrameSample) -> list[ReplayDetection]:
        if frame.index < 12:
            return [approaching(frame.index)]
        if frame.index == 20:
            return [ReplayDetection((100.0, 500.0, 160.0, 525.0), 0.9)]
        return []


def run_agent(
    tmp_path: Path, frames: int = 30, *, fixes: list | None = None, **config: object
) -> tuple[Agent, list[dict]]:
    outbox = Outbox(tmp_path / "q.db")
    timeline = Timeline(fixes if fixes is not None else straight_fixes(60))
    agent = Agent(
        AgentConfig(**({"vehicle_id": "bus-1", "model_id": "m-1"} | config)),  # type: ignore[arg-type]
        timeline=timeline,
        outbox=outbox,
        detect=FakeDetector(),
    )
    for i in range(frames):
        agent.process(make_frame(i))
    agent.finish()
    items = [
        {"kind": k, **i.body, "blob": i.blob}
        for k in ("sighting", "pass", "frame")
        for i in outbox.due(k, limit=1000)
    ]
    outbox.close()
    return agent, items


def test_one_sighting_per_track_from_its_best_frame(tmp_path: Path) -> None:
    agent, items = run_agent(tmp_path)
    sightings = [i for i in items if i["kind"] == "sighting"]
    assert len(sightings) == 1  # the 12-frame track; the one-frame false positive is below min_hits
    sighting = sightings[0]
    best = approaching(11)  # lowest in the frame, highest confidence: the best frame to geolocate
    assert sighting["box_xyxy_px"] == [round(v, 2) for v in best.xyxy_px]
    assert sighting["captured_at"] == "2026-11-18T11:06:41.100Z"
    assert sighting["gps"]["lat"] == pytest.approx(straight_fixes(60)[11].lat)
    assert sighting["frame_wh"] == [1280, 720] and sighting["model_id"] == "m-1"
    assert sighting["pass_id"].startswith("2026-11-18T11:06:40Z/")
    assert agent.stats.tracks == 2 and agent.stats.tracks_too_short == 1
    crop = cv2.imdecode(np.frombuffer(sighting["blob"], np.uint8), cv2.IMREAD_COLOR)
    assert crop is not None and crop.shape[0] < 720  # a crop, never the frame


def test_the_pass_track_is_queued(tmp_path: Path) -> None:
    _, items = run_agent(tmp_path)
    (pas,) = [i for i in items if i["kind"] == "pass"]
    assert pas["started_at"] == "2026-11-18T11:06:40.000Z" and pas["ended_at"] == "2026-11-18T11:06:42.900Z"
    assert len(pas["track"]) >= 2 and set(pas["track"][0]) == {"lat", "lon", "t"}
    # The pass report is keyed by the pass id its sightings carry: the API folds them by that key.
    (sighting,) = [i for i in items if i["kind"] == "sighting"]
    assert pas["client_id"] == sighting["pass_id"]
    assert re.fullmatch(r"2026-11-18T11:06:40Z/[0-9a-f]{16}", pas["client_id"])  # start + random bits


def test_pass_ids_are_unguessable_and_one_per_pass(tmp_path: Path) -> None:
    """Two runs over the same drive (same vehicle, same times) never share a pass id, so no one can post
    a pass under another's id; within a run, the id is drawn once and every item of the pass carries it."""
    ids = []
    for run in ("a", "b"):
        _, items = run_agent(tmp_path / run)
        ids.append({i["pass_id"] for i in items if i["kind"] == "sighting"} | {
            i["client_id"] for i in items if i["kind"] == "pass"
        })
    assert len(ids[0]) == len(ids[1]) == 1 and ids[0] != ids[1]


def test_no_fix_no_report(tmp_path: Path) -> None:
    fixes = [f for f in straight_fixes(60) if f.t_utc_s > T0 + 3.0]  # GPS starts after the pothole
    agent, items = run_agent(tmp_path, fixes=fixes)
    assert [i for i in items if i["kind"] == "sighting"] == []
    assert agent.stats.tracks_without_fix == 1
    assert any("before the first" in reason for reason in agent.stats.gap_reasons)


@pytest.mark.parametrize(
    ("policy", "has_blob"),
    [(UploadPolicy.CROP, True), (UploadPolicy.BLURRED_FRAME, True), (UploadPolicy.NONE, False)],
    ids=str,
)
def test_upload_policy_decides_the_pixels(tmp_path: Path, policy: UploadPolicy, has_blob: bool) -> None:
    _, items = run_agent(tmp_path, upload=policy)
    (sighting,) = [i for i in items if i["kind"] == "sighting"]
    assert (sighting["blob"] is not None) == has_blob
    if policy is UploadPolicy.BLURRED_FRAME:
        image = cv2.imdecode(np.frombuffer(sighting["blob"], np.uint8), cv2.IMREAD_COLOR)
        assert image.shape[1] == 640


def test_frames_mode_is_rate_limited_and_skips_frames_without_fix(tmp_path: Path) -> None:
    fixes = [f for f in straight_fixes(60) if not T0 + 1.05 < f.t_utc_s < T0 + 4.0]
    agent, items = run_agent(tmp_path, frames=40, fixes=fixes, mode=Mode.FRAMES, frames_max_fps=2.0)
    frames = [i for i in items if i["kind"] == "frame"]
    assert [f["captured_at"][17:23] for f in frames] == [
        "40.000",
        "40.500",
        "41.000",
        "44.000",
        "44.500",
        "45.000",
        "45.500",
    ][: len(frames)]
    assert agent.stats.frames_without_fix > 0 and agent.stats.frames_skipped_rate > 0
    assert set(frames[0]) >= {"client_id", "vehicle_id", "captured_at", "gps"}
    assert json.dumps(frames[0]["gps"])  # serialisable metadata for the multipart form


def test_crop_bytes_survive_base64(tmp_path: Path) -> None:
    _, items = run_agent(tmp_path)
    (sighting,) = [i for i in items if i["kind"] == "sighting"]
    assert base64.b64decode(base64.b64encode(sighting["blob"])) == sighting["blob"]


def test_frames_wait_for_a_lagging_live_receiver(tmp_path: Path) -> None:
    """Live: the fix after a frame arrives later; the frame waits for it instead of being dropped."""
    fixes = straight_fixes(60)
    timeline = Timeline(fixes[:5])  # the receiver has delivered up to T0 + 0.4 s so far
    clock = [0.0]
    with Outbox(tmp_path / "q.db") as outbox:
        agent = Agent(
            AgentConfig(vehicle_id="bus-1", mode=Mode.FRAMES, frames_max_fps=10.0),
            timeline=timeline,
            outbox=outbox,
            detect=None,
            clock=lambda: clock[0],
        )
        agent.process(make_frame(10))  # T0 + 1.0 s: ahead of the GPS
        assert outbox.pending()["frame"] == 0 and agent.stats.frames_without_fix == 0
        for fix in fixes[5:15]:
            timeline.append(fix)
        agent.process(make_frame(20))  # T0 + 2.0 s
        assert outbox.pending()["frame"] == 1  # frame 10 is now covered and queued; frame 20 waits
        clock[0] = 10.0  # gps_wait_s later the receiver is still silent: frame 20 is a flagged gap
        agent.process(make_frame(30))
        agent.finish()
        assert outbox.pending()["frame"] == 1 and agent.stats.frames_without_fix == 2


def test_a_body_the_api_would_refuse_is_counted_not_queued(tmp_path: Path) -> None:
    """A space is not allowed in a vehicle id (common.contract.VehicleId): the pass report is not queued."""
    agent, items = run_agent(tmp_path, vehicle_id="bus 1")
    assert [i["kind"] for i in items] == ["sighting"]
    assert agent.stats.bodies_invalid == 1 and agent.stats.passes_queued == 0
