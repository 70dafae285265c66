"""Heading from a vehicle's previous fixes, over a minimum distance (course-over-ground from two
fixes a metre apart is noise; at a stop it is meaningless)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from api.geo.distance import LatLon, bearing_deg, distance_m


@dataclass(frozen=True, slots=True)
class TimedFix:
    t: datetime
    position: LatLon
    accuracy_m: float = 5.0


def heading_from_fixes(
    current: TimedFix, previous: Sequence[TimedFix], *, min_distance_m: float = 8.0, max_age_s: float = 30.0
) -> tuple[float, float] | None:
    """(heading_deg, sigma_deg) from the most recent earlier fix at least `min_distance_m` away.

    The sigma follows from both fixes' GPS errors across the baseline; None when no earlier fix
    within `max_age_s` is far enough (the caller then cannot place the detection).
    """
    for fix in sorted(previous, key=lambda f: f.t, reverse=True):
        age_s = (current.t - fix.t).total_seconds()
        if age_s <= 0:
            continue
        if age_s > max_age_s:
            break
        baseline_m = distance_m(fix.position, current.position)
        if baseline_m >= min_distance_m:
            # GPS errors are correlated over seconds: use half the combined accuracy across the baseline
            lateral_m = 0.5 * math.hypot(fix.accuracy_m, current.accuracy_m)
            sigma_deg = min(45.0, math.degrees(math.atan2(lateral_m, baseline_m)))
            return bearing_deg(fix.position, current.position), sigma_deg
    return None
