"""Compare the API's pothole records with the simulator's ground truth. Pure: values in, metrics out.

Definitions (used by bench/geo_dedup.py and the demo):
- a record *matches* the true pothole nearest to it when that one is within `match_radius_m`;
  a record with no true pothole that close is an *unmatched record* (a false or badly placed report);
- *position error* of a found pothole: distance from its true position to the nearest matching record;
- *duplicate_rate* = (matched records - true potholes with >= 1 record) / true potholes with >= 1 record,
  i.e. the extra records per found pothole (0.0 when every physical pothole has exactly one record);
- *missed_rate* = true potholes that were visible in at least one pass but have no record / those visible.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from common.geodesy import LatLon, distance_m

__all__ = ["Metrics", "TruePothole", "percentile", "score"]


@dataclass(frozen=True, slots=True)
class TruePothole:
    pothole_id: str
    lat: float
    lon: float
    visible: bool = True


@dataclass(frozen=True, slots=True)
class Metrics:
    true_potholes: int
    visible_potholes: int
    records: int
    found: int
    median_error_m: float | None
    p95_error_m: float | None
    duplicate_rate: float
    missed_rate: float
    unmatched_records: int
    errors_m: tuple[float, ...]


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), q in 0..100."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    pos = (len(ordered) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def score(
    truth: Sequence[TruePothole], records: Sequence[tuple[float, float]], *, match_radius_m: float = 10.0
) -> Metrics:
    """records: (lat, lon) of every pothole record the API holds in the patrolled area."""
    matched: dict[str, list[float]] = {t.pothole_id: [] for t in truth}
    unmatched = 0
    for lat, lon in records:
        here = LatLon(lat, lon)
        best = min(((distance_m(here, LatLon(t.lat, t.lon)), t.pothole_id) for t in truth), default=None)
        if best is None or best[0] > match_radius_m:
            unmatched += 1
        else:
            matched[best[1]].append(best[0])
    found = [pid for pid, dists in matched.items() if dists]
    errors = tuple(min(matched[pid]) for pid in found)
    visible = [t for t in truth if t.visible]
    missed = sum(1 for t in visible if not matched[t.pothole_id])
    extra = sum(len(matched[pid]) for pid in found) - len(found)
    return Metrics(
        true_potholes=len(truth),
        visible_potholes=len(visible),
        records=len(records),
        found=len(found),
        median_error_m=statistics.median(errors) if errors else None,
        p95_error_m=percentile(errors, 95) if errors else None,
        duplicate_rate=extra / len(found) if found else 0.0,
        missed_rate=missed / len(visible) if visible else 0.0,
        unmatched_records=unmatched,
        errors_m=errors,
    )
