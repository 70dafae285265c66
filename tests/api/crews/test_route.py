"""The crews' route planner, pure: near-optimal on small instances, and the trivial cases."""

from __future__ import annotations

import itertools
import random

from api.crews.route import plan_route, route_length_m
from common.geodesy import LatLon, offset_latlon, to_local_m

ORIGIN = LatLon(37.2, 126.83)


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
