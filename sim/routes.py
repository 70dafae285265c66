"""Routes the virtual vehicles drive: the real comma2k19 track, a synthetic grid, or a road layer.

A route is the TRUE trajectory: timed positions in local metres (east, north) around an origin, from which
the simulator samples poses at any time. Noise is added later, only to what the GPS "receiver" reports.
"""

from __future__ import annotations

import bisect
import csv
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from common.geodesy import LatLon, from_local_m, to_local_m

__all__ = ["Pose", "Route", "comma2k19_route", "graph_route", "grid_edges", "layer_edges"]

Edge = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Pose:
    t_s: float
    east_m: float
    north_m: float
    heading_deg: float
    speed_mps: float


@dataclass(frozen=True)
class Route:
    """Timed polyline in metres around `origin`; t_s starts at 0."""

    name: str
    origin: LatLon
    t_s: tuple[float, ...]
    east_m: tuple[float, ...]
    north_m: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.t_s) < 2 or not (len(self.t_s) == len(self.east_m) == len(self.north_m)):
            raise ValueError(f"route {self.name}: needs >= 2 timed points of equal-length columns")

    @property
    def duration_s(self) -> float:
        return self.t_s[-1] - self.t_s[0]

    def length_m(self) -> float:
        return sum(
            math.hypot(self.east_m[i + 1] - self.east_m[i], self.north_m[i + 1] - self.north_m[i])
            for i in range(len(self.t_s) - 1)
        )

    def pose(self, t_s: float) -> Pose:
        """Linear interpolation; heading from the segment's direction (never from a standing point)."""
        t = min(max(t_s, self.t_s[0]), self.t_s[-1])
        i = max(1, min(len(self.t_s) - 1, bisect.bisect_right(self.t_s, t)))
        t0, t1 = self.t_s[i - 1], self.t_s[i]
        w = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
        e = self.east_m[i - 1] + (self.east_m[i] - self.east_m[i - 1]) * w
        n = self.north_m[i - 1] + (self.north_m[i] - self.north_m[i - 1]) * w
        j = i
        while (
            j < len(self.t_s) - 1
            and math.hypot(self.east_m[j] - self.east_m[i - 1], self.north_m[j] - self.north_m[i - 1]) < 0.5
        ):
            j += 1
        de, dn = self.east_m[j] - self.east_m[i - 1], self.north_m[j] - self.north_m[i - 1]
        step_m = math.hypot(self.east_m[i] - self.east_m[i - 1], self.north_m[i] - self.north_m[i - 1])
        speed = step_m / (t1 - t0) if t1 > t0 else 0.0
        return Pose(t_s, e, n, math.degrees(math.atan2(de, dn)) % 360.0, speed)

    def latlon(self, east_m: float, north_m: float) -> LatLon:
        return from_local_m(self.origin, east_m, north_m)


def comma2k19_route(poses_csv: Path, *, anchor: LatLon | None = None) -> Route:
    """The real 1-minute drive (per-frame positions at 20 Hz); `anchor` moves its start there, shape kept."""
    with poses_csv.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if len(rows) < 2:
        raise ValueError(f"{poses_csv}: needs at least 2 poses")
    from edge.gps import parse_time_utc_s

    first = LatLon(float(rows[0]["lat_deg"]), float(rows[0]["lon_deg"]))
    t0 = parse_time_utc_s(rows[0]["utc_time"])
    east, north, times = [], [], []
    for row in rows:
        e, n = to_local_m(first, LatLon(float(row["lat_deg"]), float(row["lon_deg"])))
        east.append(e)
        north.append(n)
        times.append(parse_time_utc_s(row["utc_time"]) - t0)
    return Route("comma2k19", anchor or first, tuple(times), tuple(east), tuple(north))


def grid_edges(*, blocks_e: int = 4, blocks_n: int = 3, block_m: float = 120.0) -> list[Edge]:
    """A synthetic street grid in metres: every block side is an edge."""
    edges: list[Edge] = []
    for i in range(blocks_e + 1):
        for j in range(blocks_n + 1):
            here = (i * block_m, j * block_m)
            if i < blocks_e:
                edges.append((here, ((i + 1) * block_m, j * block_m)))
            if j < blocks_n:
                edges.append((here, (i * block_m, (j + 1) * block_m)))
    return edges


def layer_edges(geojson_path: Path, origin: LatLon | None = None) -> tuple[LatLon, list[Edge]]:
    """LineString / MultiLineString features of a road layer -> edges in metres around an origin."""
    data = json.loads(geojson_path.read_text())
    lines: list[list[list[float]]] = []
    for feature in data.get("features", []):
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "LineString":
            lines.append(geometry["coordinates"])
        elif geometry.get("type") == "MultiLineString":
            lines.extend(geometry["coordinates"])
    if not lines:
        raise ValueError(f"{geojson_path}: no LineString features to drive on")
    if origin is None:
        origin = LatLon(lines[0][0][1], lines[0][0][0])
    edges: list[Edge] = []
    for line in lines:
        pts = [to_local_m(origin, LatLon(lat, lon)) for lon, lat, *_ in line]
        pts = [(round(e, 1), round(n, 1)) for e, n in pts]
        edges.extend((a, b) for a, b in zip(pts[:-1], pts[1:], strict=True) if a != b)
    return origin, edges


def graph_route(
    name: str, origin: LatLon, edges: list[Edge], *, length_m: float, speed_mps: float, rng: random.Random
) -> Route:
    """A random drive on the street graph without U-turns (unless at a dead end), at constant speed."""
    nodes: dict[tuple[float, float], list[tuple[float, float]]] = {}
    for a, b in edges:
        nodes.setdefault(a, []).append(b)
        nodes.setdefault(b, []).append(a)
    path = [rng.choice(sorted(nodes))]
    previous: tuple[float, float] | None = None
    travelled = 0.0
    while travelled < length_m:
        here = path[-1]
        options = [n for n in nodes[here] if n != previous] or nodes[here]
        nxt = rng.choice(sorted(options))
        travelled += math.dist(here, nxt)
        previous = here
        path.append(nxt)
    times, t = [0.0], 0.0
    for a, b in zip(path[:-1], path[1:], strict=True):
        t += math.dist(a, b) / speed_mps
        times.append(t)
    return Route(name, origin, tuple(times), tuple(p[0] for p in path), tuple(p[1] for p in path))
