"""Pass bookkeeping: the driven track is thinned, and a long run is cut into passes."""

from __future__ import annotations

from edge_factories import T0, straight_fixes

from common.contract import format_time_utc
from common.geodesy import distance_m
from edge.passes import PassClock, pass_body, thin_track


def test_thin_track_keeps_points_five_metres_apart_and_the_last_fix() -> None:
    fixes = straight_fixes(31, hz=10.0, speed_mps=10.0)  # 1 m per fix, 30 m in all
    track = thin_track(fixes, 5.0)
    steps = [distance_m(a.position, b.position) for a, b in zip(track, track[1:-1], strict=False)]
    assert 6 <= len(track) <= 8 and all(step >= 5.0 for step in steps)
    assert format_time_utc(track[-1].t_utc_s) == "2026-11-18T11:06:43.000Z"


def test_no_pass_without_two_points() -> None:
    assert pass_body("bus-1", T0, T0 + 1, straight_fixes(1), 5.0) is None
    body = pass_body("bus-1", T0, T0 + 3, straight_fixes(31), 5.0)
    assert body is not None and body["started_at"] == "2026-11-18T11:06:40.000Z"
    assert body["track"][-1]["t"] == "2026-11-18T11:06:43.000Z"
    assert set(body["track"][0]) == {"lat", "lon", "t"}


def test_a_long_run_is_cut_into_passes() -> None:
    clock = PassClock("bus-1", max_s=60.0)
    assert clock.extend(T0) is None and clock.pass_id == "bus-1/2026-11-18T11:06:40Z"
    assert clock.extend(T0 + 59.0) is None
    assert clock.extend(T0 + 61.0) == (T0, T0 + 59.0)  # the first pass ends at its last frame
    assert clock.pass_id == "bus-1/2026-11-18T11:07:41Z"
    assert clock.close() == (T0 + 61.0, T0 + 61.0) and clock.close() is None
