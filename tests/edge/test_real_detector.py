"""The agent with the real ONNX detector (the detector tests' tiny exported model) on real dashcam frames."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import pytest
from edge_factories import T0, straight_fixes

from edge.agent import Agent, AgentConfig
from edge.outbox import Outbox
from edge.runner import RunOptions, load_detector
from edge.sources import FrameSample
from edge.timesync import Timeline

DETECTOR_TESTS = Path(__file__).resolve().parents[1] / "detector"


@pytest.mark.slow
def test_agent_runs_the_onnx_detector_on_dashcam_frames(shared_dir: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(DETECTOR_TESTS))
    try:
        from tiny_yolo_models import build_test_models
    except ImportError:
        pytest.skip("the detector tests' tiny model builder is not available")
    finally:
        sys.path.remove(str(DETECTOR_TESTS))
    onnx = build_test_models(shared_dir).fixed_onnx
    options = RunOptions(
        source="",
        gps="",
        api_url="http://x",
        key="k",
        vehicle_id="bus-1",
        queue_path=tmp_path / "q.db",
        weights=onnx,
        threads=1,
    )
    detect, model_id = load_detector(options)
    assert detect is not None and model_id
    images = sorted((shared_dir / "datasets" / "dnit-rs-es" / "images" / "test").glob("*.jpg"))[:6]
    with Outbox(tmp_path / "q.db") as outbox:
        agent = Agent(
            AgentConfig(vehicle_id="bus-1", model_id=model_id, min_confidence=0.0, min_hits=1),
            timeline=Timeline(straight_fixes(60)),
            outbox=outbox,
            detect=detect,
        )
        for i, path in enumerate(images):
            agent.process(FrameSample(cv2.imread(str(path)), i, T0 + i * 0.1, path.name))
        stats = agent.finish()
        assert stats.frames == 6
        for item in outbox.due("sighting", limit=500):  # whatever the tiny model found is well-formed
            x1, y1, x2, y2 = item.body["box_xyxy_px"]
            assert 0 <= x1 < x2 <= 1024 and 0 <= y1 < y2 <= 640 and item.body["model_id"] == model_id
