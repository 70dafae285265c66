"""PURE: a day's route through work orders: nearest neighbour from the start, improved by 2-opt.

Distances are straight lines on the tangent plane at the start (no road network here); good enough to
order a crew's stops within a city.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from common.geodesy import LatLon, to_local_m


def route_length_m(
    start: tuple[float, float], points: Sequence[tuple[float, float]], order: Sequence[int]
) -> float:
    path = [start, *(points[i] for i in order)]
    return sum(math.dist(a, b) for a, b in zip(path, path[1:], strict=False))


def plan_route(start: LatLon, stops: Sequence[LatLon], *, max_passes: int = 20) -> list[int]:
    """Indices of `stops` in visiting order (an open path from `start`, no return)."""
    if not stops:
        return []
    xy = [to_local_m(start, s) for s in stops]
    origin = (0.0, 0.0)
    remaining = set(range(len(xy)))
    order: list[int] = []
    here = origin
    while remaining:
        nxt = min(remaining, key=lambda i: (math.dist(here, xy[i]), i))
        order.append(nxt)
        remaining.remove(nxt)
        here = xy[nxt]
    return two_opt(origin, xy, order, max_passes=max_passes)


def two_opt(
    start: tuple[float, float], xy: Sequence[tuple[float, float]], order: list[int], *, max_passes: int = 20
) -> list[int]:
    """Reverse segments while that shortens the open path; returns a new list."""
    best = list(order)
    n = len(best)
    for _ in range(max_passes):
        improved = False
        for i in range(n - 1):
            a = start if i == 0 else xy[best[i - 1]]
            b = xy[best[i]]
            for j in range(i + 1, n):
                c = xy[best[j]]
                d = xy[best[j + 1]] if j + 1 < n else None
                before = math.dist(a, b) + (math.dist(c, d) if d else 0.0)
                after = math.dist(a, c) + (math.dist(b, d) if d else 0.0)
                if after < before - 1e-9:
                    best[i : j + 1] = reversed(best[i : j + 1])
                    b = xy[best[i]]
                    improved = True
        if not improved:
            break
    return best
