"""Patrol passes: which stretch of time is one pass, and the driven track reported for it.

The backend verifies repairs from coverage ("a later pass over the spot without a detection"), so each run
reports where the vehicle drove: the GPS fixes between its first and last frame, thinned to points at least
`min_step_m` apart (plus the last fix). A run longer than `max_s` is cut into several passes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from edge.gps import GpsFix, format_time_utc
from edge.timesync import distance_m

__all__ = ["PassClock", "pass_body", "thin_track"]


def thin_track(fixes: Sequence[GpsFix], min_step_m: float) -> list[dict[str, Any]]:
    """[{lat, lon, t}] with consecutive points >= min_step_m apart; the last fix is always kept."""
    track: list[dict[str, Any]] = []
    last: GpsFix | None = None
    for fix in fixes:
        if last is None or distance_m(last.lat, last.lon, fix.lat, fix.lon) >= min_step_m:
            track.append(
                {"lat": round(fix.lat, 7), "lon": round(fix.lon, 7), "t": format_time_utc(fix.t_utc_s)}
            )
            last = fix
    if fixes and last is not fixes[-1]:
        end = fixes[-1]
        track.append({"lat": round(end.lat, 7), "lon": round(end.lon, 7), "t": format_time_utc(end.t_utc_s)})
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
    """The POST /v1/passes body, or None when fewer than two points were driven with a fix.

    The pass id that the pass's sightings carry is the report's idempotency key (`client_id`): the API
    finds the sightings to fold by that key directly, and a report queued twice (a restart that re-reads
    the same pass) is still one pass. Without an id (a pass with no frames), a random key is used.
    """
    track = thin_track(fixes, min_step_m)
    if len(track) < 2:
        return None
    return {
        "client_id": pass_id or str(uuid.uuid4()),
        "vehicle_id": vehicle_id,
        "started_at": format_time_utc(start_utc_s),
        "ended_at": format_time_utc(end_utc_s),
        "track": track,
    }


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
