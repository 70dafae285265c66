"""Frames meet fixes: time matching with linear interpolation, a clock offset, and gaps flagged.

A frame taken at camera time t is matched at GPS time t + clock_offset_s. Position, accuracy and speed are
interpolated linearly between the two bracketing fixes and heading along the shorter arc. When the
bracketing fixes are further apart than `max_gap_s`, or t lies outside the log, the answer is a gap: a
`FixMatch` with `fix=None` and the reason, never an extrapolated guess. A heading that is missing or
measured too slowly follows `common.gps.heading_of` over the fixes before the frame, the rule the API
places sightings with.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace

from common.gps import HEADING_MAX_AGE_S, GpsFix, heading_of, needs_track_heading

__all__ = ["FixMatch", "Timeline"]


def _lerp(a: float | None, b: float | None, w: float) -> float | None:
    if a is None or b is None:
        return a if b is None else b
    return a + (b - a) * w


def _lerp_angle_deg(a: float | None, b: float | None, w: float) -> float | None:
    if a is None or b is None:
        return None
    delta = (b - a + 180.0) % 360.0 - 180.0
    return (a + delta * w) % 360.0


@dataclass(frozen=True, slots=True)
class FixMatch:
    """The fix for one frame time, or `fix=None` with `gap_reason` saying why none was given."""

    t_utc_s: float
    fix: GpsFix | None
    gap_reason: str | None = None


class Timeline:
    """Fixes sorted by time; appendable from a live reader thread while the agent matches frames."""

    def __init__(
        self,
        fixes: Iterable[GpsFix] = (),
        *,
        clock_offset_s: float = 0.0,
        max_gap_s: float = 2.0,
    ) -> None:
        if max_gap_s <= 0:
            raise ValueError(f"max_gap_s={max_gap_s} must be > 0")
        self.clock_offset_s = clock_offset_s
        self.max_gap_s = max_gap_s
        self._fixes: list[GpsFix] = []
        self._times: list[float] = []
        self._lock = threading.Lock()
        for fix in sorted(fixes, key=lambda f: f.t_utc_s):
            self.append(fix)

    def __len__(self) -> int:
        return len(self._fixes)

    def append(self, fix: GpsFix) -> None:
        """Add a fix; an out-of-order or repeated timestamp (serial glitch) is dropped."""
        with self._lock:
            if self._times and fix.t_utc_s <= self._times[-1]:
                return
            self._fixes.append(fix)
            self._times.append(fix.t_utc_s)

    @property
    def last_t_utc_s(self) -> float | None:
        return self._times[-1] if self._times else None

    def fixes_between(self, start_utc_s: float, end_utc_s: float) -> list[GpsFix]:
        with self._lock:
            lo = bisect.bisect_left(self._times, start_utc_s)
            hi = bisect.bisect_right(self._times, end_utc_s)
            return self._fixes[lo:hi]

    def match(self, camera_t_s: float) -> FixMatch:
        """Interpolated fix at camera time `camera_t_s` (shifted by the clock offset), or a flagged gap."""
        t = camera_t_s + self.clock_offset_s
        with self._lock:
            times, fixes = self._times, self._fixes
            if not times:
                return FixMatch(t, None, "no GPS fix received yet")
            i = bisect.bisect_left(times, t)
            if i < len(times) and times[i] == t:
                before = after = fixes[i]
            elif i == 0 or i == len(times):
                side = "before the first" if i == 0 else "after the last"
                return FixMatch(t, None, f"frame time is {side} GPS fix")
            else:
                before, after = fixes[i - 1], fixes[i]
        span_s = after.t_utc_s - before.t_utc_s
        if span_s > self.max_gap_s:
            return FixMatch(
                t, None, f"GPS gap of {span_s:.1f} s around the frame (max_gap_s={self.max_gap_s})"
            )
        w = 0.0 if span_s == 0 else (t - before.t_utc_s) / span_s
        fix = GpsFix(
            t_utc_s=t,
            lat=before.lat + (after.lat - before.lat) * w,
            lon=before.lon + (after.lon - before.lon) * w,
            accuracy_m=_lerp(before.accuracy_m, after.accuracy_m, w),
            heading_deg=_lerp_angle_deg(before.heading_deg, after.heading_deg, w),
            speed_mps=_lerp(before.speed_mps, after.speed_mps, w),
        )
        if needs_track_heading(fix):
            heading = heading_of(fix, self.fixes_between(t - HEADING_MAX_AGE_S, t))
            fix = replace(fix, heading_deg=None if heading is None else heading.deg)
        return FixMatch(t, fix)
