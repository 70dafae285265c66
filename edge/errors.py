"""The edge agent's error tree: each one names the argument or file at fault, so the CLI can exit 2."""

from __future__ import annotations

__all__ = ["EdgeError", "FrameSourceError", "GpsSourceError"]


class EdgeError(Exception):
    """Base for failures an operator can fix (bad path, bad option); the CLI prints it on one line."""


class GpsSourceError(EdgeError):
    """A GPS log or port that cannot be read or holds no usable fix."""


class FrameSourceError(EdgeError):
    """A video, camera, stream or image folder that cannot be opened."""
