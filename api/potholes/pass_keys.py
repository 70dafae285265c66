"""PURE: the key that groups a vehicle's sightings into one patrol pass (`sighting.pass_key`).

A pass id is the vehicle's own: the key is `<vehicle_id>/<pass_id>`, so another vehicle sending the same
id never joins this vehicle's pass (a vehicle id holds no '/', so the key splits one way only). Sightings
sent without a pass id fall into `<vehicle_id>@<time bucket>`. People see the pass id as the vehicle sent
it (`shown_pass_id`).
"""

from __future__ import annotations

__all__ = ["bucket_pass_key", "given_pass_key", "shown_pass_id"]


def given_pass_key(vehicle_id: str, pass_id: str) -> str:
    return f"{vehicle_id}/{pass_id}"


def bucket_pass_key(vehicle_id: str, captured_at_utc_s: float, pass_gap_s: float) -> str:
    return f"{vehicle_id}@{int(captured_at_utc_s // pass_gap_s)}"


def shown_pass_id(vehicle_id: str, pass_key: str) -> str:
    """The pass id the vehicle sent; a time-bucketed key is shown whole."""
    own = f"{vehicle_id}/"
    return pass_key[len(own) :] if pass_key.startswith(own) else pass_key
