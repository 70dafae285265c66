"""Frame-to-fix matching: interpolation, heading across north, clock offset, gaps flagged not guessed."""

from __future__ import annotations

import pytest
from edge_factories import T0, make_fix, straight_fixes

from edge.timesync import Timeline


def test_linear_interpolation_between_fixes() -> None:
    timeline = Timeline(
        [
            make_fix(t_utc_s=T0, lat=37.0, lon=127.0, heading_deg=80.0, speed_mps=10.0),
            make_fix(t_utc_s=T0 + 1, lat=37.001, lon=127.002, heading_deg=100.0, speed_mps=12.0),
        ]
    )
    fix = timeline.match(T0 + 0.25).fix
    assert fix is not None
    assert (fix.lat, fix.lon) == (pytest.approx(37.00025), pytest.approx(127.0005))
    assert fix.heading_deg == pytest.approx(85.0)
    assert fix.speed_mps == pytest.approx(10.5)


def test_heading_interpolates_the_short_way_across_north() -> None:
    timeline = Timeline([make_fix(t_utc_s=T0, heading_deg=350.0), make_fix(t_utc_s=T0 + 1, heading_deg=10.0)])
    assert timeline.match(T0 + 0.75).fix.heading_deg == pytest.approx(5.0)  # type: ignore[union-attr]


def test_clock_offset_shifts_frames_onto_gps_time() -> None:
    timeline = Timeline(straight_fixes(), clock_offset_s=2.0)
    assert timeline.match(T0 + 1.0).t_utc_s == pytest.approx(T0 + 3.0)
    assert timeline.match(T0 + 1.0).fix.lat == pytest.approx(straight_fixes()[30].lat)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("camera_t", "reason"),
    [
        (T0 - 1.0, "before the first"),
        (T0 + 10.0, "after the last"),
        (T0 + 2.5, "GPS gap of 3.0 s"),
    ],
    ids=["before", "after", "gap"],
)
def test_gaps_are_flagged_not_guessed(camera_t: float, reason: str) -> None:
    fixes = [f for f in straight_fixes() if not T0 + 1.0 < f.t_utc_s < T0 + 4.0]
    match = Timeline(fixes, max_gap_s=2.0).match(camera_t)
    assert match.fix is None and reason in (match.gap_reason or "")


def test_heading_is_derived_over_a_baseline_when_the_log_has_none() -> None:
    timeline = Timeline(straight_fixes(heading=False))  # GPX-like: no course over ground
    fix = timeline.match(T0 + 2.05).fix
    assert fix is not None and fix.heading_deg == pytest.approx(0.0, abs=0.01)


def test_no_heading_when_standing_still() -> None:
    still = [make_fix(t_utc_s=T0 + i / 10, heading_deg=None, speed_mps=0.0) for i in range(40)]
    assert Timeline(still).match(T0 + 1.0).fix.heading_deg is None  # type: ignore[union-attr]


def test_a_slow_receivers_course_gives_way_to_the_track_as_in_the_api() -> None:
    """At 1.5 m/s (under common.gps.SLOW_HEADING_MPS) the receiver's 90 degrees is noise: the fixes go
    north."""
    crawling = [
        make_fix(t_utc_s=T0 + i, lat=37.2 + i * 1.5 / 110_960.0, heading_deg=90.0, speed_mps=1.5)
        for i in range(20)
    ]
    fix = Timeline(crawling).match(T0 + 10.5).fix
    assert fix is not None and fix.heading_deg == pytest.approx(0.0, abs=0.5)


def test_a_stopped_vehicle_keeps_its_reported_heading() -> None:
    parked = [make_fix(t_utc_s=T0 + i / 10, heading_deg=87.0, speed_mps=0.0) for i in range(40)]
    assert Timeline(parked).match(T0 + 1.0).fix.heading_deg == pytest.approx(87.0)  # type: ignore[union-attr]


def test_out_of_order_fixes_are_dropped_when_appended_live() -> None:
    timeline = Timeline()
    timeline.append(make_fix(t_utc_s=T0 + 1))
    timeline.append(make_fix(t_utc_s=T0))
    assert len(timeline) == 1
