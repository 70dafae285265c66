"""Patrol passes: which stretch of time is one pass, and the driven track reported for it.

The backend verifies repairs from coverage ("a later pass over the spot without a detection"), so each run
reports where the vehicle drove: the GPS fixes between its first and last frame, thinned to points at least
`min_step_m` apart (plus the last fix). A run longer than `max_s` is cut into several passes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from common.contract import PassIn, TrackPoint, format_time_utc, utc_datetime, wire_json
from common.geodesy import distance_m
from common.gps import GpsFix

__all__ = ["PassClock", "pass_body", "thin_track"]


def thin_track(fixes: Sequence[GpsFix], min_step_m: float) -> list[GpsFix]:
    """The fixes with consecutive ones >= min_step_m apart; the last fix is always kept."""
    track: list[GpsFix] = []
    for fix in fixes:
        if not track or distance_m(track[-1].position, fix.position) >= min_step_m:
            track.append(fix)
    if fixes and track[-1] is not fixes[-1]:
        track.append(fixes[-1])
    return track


def pass_body(
    vehicle_id: str,
    start_utc_s: float,
    end_utc_s: float,
    fixes: Sequence[GpsFix],
    min_step_m: float,
    *,
    pass_id: str | None = None,
) -> dict[str, Any] | None:
    """The POST /v1/passes body (`PassIn`), or None when fewer than two points were driven with a fix.

    The pass id that the pass's sightings carry is the report's idempotency key (`client_id`): the API
    finds the sightings to fold by that key directly, and a report queued twice (a restart that re-reads
    the same pass) is still one pass. Without an id (a pass with no frames), a random key is used.
    """
    track = thin_track(fixes, min_step_m)
    if len(track) < 2:
        return None
    body = PassIn(
        client_id=pass_id or str(uuid.uuid4()),
        vehicle_id=vehicle_id,
        started_at=utc_datetime(start_utc_s),
        ended_at=utc_datetime(end_utc_s),
        track=[TrackPoint.from_fix(fix) for fix in track],
    )
    return wire_json(body)


class PassClock:
    """Start, end and id of the current pass; `extend` returns the (start, end) of a pass it just cut."""

    def __init__(self, vehicle_id: str, max_s: float) -> None:
        if max_s <= 0:
            raise ValueError(f"pass max_s={max_s} must be > 0")
        self.vehicle_id = vehicle_id
        self.max_s = max_s
        self.start_utc_s: float | None = None
        self.end_utc_s: float | None = None
        self.pass_id: str | None = None

    def extend(self, t_utc_s: float) -> tuple[float, float] | None:
        closed = None
        if self.start_utc_s is not None and t_utc_s - self.start_utc_s > self.max_s:
            closed = self.close()
        if self.start_utc_s is None:
            self.start_utc_s = t_utc_s
            self.pass_id = f"{self.vehicle_id}/{format_time_utc(t_utc_s)[:19]}Z"
        self.end_utc_s = t_utc_s
        return closed

    def close(self) -> tuple[float, float] | None:
        if self.start_utc_s is None or self.end_utc_s is None:
            return None
        span = (self.start_utc_s, self.end_utc_s)
        self.start_utc_s = self.end_utc_s = None
        return span
