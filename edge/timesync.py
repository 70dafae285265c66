"""Frames meet fixes: time matching with linear interpolation, a clock offset, and gaps flagged.

A frame taken at camera time t is matched at GPS time t + clock_offset_s. Position, accuracy and speed are
interpolated linearly between the two bracketing fixes and heading along the shorter arc. When the
bracketing fixes are further apart than `max_gap_s`, or t lies outside the log, the answer is a gap: a
`FixMatch` with `fix=None` and the reason, never an extrapolated guess.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from edge.gps import GpsFix

__all__ = ["FixMatch", "Timeline", "bearing_deg", "distance_m"]

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance; good to ~0.3 % which is plenty for a heading baseline."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing from point 1 to point 2, clockwise from true north, in [0, 360)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


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
        heading_baseline_m: float = 5.0,
        heading_window_s: float = 5.0,
        min_speed_mps: float = 1.0,
    ) -> None:
        if max_gap_s <= 0:
            raise ValueError(f"max_gap_s={max_gap_s} must be > 0")
        self.clock_offset_s = clock_offset_s
        self.max_gap_s = max_gap_s
        self.heading_baseline_m = heading_baseline_m
        self.heading_window_s = heading_window_s
        self.min_speed_mps = min_speed_mps
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
        heading = _lerp_angle_deg(before.heading_deg, after.heading_deg, w)
        speed = _lerp(before.speed_mps, after.speed_mps, w)
        lat = before.lat + (after.lat - before.lat) * w
        lon = before.lon + (after.lon - before.lon) * w
        if heading is None or (speed is not None and speed < self.min_speed_mps):
            heading = self._heading_from_track(t, lat, lon)
        fix = GpsFix(
            t_utc_s=t,
            lat=lat,
            lon=lon,
            accuracy_m=_lerp(before.accuracy_m, after.accuracy_m, w),
            heading_deg=heading,
            speed_mps=speed,
        )
        return FixMatch(t, fix)

    def _heading_from_track(self, t: float, lat: float, lon: float) -> float | None:
        """Course over >= heading_baseline_m (never two fixes a metre apart); None when stopped."""
        window = self.fixes_between(t - self.heading_window_s, t + self.heading_window_s)
        past = [f for f in window if f.t_utc_s <= t]
        future = [f for f in window if f.t_utc_s > t]
        for start in reversed(past):
            for end in future:
                if distance_m(start.lat, start.lon, end.lat, end.lon) >= self.heading_baseline_m:
                    return bearing_deg(start.lat, start.lon, end.lat, end.lon)
        return None
