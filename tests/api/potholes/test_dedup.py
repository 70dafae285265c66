"""De-duplication, pure: matching, merging across passes, pass bias, folds, confirmation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.potholes.dedup import (
    Estimate,
    Fold,
    NearbyPothole,
    Observation,
    PassSighting,
    first_estimate,
    is_confirmed,
    match_pothole,
    merge_pass,
    pass_bias_m,
    pass_observation,
    plan_folds,
)
from common.geodesy import LatLon, offset_latlon

ORIGIN = LatLon(37.2, 126.83)


def test_match_picks_nearest_within_combined_radius() -> None:
    near = NearbyPothole(1, offset_latlon(ORIGIN, 3.0, 0, 0), 2.0)
    nearer = NearbyPothole(2, offset_latlon(ORIGIN, 1.0, 0, 0), 2.0)
    far = NearbyPothole(3, offset_latlon(ORIGIN, 9.0, 0, 0), 2.0)
    assert match_pothole(ORIGIN, 2.0, [near, nearer, far], min_radius_m=5, max_radius_m=12) == 2
    assert match_pothole(ORIGIN, 2.0, [far], min_radius_m=5, max_radius_m=12) is None
    # a wide uncertainty widens the radius, up to the cap
    assert match_pothole(ORIGIN, 9.0, [far], min_radius_m=5, max_radius_m=12) == 3
    assert (
        match_pothole(
            ORIGIN,
            50.0,
            [NearbyPothole(4, offset_latlon(ORIGIN, 13, 0, 0), 50)],
            min_radius_m=5,
            max_radius_m=12,
        )
        is None
    )


def _merge_all(passes: list[list[Observation]]) -> Estimate:
    """Feed sightings one by one, pass after pass, as ingest does (this pass's earlier ones re-read)."""
    first = passes[0][0]
    est = first_estimate(first.lat, first.lon, first.uncertainty_m, first.width_m, first.length_m)
    for p, sightings in enumerate(passes):
        for k, sighting in enumerate(sightings):
            if p == 0 and k == 0:
                continue
            earlier = sightings[:k]
            before = pass_observation(earlier) if earlier else None
            est = merge_pass(est, before, pass_observation([*earlier, sighting]))
    return est


def test_merge_weights_passes_not_sightings() -> None:
    a = Observation(37.0, 127.0, 2.0, 0.4, 0.3)
    # pass 1: three sightings at one place; pass 2: one sighting 0.0001 deg north, same uncertainty
    est = _merge_all([[a, a, a], [Observation(37.0001, 127.0, 2.0, 0.8, 0.3)]])
    assert est.passes == 2
    assert est.lat == pytest.approx(37.00005)  # half way: each pass is ONE observation
    assert est.width_m == pytest.approx(0.6)
    assert est.uncertainty_m == pytest.approx(2.0 / math.sqrt(2))  # shrinks with passes only
    one_pass = _merge_all([[a] * 10])
    assert one_pass.uncertainty_m == pytest.approx(2.0) and one_pass.passes == 1  # not 2 / sqrt(10)


def test_merge_is_inverse_variance_weighted_across_passes() -> None:
    est = _merge_all(
        [[Observation(37.0, 127.0, 1.0, 0.4, 0.3)], [Observation(37.0001, 127.0, 2.0, 0.8, 0.3)]]
    )
    assert est.lat == pytest.approx(37.0 + 0.0001 * (0.25 / 1.25))
    assert est.width_m == pytest.approx((0.4 * 1 + 0.8 * 0.25) / 1.25)
    assert est.uncertainty_m == pytest.approx(1 / math.sqrt(1.25))
    assert est.min_uncertainty_m == 1.0


def test_pass_observation_keeps_the_best_uncertainty() -> None:
    obs = pass_observation(
        [Observation(37.0, 127.0, 1.0, 1.0, 1.0), Observation(37.0, 127.0001, 3.0, 1.0, 1.0)]
    )
    assert obs.uncertainty_m == 1.0  # not 1 / sqrt(1 + 1/9): the sightings share the pass's bias
    assert obs.lon == pytest.approx(127.0 + 0.0001 * (1 / 9) / (1 + 1 / 9))
    with pytest.raises(ValueError):
        pass_observation([])


_obs = st.builds(
    Observation,
    lat=st.floats(37.0, 37.001),
    lon=st.floats(127.0, 127.001),
    uncertainty_m=st.floats(0.5, 20.0),
    width_m=st.floats(0.1, 2.0),
    length_m=st.floats(0.1, 2.0),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_obs, min_size=1, max_size=5), min_size=1, max_size=6))
