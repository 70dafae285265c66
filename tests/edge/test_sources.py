"""Frame sources: image folders with and without timestamps, a video file, and a stream that drops."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from edge_factories import T0

from edge.errors import FrameSourceError
from edge.sources import open_source


def write_images(folder: Path, n: int) -> None:
    folder.mkdir()
    for i in range(n):
        cv2.imwrite(str(folder / f"img{i}.jpg"), np.full((48, 64, 3), i * 20, np.uint8))


def test_folder_uses_timestamps_csv_and_natural_order(tmp_path: Path) -> None:
    write_images(tmp_path / "f", 11)
    rows = "\n".join(f"img{i}.jpg,2026-11-25T10:00:{i:02d}Z" for i in range(11))
    (tmp_path / "f" / "timestamps.csv").write_text("file,captured_at\n" + rows + "\n")
    frames = list(open_source(str(tmp_path / "f")))
    assert [f.name for f in frames][:3] == ["img0.jpg", "img1.jpg", "img2.jpg"]
    assert frames[10].name == "img10.jpg" and frames[10].captured_utc_s - frames[0].captured_utc_s == 10.0


def test_folder_without_timestamps_needs_a_start_time(tmp_path: Path) -> None:
    write_images(tmp_path / "f", 3)
    with pytest.raises(FrameSourceError, match="--start-time"):
        open_source(str(tmp_path / "f"))
    frames = list(open_source(str(tmp_path / "f"), start_utc_s=T0, fps=2.0, every_n=2))
    assert [(f.index, f.captured_utc_s - T0) for f in frames] == [(0, 0.0), (2, 1.0)]


def test_video_file_frames_carry_their_position_in_time(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (64, 48))
    for i in range(10):
        writer.write(np.full((48, 64, 3), i * 20, np.uint8))
    writer.release()
    frames = list(open_source(str(path), start_utc_s=T0))
    assert len(frames) == 10
    assert frames[5].captured_utc_s - T0 == pytest.approx(0.5, abs=0.11)


class DroppingCapture:
    """Opens #1, #3 and #4 give 3 frames each then drop (a blinking link); #2 and #5+ do not open."""

    opened: list[object] = []

    def __init__(self, target: object) -> None:
        DroppingCapture.opened.append(target)
        self.ok = len(DroppingCapture.opened) in (1, 3, 4)
        self.left = 3 if self.ok else 0

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return self.ok

    def read(self) -> tuple[bool, np.ndarray | None]:
        if self.left == 0:
            return False, None
        self.left -= 1
        return True, np.zeros((8, 8, 3), np.uint8)

    def release(self) -> None:
        pass


def test_a_dropped_stream_is_reopened_with_backoff_then_given_up() -> None:
    DroppingCapture.opened = []
    sleeps: list[float] = []
    frames = list(
        open_source(
            "rtsp://camera/stream",
            max_reconnects=3,
            open_capture=DroppingCapture,
            clock=lambda: T0,
            sleep=sleeps.append,
        )
    )
    assert [f.index for f in frames] == list(range(9))  # 3 + 3 + 3 across two reconnections
    assert sleeps == [0.5, 1.0, 0.5, 0.5, 1.0, 2.0]  # backoff grows while the stream stays away
    assert len(DroppingCapture.opened) == 7


def test_a_camera_that_never_opens_is_an_error() -> None:
    class Closed(DroppingCapture):
        def __init__(self, target: object) -> None:
            self.ok, self.left = False, 0

    with pytest.raises(FrameSourceError, match="did not open"):
        list(open_source("0", max_reconnects=2, open_capture=Closed, sleep=lambda s: None))


@pytest.mark.parametrize("spec", ["/no/such/thing", "nonsense.mp4"])
def test_unknown_sources_are_refused_with_the_argument_named(spec: str) -> None:
    with pytest.raises(FrameSourceError, match="--source"):
        open_source(spec)
