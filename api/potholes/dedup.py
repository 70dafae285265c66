"""Pure de-duplication: which pothole a sighting joins, and the merged estimate.

A sighting joins the nearest pothole within the combined uncertainty of both positions, clamped
to [dedup_radius_m, max_join_radius_m]. The pothole's position is the inverse-variance weighted
mean of its sightings. GNSS errors are correlated within a pass, so averaging sightings of one
pass barely helps: the pothole's uncertainty never drops below the best sighting's divided by the
square root of the number of distinct passes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from api.geo.distance import LatLon, distance_m


@dataclass(frozen=True, slots=True)
class NearbyPothole:
    id: int
    position: LatLon
    uncertainty_m: float


@dataclass(frozen=True, slots=True)
class Estimate:
    """What the pothole record keeps to merge the next sighting in O(1)."""

    lat: float
    lon: float
    weight_sum: float
    min_uncertainty_m: float
    width_m: float
    length_m: float
    passes: int

    @property
    def uncertainty_m(self) -> float:
        return max(1.0 / math.sqrt(self.weight_sum), self.min_uncertainty_m / math.sqrt(max(self.passes, 1)))


def join_radius_m(
    sighting_uncertainty_m: float, pothole_uncertainty_m: float, *, min_radius_m: float, max_radius_m: float
) -> float:
    combined_m = math.hypot(sighting_uncertainty_m, pothole_uncertainty_m)
    return min(max(combined_m, min_radius_m), max_radius_m)


def match_pothole(
    point: LatLon,
    uncertainty_m: float,
    nearby: Sequence[NearbyPothole],
    *,
    min_radius_m: float,
    max_radius_m: float,
) -> int | None:
    """The id of the pothole this sighting is, or None for a new one (closest in radius units wins)."""
    best: tuple[float, int] | None = None
    for candidate in nearby:
        radius_m = join_radius_m(
            uncertainty_m, candidate.uncertainty_m, min_radius_m=min_radius_m, max_radius_m=max_radius_m
        )
        ratio = distance_m(point, candidate.position) / radius_m
        if ratio <= 1.0 and (best is None or (ratio, candidate.id) < best):
            best = (ratio, candidate.id)
    return None if best is None else best[1]


def first_estimate(lat: float, lon: float, uncertainty_m: float, width_m: float, length_m: float) -> Estimate:
    u = max(uncertainty_m, 0.01)
    return Estimate(lat, lon, 1.0 / u**2, u, width_m, length_m, 1)


def merge_estimate(
    current: Estimate,
    lat: float,
    lon: float,
    uncertainty_m: float,
    width_m: float,
    length_m: float,
    *,
    new_pass: bool,
) -> Estimate:
    """Inverse-variance weighted mean of position and size; never mutates `current`."""
    u = max(uncertainty_m, 0.01)
    w = 1.0 / u**2
    total = current.weight_sum + w
    return Estimate(
        lat=(current.lat * current.weight_sum + lat * w) / total,
        lon=(current.lon * current.weight_sum + lon * w) / total,
        weight_sum=total,
        min_uncertainty_m=min(current.min_uncertainty_m, u),
        width_m=(current.width_m * current.weight_sum + width_m * w) / total,
        length_m=(current.length_m * current.weight_sum + length_m * w) / total,
        passes=current.passes + (1 if new_pass else 0),
    )


def is_confirmed(
    passes: int, max_confidence: float, *, confirm_passes: int, confirm_confidence: float
) -> bool:
    return passes >= confirm_passes or max_confidence >= confirm_confidence
