"""The tracker on the motion a forward camera sees: potholes slide down and grow, often without overlap."""

from __future__ import annotations

import pytest
from edge_factories import approaching

from edge.replay import ReplayDetection
from edge.tracker import Tracker, iou


def run(tracker: Tracker, per_frame: list[list[ReplayDetection]]) -> list[int]:
    ended = []
    for index, found in enumerate(per_frame):
        ended += [len(t.observations) for t in tracker.update(index, index * 0.1, found)]
    return ended + [len(t.observations) for t in tracker.flush()]


def test_one_approaching_pothole_is_one_track_even_without_overlap() -> None:
    frames = [[approaching(i)] for i in range(14)]
    assert iou(frames[10][0].xyxy_px, frames[11][0].xyxy_px) == 0.0  # IoU alone would split it
    assert run(Tracker(), frames) == [14]


def test_two_potholes_side_by_side_stay_apart() -> None:
    frames = [[approaching(i, x_px=400.0), approaching(i, x_px=900.0)] for i in range(10)]
    assert run(Tracker(), frames) == [10, 10]


@pytest.mark.parametrize(("gap_frames", "expected"), [(2, [10]), (6, [4, 5])], ids=["short-miss", "lost"])
def test_missed_frames_keep_or_end_the_track(gap_frames: int, expected: list[int]) -> None:
    frames = [[approaching(i)] for i in range(4)] + [[] for _ in range(gap_frames)]
    frames += [
        [approaching(i)] for i in range(4 + gap_frames, 4 + gap_frames + (6 if gap_frames == 2 else 5))
    ]
    assert run(Tracker(max_misses=4), frames) == expected


def test_a_far_away_detection_starts_a_new_track() -> None:
    frames = [[approaching(0)], [ReplayDetection((10.0, 600.0, 60.0, 620.0), 0.4)]]
    assert sorted(run(Tracker(), frames)) == [1, 1]


def test_update_never_mutates_the_callers_detections() -> None:
    found = (approaching(0),)
    Tracker().update(0, 0.0, found)
    assert found == (approaching(0),)
