"""A GPS fix, and the one rule for the heading of a vehicle whose receiver cannot give a usable one.

Course over ground from a receiver is noise below walking pace and absent from GPX logs and pass tracks.
Both the agent (matching a frame to its fix) and the API (placing a sighting) then take the heading from
the vehicle's earlier fixes, with the same thresholds, so a sighting is placed the same way wherever its
heading was worked out:

1. a reported heading at `SLOW_HEADING_MPS` or faster is used as it is (sigma `REPORTED_SIGMA_DEG`);
2. otherwise the bearing from the most recent earlier fix at least `HEADING_MIN_BASELINE_M` away and at
   most `HEADING_MAX_AGE_S` old (two fixes a metre apart give noise; an old fix, a stale direction);
   its sigma follows from both fixes' accuracies across that baseline;
3. otherwise a reported heading is kept but trusted little (`STANDSTILL_SIGMA_DEG`): a stopped vehicle;
4. otherwise there is none, and the detection cannot be placed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from common.geodesy import LatLon, bearing_deg, distance_m

__all__ = [
    "ASSUMED_ACCURACY_M",
    "HEADING_MAX_AGE_S",
    "HEADING_MIN_BASELINE_M",
    "KNOT_MPS",
    "R95_PER_SIGMA",
    "REPORTED_SIGMA_DEG",
    "SLOW_HEADING_MPS",
    "STANDSTILL_SIGMA_DEG",
    "GpsFix",
    "Heading",
    "heading_from_track",
    "heading_of",
    "needs_track_heading",
]

KNOT_MPS = 0.514_444  # NMEA gives speed in knots
# 95 % horizontal radius of a 2-D Gaussian is sqrt(-2 ln 0.05) = 2.45 sigma per axis.
R95_PER_SIGMA = 2.447_746_83
ASSUMED_ACCURACY_M = 4.9  # 95 % radius of a consumer receiver under open sky, when a source gives none
SLOW_HEADING_MPS = 2.0
HEADING_MIN_BASELINE_M = 8.0
HEADING_MAX_AGE_S = 30.0
REPORTED_SIGMA_DEG = 3.0
STANDSTILL_SIGMA_DEG = 20.0
MAX_TRACK_SIGMA_DEG = 45.0


@dataclass(frozen=True, slots=True)
class GpsFix:
    """One receiver fix at `t_utc_s` (epoch seconds). `accuracy_m` is the 95 % horizontal radius.

    A field the source does not give stays None (a GPX point has no heading): nothing is guessed here.
    """

    t_utc_s: float
    lat: float
    lon: float
    accuracy_m: float | None = None
    heading_deg: float | None = None
    speed_mps: float | None = None

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"invalid fix: lat={self.lat} lon={self.lon}")
        if self.heading_deg is not None and not 0.0 <= self.heading_deg <= 360.0:
            raise ValueError(f"invalid fix: heading_deg={self.heading_deg} (want 0..360)")
        if self.accuracy_m is not None and not self.accuracy_m >= 0.0:
            raise ValueError(f"invalid fix: accuracy_m={self.accuracy_m} (want >= 0)")

    @property
    def position(self) -> LatLon:
        return LatLon(self.lat, self.lon)

    @property
    def accuracy_or_assumed_m(self) -> float:
        return ASSUMED_ACCURACY_M if self.accuracy_m is None else self.accuracy_m


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading for placing a detection, with the one-sigma error it is trusted to."""

    deg: float
    sigma_deg: float


def needs_track_heading(fix: GpsFix, *, slow_mps: float = SLOW_HEADING_MPS) -> bool:
    """True when the fix's own heading is missing or measured too slowly to mean anything."""
    return fix.heading_deg is None or (fix.speed_mps is not None and fix.speed_mps < slow_mps)


def heading_from_track(
    current: GpsFix,
    previous: Sequence[GpsFix],
    *,
    min_baseline_m: float = HEADING_MIN_BASELINE_M,
    max_age_s: float = HEADING_MAX_AGE_S,
) -> Heading | None:
    """Bearing from the most recent earlier fix at least `min_baseline_m` away, within `max_age_s`.

    GPS errors are correlated over seconds, so half the two fixes' combined accuracy is taken as the
    lateral error across the baseline.
    """
    for fix in sorted(previous, key=lambda f: f.t_utc_s, reverse=True):
        age_s = current.t_utc_s - fix.t_utc_s
        if age_s <= 0:
            continue
        if age_s > max_age_s:
            break
        baseline_m = distance_m(fix.position, current.position)
        if baseline_m >= min_baseline_m:
            lateral_m = 0.5 * math.hypot(fix.accuracy_or_assumed_m, current.accuracy_or_assumed_m)
            sigma_deg = min(MAX_TRACK_SIGMA_DEG, math.degrees(math.atan2(lateral_m, baseline_m)))
            return Heading(bearing_deg(fix.position, current.position), sigma_deg)
    return None


def heading_of(
    current: GpsFix,
    previous: Sequence[GpsFix],
    *,
    min_baseline_m: float = HEADING_MIN_BASELINE_M,
    max_age_s: float = HEADING_MAX_AGE_S,
    slow_mps: float = SLOW_HEADING_MPS,
) -> Heading | None:
    """The heading to place a detection seen at `current` with (the rule in this module's docstring)."""
    if not needs_track_heading(current, slow_mps=slow_mps):
        assert current.heading_deg is not None
        return Heading(current.heading_deg, REPORTED_SIGMA_DEG)
    derived = heading_from_track(current, previous, min_baseline_m=min_baseline_m, max_age_s=max_age_s)
    if derived is not None:
        return derived
    if current.heading_deg is not None:
        return Heading(current.heading_deg, STANDSTILL_SIGMA_DEG)
    return None
