"""The prioritiser hook and its default SLA policy (pure: values in, values out).

`app.state.prioritiser` is any `Prioritiser` (facts, context, now, *, sla_start) -> Priority; the layers
part replaces the default with a richer policy (road class, school zones, ...) in the lifespan. Priority
1 is the most urgent. The default uses only what the backend knows: size, confidence and age, with UK
council-style response times (category 1: 24 h, category 2: 5 days, category 3: 28 days).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol


@dataclass(frozen=True, slots=True)
class PotholeFacts:
    id: int
    lat: float
    lon: float
    width_m: float
    length_m: float
    max_confidence: float
    sightings: int
    passes: int
    first_seen: datetime
    last_seen: datetime
    citizen_reports: int = 0


@dataclass(frozen=True, slots=True)
class ScoreTerm:
    points: float
    reason: str


class Priority(NamedTuple):
    """What a prioritiser returns; any 5-tuple in this order works (the layers policy returns its own)."""

    priority: int  # 1 (most urgent) .. 5
    category: str
    due_at: datetime
    score: float
    score_terms: list[dict[str, Any]]  # [{"points": float, "reason": str}], most points first


def normalise(result: Any) -> Priority:
    """Accept any prioritiser's 5-tuple; check the ranges so a bad policy fails loudly, not silently."""
    priority, category, due_at, score, terms = result
    if not 1 <= int(priority) <= 5:
        raise ValueError(f"prioritiser returned priority={priority}; expected 1..5")
    rows = [t if isinstance(t, dict) else {"points": t[0], "reason": t[1]} for t in terms]
    return Priority(
        int(priority),
        str(category),
        due_at,
        float(score),
        [{"points": float(r["points"]), "reason": str(r["reason"])} for r in rows],
    )


class Prioritiser(Protocol):
    """Scores a pothole at `now`; the due time counts the category's SLA from `sla_start` (default `now`)."""

    def __call__(
        self,
        pothole: PotholeFacts,
        context: dict[str, Any],
        now: datetime,
        *,
        sla_start: datetime | None = None,
    ) -> Any: ...  # a Priority-shaped 5-tuple


Enricher = Callable[[float, float], dict[str, Any]]

SLA_BY_CATEGORY: dict[str, timedelta] = {
    "cat1": timedelta(hours=24),
    "cat2": timedelta(days=5),
    "cat3": timedelta(days=28),
}


def no_context(lat: float, lon: float) -> dict[str, Any]:
    """The default enricher: the backend alone knows nothing about districts or roads."""
    return {}


def default_prioritiser(
    pothole: PotholeFacts, context: dict[str, Any], now: datetime, *, sla_start: datetime | None = None
) -> Priority:
    """Score from size, confidence, repeat sightings and age; the category follows the score.

    The SLA clock starts at `sla_start` (the order's filing time on a re-score), else `now`.
    """
    terms: list[ScoreTerm] = []
    size_m = max(pothole.width_m, pothole.length_m)
    if size_m >= 0.6:
        terms.append(ScoreTerm(40, f"large: {size_m:.2f} m across (>= 0.6 m)"))
    elif size_m >= 0.2:
        terms.append(ScoreTerm(20, f"intervention size: {size_m:.2f} m across (>= 0.2 m)"))
    else:
        terms.append(ScoreTerm(5, f"small: {size_m:.2f} m across"))
    terms.append(
        ScoreTerm(round(20 * pothole.max_confidence, 1), f"detector confidence {pothole.max_confidence:.2f}")
    )
    if pothole.passes >= 3:
        terms.append(ScoreTerm(10, f"seen on {pothole.passes} patrol passes"))
    age_days = (now - pothole.first_seen).total_seconds() / 86400
    if age_days >= 7:
        terms.append(ScoreTerm(10, f"first seen {age_days:.0f} days ago"))
    score = sum(t.points for t in terms)
    category = "cat1" if score >= 55 else "cat2" if score >= 35 else "cat3"
    priority = 1 if score >= 65 else 2 if score >= 55 else 3 if score >= 45 else 4 if score >= 35 else 5
    terms.sort(key=lambda t: -t.points)
    return Priority(
        priority,
        category,
        (sla_start or now) + SLA_BY_CATEGORY[category],
        score,
        [{"points": t.points, "reason": t.reason} for t in terms],
    )
