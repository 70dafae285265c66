"""The one heading rule shared by the agent and the API, and the fix type it works on."""

from __future__ import annotations

from typing import Any

import pytest

from common.geodesy import LatLon, offset_latlon
from common.gps import (
    HEADING_MIN_BASELINE_M,
    REPORTED_SIGMA_DEG,
    SLOW_HEADING_MPS,
    STANDSTILL_SIGMA_DEG,
    GpsFix,
    heading_from_track,
    heading_of,
)

ORIGIN = LatLon(37.2, 126.83)
T0 = 1_795_000_000.0


def _fix(seconds: float, north_m: float, east_m: float = 0.0, **fields: Any) -> GpsFix:
    p = offset_latlon(ORIGIN, forward_m=north_m, right_m=east_m, heading_deg=0.0)
    return GpsFix(T0 + seconds, p.lat, p.lon, **({"accuracy_m": 2.0} | fields))


def test_heading_from_track_uses_a_long_enough_baseline() -> None:
    current = _fix(10, 30.0, 30.0)
    previous = [_fix(9.9, 29.5, 29.5), _fix(5, 0.0, 0.0)]  # the closest is only 0.7 m away
    heading = heading_from_track(current, previous, min_baseline_m=8.0)
    assert heading is not None and heading.deg == pytest.approx(45.0, abs=0.2)
    assert heading.sigma_deg < 5


def test_heading_from_track_none_when_standing_or_stale() -> None:
    assert heading_from_track(_fix(10, 0.5), [_fix(9, 0.0)]) is None
    assert heading_from_track(_fix(100, 50.0), [_fix(0, 0.0)], max_age_s=30) is None


def test_an_unknown_accuracy_counts_as_the_assumed_one() -> None:
    known = heading_from_track(_fix(10, 20.0, accuracy_m=4.9), [_fix(8, 0.0, accuracy_m=4.9)])
    unknown = heading_from_track(_fix(10, 20.0, accuracy_m=None), [_fix(8, 0.0, accuracy_m=None)])
    assert known == unknown


DRIVEN = [_fix(0, 0.0), _fix(2, 10.0), _fix(4, 14.0)]  # north at ~3.5 m/s, then slowing down
PARKED = [_fix(4, 14.0)]


@pytest.mark.parametrize(
    ("current", "previous", "expected_deg", "expected_sigma_deg"),
    [
        (_fix(5, 16.0, heading_deg=90.0, speed_mps=10.0), DRIVEN, 90.0, REPORTED_SIGMA_DEG),
        (_fix(5, 16.0, heading_deg=90.0, speed_mps=1.5), DRIVEN, 0.0, pytest.approx(5.05, abs=0.01)),
        (_fix(5, 16.0), DRIVEN, 0.0, pytest.approx(5.05, abs=0.01)),
        (_fix(5, 14.5, heading_deg=90.0, speed_mps=0.0), PARKED, 90.0, STANDSTILL_SIGMA_DEG),
        (_fix(5, 14.5, speed_mps=0.0), PARKED, None, None),
    ],
    ids=["fast-reported", "slow-reported-gives-way", "absent", "stopped-keeps-reported", "stopped-none"],
)
def test_heading_of_follows_the_rule(
    current: GpsFix, previous: list[GpsFix], expected_deg: float | None, expected_sigma_deg: object
) -> None:
    heading = heading_of(current, previous)
    if expected_deg is None:
        assert heading is None
    else:
        assert heading is not None and heading.deg == pytest.approx(expected_deg, abs=0.01)
        assert heading.sigma_deg == expected_sigma_deg


def test_the_slow_threshold_is_two_metres_a_second() -> None:
    """Between 1 and 2 m/s a receiver's course is still noise: the track decides (the agent's old 1 m/s
    threshold kept it)."""
    assert SLOW_HEADING_MPS == 2.0
    just_slow = heading_of(_fix(5, 16.0, heading_deg=90.0, speed_mps=1.99), DRIVEN)
    just_fast = heading_of(_fix(5, 16.0, heading_deg=90.0, speed_mps=2.0), DRIVEN)
    assert just_slow is not None and just_slow.deg == pytest.approx(0.0, abs=0.01)
    assert just_fast is not None and just_fast.deg == 90.0


def test_a_baseline_under_eight_metres_gives_no_heading() -> None:
    """6 m is within a consumer receiver's error of 2 x 4.9 m (the agent's old 5 m baseline took it)."""
    assert HEADING_MIN_BASELINE_M == 8.0
    assert heading_of(_fix(5, 16.0), [_fix(2, 10.0)]) is None
    assert heading_of(_fix(5, 18.0), [_fix(2, 10.0)]) is not None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"lat": 91.0}, "lat=91"),
        ({"heading_deg": 361.0}, "heading_deg=361"),
        ({"accuracy_m": -1.0}, "accuracy_m=-1"),
    ],
    ids=["lat", "heading", "accuracy"],
)
def test_an_impossible_fix_is_refused_naming_the_field(fields: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GpsFix(**({"t_utc_s": T0, "lat": 37.2, "lon": 126.83} | fields))


def test_a_heading_of_360_is_north_and_valid_on_both_sides() -> None:
    assert GpsFix(T0, 37.2, 126.83, heading_deg=360.0).heading_deg == 360.0
