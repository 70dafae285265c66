"""Frame sources for the agent, all through OpenCV: a video file, an image folder, a camera index, RTSP.

Each frame carries its capture time in UTC epoch seconds, because GPS matching is by time:
- image folder: `timestamps.csv` beside the images (`file,captured_at`) when present, else `--start-time`
  plus index / `--fps`;
- video file: `--start-time` plus the container's position (CAP_PROP_POS_MSEC);
- camera / RTSP: the wall clock when the frame arrives (the clock offset corrects a drifting camera).
A live stream that drops is reopened with exponential backoff up to `max_reconnects` times in a row.
"""

from __future__ import annotations

import csv
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from edge.errors import FrameSourceError
from edge.gps import parse_time_utc_s

__all__ = ["FrameSample", "open_source"]

log = logging.getLogger("pothole.edge.source")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
STREAM_PREFIXES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")


class Capture(Protocol):
    """What the live reader uses of cv2.VideoCapture (tests pass a scripted one)."""

    def isOpened(self) -> bool: ...

    def read(self) -> tuple[bool, Any]: ...

    def release(self) -> None: ...


def open_video_capture(target: int | str) -> Capture:
    """A camera index or a stream URL, opened by OpenCV."""
    return cv2.VideoCapture(target)


@dataclass(frozen=True, slots=True)
class FrameSample:
    """One decoded frame (BGR, HxWx3 uint8) and when it was taken."""

    image: np.ndarray
    index: int
    captured_utc_s: float
    name: str = ""


def _natural_key(path: Path) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def _iter_folder(folder: Path, start_utc_s: float, fps: float, every_n: int) -> Iterator[FrameSample]:
    stamps: dict[str, float] = {}
    sidecar = folder / "timestamps.csv"
    if sidecar.is_file():
        with sidecar.open(newline="") as handle:
            for row in csv.DictReader(handle):
                stamps[row["file"]] = parse_time_utc_s(row["captured_at"])
    files = sorted((p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES), key=_natural_key)
    if not files:
        raise FrameSourceError(f"--source: {folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
    for index, path in enumerate(files):
        if index % every_n:
            continue
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            log.warning("skipping %s: not a decodable image", path)
            continue
        captured = stamps.get(path.name, start_utc_s + index / fps)
        yield FrameSample(image=image, index=index, captured_utc_s=captured, name=path.name)


def _iter_video(path: Path, start_utc_s: float, every_n: int) -> Iterator[FrameSample]:
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise FrameSourceError(f"--source: OpenCV cannot open video {path}")
    fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
    index = 0
    try:
        while True:
            ok, image = capture.read()
            if not ok:
                break
            if index % every_n == 0:
                pos_ms = capture.get(cv2.CAP_PROP_POS_MSEC)
                offset_s = pos_ms / 1000.0 if pos_ms > 0 or fps <= 0 else index / fps
                yield FrameSample(
                    image=image,
                    index=index,
                    captured_utc_s=start_utc_s + offset_s,
                    name=f"{path.name}#{index}",
                )
            index += 1
    finally:
        capture.release()


def _iter_live(
    target: int | str,
    every_n: int,
    max_reconnects: int,
    open_capture: Callable[[int | str], Capture],
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> Iterator[FrameSample]:
    """Wall-clock stamped frames; reopen a dropped stream with backoff 0.5, 1, 2, ... 30 s.

    A camera that never opens is an error; one that worked and then stays away for `max_reconnects`
    attempts in a row ends the source, so the agent finishes its tracks and drains its outbox.
    """
    failures = 0
    index = 0
    while True:
        capture = open_capture(target)
        if capture.isOpened():
            try:
                while True:
                    ok, image = capture.read()
                    if not ok:
                        break
                    failures = 0
                    if index % every_n == 0:
                        yield FrameSample(
                            image=image, index=index, captured_utc_s=clock(), name=f"live#{index}"
                        )
                    index += 1
            finally:
                capture.release()
        failures += 1
        if failures > max_reconnects:
            if index == 0:
                raise FrameSourceError(f"--source: {target} did not open after {max_reconnects} attempts")
            log.warning("stream %s gone; giving up after %d reconnects", target, max_reconnects)
            return
        delay_s = min(30.0, 0.5 * 2 ** (failures - 1))
        log.warning(
            "stream %s dropped or not open (frame %d); retry %d/%d in %.1f s",
            target,
            index,
            failures,
            max_reconnects,
            delay_s,
        )
        sleep(delay_s)


def open_source(
    spec: str,
    *,
    start_utc_s: float | None = None,
    fps: float = 10.0,
    every_n: int = 1,
    max_reconnects: int = 20,
    open_capture: Callable[[int | str], Capture] = open_video_capture,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[FrameSample]:
    """Pick the reader: a digit is a camera index, a URL a stream, else a folder or a video file."""
    if every_n < 1:
        raise FrameSourceError(f"--every-n: {every_n} must be >= 1")
    if fps <= 0:
        raise FrameSourceError(f"--fps: {fps} must be > 0")
    if spec.isdigit():
        return _iter_live(int(spec), every_n, max_reconnects, open_capture, clock, sleep)
    if spec.lower().startswith(STREAM_PREFIXES):
        return _iter_live(spec, every_n, max_reconnects, open_capture, clock, sleep)
    path = Path(spec)
    if path.is_dir():
        has_sidecar = (path / "timestamps.csv").is_file()
        if start_utc_s is None and not has_sidecar:
            raise FrameSourceError(f"--start-time: needed for {spec} (no timestamps.csv beside the images)")
        return _iter_folder(path, start_utc_s or 0.0, fps, every_n)
    if path.is_file():
        if start_utc_s is None:
            raise FrameSourceError(f"--start-time: needed to put the frames of {spec} on the GPS clock")
        return _iter_video(path, start_utc_s, every_n)
    raise FrameSourceError(f"--source: {spec} is not a camera index, stream URL, folder or video file")
