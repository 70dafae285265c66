"""Frames from images, folders, globs and videos (every Nth frame, with timestamps): the only video I/O."""

from __future__ import annotations

import glob
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from detector.errors import FrameDecodeError, SourceNotFoundError

__all__ = [
    "IMAGE_SUFFIXES",
    "VIDEO_SUFFIXES",
    "Frame",
    "SkippedSource",
    "count_frames",
    "decode_image",
    "expand_sources",
    "is_video",
    "iter_frames",
]

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".m4v", ".webm", ".mpg", ".mpeg"})


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame. `index` counts frames within its video (0 for an image); `timestamp_s` is the
    position in the video (None for still images)."""

    image: np.ndarray
    source: str
    index: int
    timestamp_s: float | None


@dataclass(frozen=True, slots=True)
class SkippedSource:
    """A source that could not be decoded: reported and counted, never fatal."""

    source: str
    reason: str


def decode_image(data: bytes, *, name: str = "image") -> np.ndarray:
    """JPEG/PNG/... bytes (an upload) -> HxWx3 uint8 BGR; FrameDecodeError naming `name` otherwise."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(buffer, cv2.IMREAD_COLOR) if buffer.size else None
    if image is None:
        raise FrameDecodeError(f"{name}: {len(data)} bytes are not a decodable image")
    return image


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES


def expand_sources(sources: Sequence[str | Path]) -> list[Path]:
    """Paths, folders (their images and videos, sorted) and globs -> files, in the order given.

    Raises SourceNotFoundError naming the first source that matches nothing, before any work starts.
    """
    files: list[Path] = []
    for source in sources:
        text = str(source)
        path = Path(text).expanduser()
        if path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES | VIDEO_SUFFIXES
            )
            if not found:
                raise SourceNotFoundError(f"SOURCE {text}: folder has no images or videos")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif glob.has_magic(text):
            found = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
            if not found:
                raise SourceNotFoundError(f"SOURCE {text}: glob matches no files")
            files.extend(found)
        else:
            raise SourceNotFoundError(f"SOURCE {text}: no such file or folder")
    return files


def count_frames(paths: Sequence[Path], every_n: int = 1) -> int:
    """Frames `iter_frames` will yield (video lengths from the container, so an estimate for videos)."""
    total = 0
    for path in paths:
        if is_video(path):
            capture = cv2.VideoCapture(str(path))
            frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if capture.isOpened() else 0
            capture.release()
            total += (max(frames, 0) + every_n - 1) // every_n
        else:
            total += 1
    return total


def iter_frames(sources: Sequence[str | Path], every_n: int = 1) -> Iterator[Frame | SkippedSource]:
    """Frames from every source in order; undecodable files come out as SkippedSource."""
    if every_n < 1:
        raise ValueError(f"every_n={every_n} must be at least 1")
    for path in expand_sources(sources):
        if is_video(path):
            yield from _video_frames(path, every_n)
            continue
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            yield SkippedSource(str(path), "not a decodable image")
        else:
            yield Frame(image=image, source=str(path), index=0, timestamp_s=None)


def _video_frames(path: Path, every_n: int) -> Iterator[Frame | SkippedSource]:
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        yield SkippedSource(str(path), "not a decodable video")
        return
    try:
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        index = 0
        decoded_any = False
        while True:
            if index % every_n:
                if not capture.grab():  # skipped frames are grabbed, not decoded
                    break
                index += 1
                continue
            ok, image = capture.read()
            if not ok:
                break
            decoded_any = True
            position_ms = capture.get(cv2.CAP_PROP_POS_MSEC)
            timestamp_s = index / fps if fps > 0 else (position_ms / 1000.0 if position_ms >= 0 else None)
            yield Frame(image=image, source=str(path), index=index, timestamp_s=timestamp_s)
            index += 1
        if not decoded_any:
            yield SkippedSource(str(path), "video has no decodable frames")
    finally:
        capture.release()
