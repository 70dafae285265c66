"""Pure de-duplication: which pothole a sighting joins, and the merged estimate.

GNSS error is correlated in time: every sighting of one patrol pass carries (nearly) the same GPS bias,
while passes on different days have independent biases. So

- a record's position is the inverse-variance weighted mean of its *passes*: the sightings of one pass
  are first averaged into one observation whose uncertainty is the pass's best sighting's (the shared
  bias does not average out), and the record's uncertainty 1 / sqrt(sum of pass weights) shrinks with the
  number of distinct passes, not of sightings;
- a sighting joins the nearest record within a 95 % gate on the combined uncertainty of both,
  hypot(sighting, record), clamped to [dedup_radius_m, max_join_radius_m];
- because the bias is shared, it is also observable: the residuals (sighting minus record) of this
  pass's other sightings, moments earlier, estimate it. A sighting whose bias-corrected position is
  within the gate joins too, so one pass with a large bias does not duplicate every pothole it sees;
- the first sightings of such a pass come before any estimate and start records of their own: when the
  pass is posted, `plan_folds` gates those records, minus the bias the whole pass shows, against the
  records of other passes, and the ingest folds them in (`api.ingest.fold`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from common.geodesy import LatLon, distance_m, offset_latlon, to_local_m

MIN_UNCERTAINTY_M = 0.01
OWN_PASS_ONLY = 1e-3  # a record whose weight is (almost) all this pass's says nothing about the pass's bias


@dataclass(frozen=True, slots=True)
class NearbyPothole:
    id: int
    position: LatLon
    uncertainty_m: float


@dataclass(frozen=True, slots=True)
class Observation:
    """One sighting (or one pass's sightings merged) as the estimate sees it."""

    lat: float
    lon: float
    uncertainty_m: float
    width_m: float
    length_m: float

    @property
    def weight(self) -> float:
        return 1.0 / max(self.uncertainty_m, MIN_UNCERTAINTY_M) ** 2


@dataclass(frozen=True, slots=True)
class Estimate:
    """What the pothole record keeps to merge the next sighting without reading all its sightings.

    lat/lon/width_m/length_m are weighted means over passes with denominator `weight_sum`."""

    lat: float
    lon: float
    weight_sum: float
    min_uncertainty_m: float
    width_m: float
    length_m: float
    passes: int

    @property
    def uncertainty_m(self) -> float:
        return 1.0 / math.sqrt(self.weight_sum)


@dataclass(frozen=True, slots=True)
class PassSighting:
    """A sighting of the current pass on some record, with that record's estimate (for the pass bias)."""

    pothole_id: int
    sighting: Observation
    record_lat: float
    record_lon: float
    record_weight_sum: float
    captured_at_s: float = 0.0  # POSIX seconds: the bias drifts, so only near neighbours in time count


@dataclass(frozen=True, slots=True)
class Fold:
    """A record this pass started alone (`source_id`) that is, once the pass's bias is known, `target_id`."""

    source_id: int
    target_id: int


def join_radius_m(
    sighting_uncertainty_m: float, pothole_uncertainty_m: float, *, min_radius_m: float, max_radius_m: float
) -> float:
    """The 95 % gate: both uncertainties are 95 % radii of independent errors, so their difference's is
    their quadrature sum."""
    combined_m = math.hypot(sighting_uncertainty_m, pothole_uncertainty_m)
    return min(max(combined_m, min_radius_m), max_radius_m)


def match_pothole(
    point: LatLon,
    uncertainty_m: float,
    nearby: Sequence[NearbyPothole],
    *,
    min_radius_m: float,
    max_radius_m: float,
    pass_bias_en_m: tuple[float, float] | None = None,
) -> int | None:
    """The id of the pothole this sighting is, or None for a new one (closest in radius units wins).

    With `pass_bias_en_m` (east, north) the sighting may also join where its position minus the pass's
    estimated bias lies within the gate."""
    corrected = None
    if pass_bias_en_m is not None:
        east_m, north_m = pass_bias_en_m
        corrected = offset_latlon(point, -north_m, -east_m, 0.0)
    best: tuple[float, int] | None = None
    for candidate in nearby:
        radius_m = join_radius_m(
            uncertainty_m, candidate.uncertainty_m, min_radius_m=min_radius_m, max_radius_m=max_radius_m
        )
        d_m = distance_m(point, candidate.position)
        if corrected is not None:
            d_m = min(d_m, distance_m(corrected, candidate.position))
        ratio = d_m / radius_m
        if ratio <= 1.0 and (best is None or (ratio, candidate.id) < best):
            best = (ratio, candidate.id)
    return None if best is None else best[1]


def pass_observation(sightings: Sequence[Observation]) -> Observation:
    """A pass's sightings of one pothole as ONE observation: the weighted mean position and size, with
    the best sighting's uncertainty (not shrunk: their GPS bias is the same)."""
    if not sightings:
        raise ValueError("a pass observation needs at least one sighting")
    weights = [s.weight for s in sightings]
    total = sum(weights)
    return Observation(
        lat=sum(s.lat * w for s, w in zip(sightings, weights, strict=True)) / total,
        lon=sum(s.lon * w for s, w in zip(sightings, weights, strict=True)) / total,
        uncertainty_m=max(min(s.uncertainty_m for s in sightings), MIN_UNCERTAINTY_M),
        width_m=sum(s.width_m * w for s, w in zip(sightings, weights, strict=True)) / total,
        length_m=sum(s.length_m * w for s, w in zip(sightings, weights, strict=True)) / total,
    )


def first_estimate(lat: float, lon: float, uncertainty_m: float, width_m: float, length_m: float) -> Estimate:
    obs = Observation(lat, lon, max(uncertainty_m, MIN_UNCERTAINTY_M), width_m, length_m)
    return Estimate(lat, lon, obs.weight, obs.uncertainty_m, width_m, length_m, 1)


def merge_pass(current: Estimate, before: Observation | None, after: Observation) -> Estimate:
    """Replace one pass's contribution (`before`, None for a pass new to the record) by `after`.

    Written as a correction of the current mean, so nothing cancels catastrophically; never mutates."""
    w_before = 0.0 if before is None else before.weight
    w_after = after.weight
    total = max(current.weight_sum - w_before + w_after, w_after)

    def shifted(mean: float, old: float, new: float) -> float:
        return mean + (w_after * (new - mean) - w_before * (old - mean)) / total

    b = after if before is None else before
    return Estimate(
        lat=shifted(current.lat, b.lat, after.lat),
        lon=shifted(current.lon, b.lon, after.lon),
        weight_sum=total,
        min_uncertainty_m=min(current.min_uncertainty_m, after.uncertainty_m),
        width_m=shifted(current.width_m, b.width_m, after.width_m),
        length_m=shifted(current.length_m, b.length_m, after.length_m),
        passes=current.passes + (1 if before is None else 0),
    )


def _by_pothole(rows: Sequence[PassSighting]) -> dict[int, list[PassSighting]]:
    groups: dict[int, list[PassSighting]] = {}
    for row in rows:
        groups.setdefault(row.pothole_id, []).append(row)
    return groups


def _others_weight(group: Sequence[PassSighting], own: Observation) -> float:
    """The record's weight from passes other than this one (0 when the pass made the record alone)."""
    others = group[0].record_weight_sum - own.weight
    return others if others > OWN_PASS_ONLY * own.weight else 0.0


def own_pass_records(rows: Sequence[PassSighting]) -> dict[int, Observation]:
    """The records this pass's sightings started on their own, with the pass's observation of each."""
    found = {}
    for pothole_id, group in _by_pothole(rows).items():
        own = pass_observation([r.sighting for r in group])
        if _others_weight(group, own) == 0.0:
            found[pothole_id] = own
    return found


def pass_bias_m(
    rows: Sequence[PassSighting], records: Sequence[NearbyPothole] = (), *, max_radius_m: float = 12.0
) -> tuple[float, float] | None:
    """The pass's GPS bias (east_m, north_m): the median residual of its sightings against records built
    from OTHER passes; None when there is none.

    A sighting on a record that holds other passes gives its residual with the pass's own share taken
    out. A sighting that started its own record (its pass was biased past the gate) is compared with the
    nearest of `records` within max_radius_m instead: a pass whose sightings all sit the same few metres
    off the known potholes is that pass's bias, not a row of new potholes."""
    residuals: list[tuple[float, float]] = []
    for pothole_id, group in _by_pothole(rows).items():
        own = pass_observation([r.sighting for r in group])
        here = LatLon(own.lat, own.lon)
        record_weight = group[0].record_weight_sum
        others = _others_weight(group, own)
        if others > 0.0:
            # record = (others * r_excl + w_own * own) / W  =>  own - r_excl = (own - record) * W / others
            east_m, north_m = to_local_m(LatLon(group[0].record_lat, group[0].record_lon), here)
            scale = record_weight / others
            residuals.append((east_m * scale, north_m * scale))
            continue
        nearest = min(
            ((distance_m(here, r.position), r.id, r.position) for r in records if r.id != pothole_id),
            default=None,
        )
        if nearest is not None and nearest[0] <= max_radius_m:
            residuals.append(to_local_m(nearest[2], here))
    if not residuals:
        return None
    return statistics.median(r[0] for r in residuals), statistics.median(r[1] for r in residuals)


def plan_folds(
    rows: Sequence[PassSighting],
    records: Sequence[NearbyPothole],
    *,
    min_radius_m: float,
    max_radius_m: float,
    window_s: float,
) -> list[Fold]:
    """At the end of a pass: which records it started alone are known records, seen through its bias.

    The first sightings of a pass with a large GPS bias come before any estimate of that bias and start
    records of their own. With the whole pass in hand, each such record's position minus the bias (from
    the pass's sightings within window_s of it) is gated like a sighting against the records of OTHER
    passes that this pass did not see (a pothole is reported once per pass). Each target takes one."""
    sources = own_pass_records(rows)
    seen = {r.pothole_id for r in rows}
    candidates = [r for r in records if r.id not in seen]
    times = {pid: max(r.captured_at_s for r in rows if r.pothole_id == pid) for pid in sources}
    folds: list[Fold] = []
    taken: set[int] = set()
    for source_id, own in sorted(sources.items(), key=lambda item: times[item[0]]):
        t_s = times[source_id]
        local = [r for r in rows if r.pothole_id != source_id and abs(r.captured_at_s - t_s) <= window_s]
        bias = pass_bias_m(local, candidates, max_radius_m=max_radius_m)
        if bias is None:
            continue
        free = [c for c in candidates if c.id not in taken]
        target = match_pothole(
            offset_latlon(LatLon(own.lat, own.lon), -bias[1], -bias[0], 0.0),
            own.uncertainty_m,
            free,
            min_radius_m=min_radius_m,
            max_radius_m=max_radius_m,
        )
        if target is not None:
            folds.append(Fold(source_id, target))
            taken.add(target)
    return folds


def is_confirmed(
    passes: int, max_confidence: float, *, confirm_passes: int, confirm_confidence: float
) -> bool:
    return passes >= confirm_passes or max_confidence >= confirm_confidence
