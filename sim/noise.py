"""GPS and heading errors as a consumer receiver makes them: a slow bias per pass plus a little jitter.

The bias is a first-order Gauss-Markov process per axis (stationary sigma, correlation time tau), drawn
fresh for every pass, so fixes within a pass share most of their error (averaging them removes little)
while passes on different days are independent (averaging them does). With sigma_axis = r95 / 2.45 the
horizontal error is r95 at 95 %. Dropouts are whole outages of a few seconds (tunnels, urban canyons).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from common.gps import R95_PER_SIGMA

__all__ = ["GpsErrorModel", "PassNoise"]


@dataclass(frozen=True, slots=True)
class GpsErrorModel:
    r95_m: float = 5.0
    tau_s: float = 120.0
    white_sigma_m: float = 0.3
    heading_sigma_deg: float = 2.0
    dropout_probability: float = 0.3
    dropout_s: tuple[float, float] = (3.0, 8.0)

    def __post_init__(self) -> None:
        if self.r95_m < 0 or self.tau_s <= 0 or self.heading_sigma_deg < 0:
            raise ValueError(f"invalid GPS error model: {self}")


class PassNoise:
    """Errors for one pass, evaluated at increasing times."""

    def __init__(self, model: GpsErrorModel, duration_s: float, rng: random.Random) -> None:
        self.model = model
        self._rng = rng
        sigma = math.hypot(model.r95_m / R95_PER_SIGMA, 0.0)
        self._sigma = sigma
        self._bias = [rng.gauss(0, sigma), rng.gauss(0, sigma)]
        self._t: float | None = None
        self.outages: list[tuple[float, float]] = []
        if rng.random() < model.dropout_probability and duration_s > 20:
            length = rng.uniform(*model.dropout_s)
            start = rng.uniform(5.0, max(5.0, duration_s - length - 5.0))
            self.outages.append((start, start + length))

    def in_outage(self, t_s: float) -> bool:
        return any(a <= t_s < b for a, b in self.outages)

    def position_error_m(self, t_s: float) -> tuple[float, float]:
        """(east, north) error at t_s (call with non-decreasing t)."""
        if self._t is not None:
            dt = max(0.0, t_s - self._t)
            phi = math.exp(-dt / self.model.tau_s)
            drive = self._sigma * math.sqrt(1 - phi * phi)
            self._bias = [phi * b + self._rng.gauss(0, drive) for b in self._bias]
        self._t = t_s
        w = self.model.white_sigma_m
        return self._bias[0] + self._rng.gauss(0, w), self._bias[1] + self._rng.gauss(0, w)

    def heading_error_deg(self, speed_mps: float) -> float:
        """Course over ground is worse when slow: sigma grows as the speed drops below 3 m/s."""
        scale = 1.0 if speed_mps >= 3.0 else 3.0 / max(speed_mps, 0.3)
        return self._rng.gauss(0, self.model.heading_sigma_deg * scale)