def test_incremental_merge_equals_the_batch_formula(passes: list[list[Observation]]) -> None:
    """Whatever the order of arrival, the record is the weighted mean of one observation per pass."""
    est = _merge_all(passes)
    per_pass = [pass_observation(p) for p in passes]
    total = sum(o.weight for o in per_pass)
    assert est.passes == len(passes)
    assert est.weight_sum == pytest.approx(total, rel=1e-9)
    assert est.lat == pytest.approx(sum(o.lat * o.weight for o in per_pass) / total, abs=1e-9)
    assert est.lon == pytest.approx(sum(o.lon * o.weight for o in per_pass) / total, abs=1e-9)
    assert est.width_m == pytest.approx(sum(o.width_m * o.weight for o in per_pass) / total, abs=1e-9)
    assert est.uncertainty_m == pytest.approx(1 / math.sqrt(total), rel=1e-9)
    # more sightings in a pass never shrink the uncertainty below that pass's best sighting's
    assert est.uncertainty_m >= min(o.uncertainty_m for o in per_pass) / math.sqrt(len(passes)) - 1e-9


def test_pass_bias_comes_from_records_built_by_other_passes() -> None:
    record = LatLon(37.2, 126.83)
    # the record holds weight 3, one of it this pass's (u = 1 m), and this pass saw it 4 m east of the
    # record: without this pass's share the record lies 4 * 3/2 = 6 m west of the sighting
    seen = offset_latlon(record, 0.0, 4.0, 0.0)
    row = PassSighting(1, Observation(seen.lat, seen.lon, 1.0, 0.5, 0.5), record.lat, record.lon, 3.0)
    bias = pass_bias_m([row])
    assert bias is not None
    assert bias[0] == pytest.approx(6.0, rel=1e-3) and bias[1] == pytest.approx(0.0, abs=1e-3)
    # a record made by this pass alone says nothing about the bias
    alone = PassSighting(2, Observation(seen.lat, seen.lon, 1.0, 0.5, 0.5), seen.lat, seen.lon, 1.0)
    assert pass_bias_m([alone]) is None
    assert pass_bias_m([]) is None


def _row(pothole_id: int, seen: LatLon, record: LatLon, weight: float, t_s: float) -> PassSighting:
    return PassSighting(
        pothole_id, Observation(seen.lat, seen.lon, 1.0, 0.5, 0.5), record.lat, record.lon, weight, t_s
    )


def test_plan_folds_takes_the_bias_from_the_rest_of_the_pass() -> None:
    spots = [offset_latlon(ORIGIN, 0.0, 30.0 * k, 90.0) for k in range(4)]  # known records, eastbound
    records = [NearbyPothole(k + 1, spot, 0.8) for k, spot in enumerate(spots)]
    shifted = [offset_latlon(spot, 0.0, 7.0, 90.0) for spot in spots]  # this pass is 7 m south
    # the first sighting started record 9 alone; the others joined records 2..4 (weight 1 of 3 theirs)
    rows = [_row(9, shifted[0], shifted[0], 1.0, 0.0)]
    for k in (1, 2, 3):
        record = offset_latlon(spots[k], 0.0, 7.0 / 3.0, 90.0)  # the pass pulled each a third of the way
        rows.append(_row(k + 1, shifted[k], record, 3.0, 3.0 * k))
    folds = plan_folds(
        rows, [*records, NearbyPothole(9, shifted[0], 1.0)], min_radius_m=5, max_radius_m=12, window_s=30
    )
    assert folds == [Fold(9, 1)]
    # the bias drifts: neighbours beyond the window say nothing, and a lone record stays
    assert plan_folds(rows, records, min_radius_m=5, max_radius_m=12, window_s=1.0) == []
    # a record seen by this pass is never a target (a pothole is reported once per pass)
    seen_first = [*rows, _row(1, spots[0], spots[0], 3.0, 1.0)]
    assert all(
        f.target_id != 1
        for f in plan_folds(seen_first, records, min_radius_m=5, max_radius_m=12, window_s=30)
    )


def test_bias_corrected_gate_joins_a_pass_with_a_large_shared_bias() -> None:
    known = NearbyPothole(7, ORIGIN, 1.8)  # a record averaged over several passes
    sighting = offset_latlon(ORIGIN, 0.0, 6.5, 0.0)  # this pass's GPS is 6.5 m east: outside the gate
    assert match_pothole(sighting, 5.0, [known], min_radius_m=5, max_radius_m=12) is None
    assert (
        match_pothole(sighting, 5.0, [known], min_radius_m=5, max_radius_m=12, pass_bias_en_m=(6.0, 0.2)) == 7
    )
    # the correction only helps the hypothesis it supports: a bias the other way does not pull it in
    assert (
        match_pothole(sighting, 5.0, [known], min_radius_m=5, max_radius_m=12, pass_bias_en_m=(-6.0, 0.0))
        is None
    )


@pytest.mark.parametrize(("passes", "conf", "expected"), [(1, 0.5, False), (2, 0.5, True), (1, 0.9, True)])
def test_confirmation(passes: int, conf: float, expected: bool) -> None:
    assert is_confirmed(passes, conf, confirm_passes=2, confirm_confidence=0.85) is expected
