"""Pure parts: de-duplication matching and merging, the default prioritiser, the route planner."""

from __future__ import annotations

import itertools
import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from api.crews.route import plan_route, route_length_m
from api.geo import LatLon, offset_latlon
from api.geo.distance import to_local_m
from api.potholes.dedup import NearbyPothole, first_estimate, is_confirmed, match_pothole, merge_estimate
from api.workorders.priority import PotholeFacts, default_prioritiser, normalise

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


def test_merge_is_inverse_variance_weighted_and_passes_bound_the_uncertainty() -> None:
    a = first_estimate(37.0, 127.0, 1.0, 0.4, 0.3)
    b = merge_estimate(a, 37.0001, 127.0, 2.0, 0.8, 0.3, new_pass=False)
    assert b.lat == pytest.approx(37.0 + 0.0001 * (0.25 / 1.25))
    assert b.width_m == pytest.approx((0.4 * 1 + 0.8 * 0.25) / 1.25)
    assert b.uncertainty_m == pytest.approx(1.0)  # same pass: correlated GPS error does not average out
    c = merge_estimate(b, 37.0, 127.0, 1.0, 0.4, 0.3, new_pass=True)
    assert c.passes == 2 and c.uncertainty_m == pytest.approx(1 / math.sqrt(2), rel=0.01)
    assert a.weight_sum == 1.0  # inputs never mutated


@pytest.mark.parametrize(("passes", "conf", "expected"), [(1, 0.5, False), (2, 0.5, True), (1, 0.9, True)])
def test_confirmation(passes: int, conf: float, expected: bool) -> None:
    assert is_confirmed(passes, conf, confirm_passes=2, confirm_confidence=0.85) is expected


def _facts(**overrides: object) -> PotholeFacts:
    t = datetime(2026, 11, 1, tzinfo=UTC)
    fields = {
        "id": 1,
        "lat": 37.2,
        "lon": 126.8,
        "width_m": 0.3,
        "length_m": 0.3,
        "max_confidence": 0.8,
        "sightings": 2,
        "passes": 2,
        "first_seen": t,
        "last_seen": t,
    }
    return PotholeFacts(**(fields | overrides))  # type: ignore[arg-type]


def test_default_priority_grows_with_size_and_due_follows_category() -> None:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    small = normalise(default_prioritiser(_facts(width_m=0.1, length_m=0.1, max_confidence=0.5), {}, now))
    big = normalise(default_prioritiser(_facts(width_m=0.9, max_confidence=0.95), {}, now))
    assert big.priority < small.priority
    assert big.due_at - now == timedelta(hours=24) and small.due_at - now == timedelta(days=28)
    assert all({"points", "reason"} <= set(t) for t in big.score_terms)


def test_normalise_accepts_tuples_and_rejects_bad_priority() -> None:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    assert normalise((2, "cat2", now, 40, [(20, "x")])).score_terms == [{"points": 20.0, "reason": "x"}]
    with pytest.raises(ValueError, match="priority"):
        normalise((9, "cat2", now, 40, []))


def test_route_is_optimal_on_small_random_instances() -> None:
    rng = random.Random(3)
    for _ in range(5):
        stops = [
            offset_latlon(ORIGIN, rng.uniform(-2000, 2000), rng.uniform(-2000, 2000), 0.0) for _ in range(7)
        ]
        order = plan_route(ORIGIN, stops)
        assert sorted(order) == list(range(7))
        xy = [to_local_m(ORIGIN, s) for s in stops]
        best = min(route_length_m((0, 0), xy, p) for p in itertools.permutations(range(7)))
        assert route_length_m((0, 0), xy, order) <= best * 1.1


def test_route_empty_and_single() -> None:
    assert plan_route(ORIGIN, []) == []
    assert plan_route(ORIGIN, [ORIGIN]) == [0]
