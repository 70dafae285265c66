"""PURE: pothole facts + context + policy -> priority, SLA category, due time and the score's reasons.

Crews and managers must see *why* an order is urgent, so every point comes with a reason string and
nothing is scored that is not in the policy file.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from api.policy.model import Category, Due, Policy, Term

__all__ = [
    "PotholeFacts",
    "PotholeRecord",
    "Prioritised",
    "Prioritiser",
    "ScoreTerm",
    "add_due",
    "facts_of",
    "prioritise",
]


class PotholeRecord(Protocol):
    """What scoring reads from a stored pothole (the Pothole row has these columns)."""

    @property
    def width_m(self) -> float: ...
    @property
    def length_m(self) -> float: ...
    @property
    def first_seen(self) -> datetime: ...
    @property
    def sighting_count(self) -> int: ...
    @property
    def pass_count(self) -> int: ...
    @property
    def max_confidence(self) -> float: ...
    @property
    def citizen_report_count(self) -> int: ...


@dataclass(frozen=True, slots=True)
class PotholeFacts:
    """What the policy may look at besides the context; unknown sizes stay None (never guessed)."""

    width_m: float | None = None
    length_m: float | None = None
    first_seen: datetime | None = None
    sightings: int = 1
    passes: int = 1
    citizen_reports: int = 0
    max_confidence: float | None = None


class ScoreTerm(NamedTuple):
    points: float
    reason: str

    def as_json(self) -> dict[str, Any]:
        points = int(self.points) if float(self.points).is_integer() else round(self.points, 2)
        return {"points": points, "reason": self.reason}


class Prioritised(NamedTuple):
    """A work order's priority (1 most urgent .. 5), SLA category, due time, score and its reasons."""

    priority: int
    category: str
    due_at: datetime
    score: float
    score_terms: list[dict[str, Any]]  # [{"points": float, "reason": str}], most points first


class Prioritiser(Protocol):
    """Scores a pothole in its context under the policy in force (the layers runtime's `score`)."""

    def __call__(
        self,
        pothole: PotholeRecord,
        context: Mapping[str, Any] | None,
        now: datetime,
        *,
        sla_start: datetime | None = None,
    ) -> Prioritised: ...


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def facts_of(pothole: PotholeRecord) -> PotholeFacts:
    """A width of 0 means "not measured" (a pothole only citizens reported), never "tiny"."""
    return PotholeFacts(
        width_m=pothole.width_m if pothole.width_m and pothole.width_m > 0 else None,
        length_m=pothole.length_m if pothole.length_m and pothole.length_m > 0 else None,
        first_seen=_utc(pothole.first_seen),
        sightings=int(pothole.sighting_count or 1),
        passes=int(pothole.pass_count or 1),
        citizen_reports=int(pothole.citizen_report_count or 0),
        max_confidence=pothole.max_confidence,
    )


def add_due(start: datetime, due: Due) -> datetime:
    """SLA clock: hours and days are calendar time; working days skip Saturdays and Sundays."""
    start = _utc(start)
    if due.hours is not None:
        return start + timedelta(hours=due.hours)
    if due.days is not None:
        return start + timedelta(days=due.days)
    assert due.working_days is not None
    current, left = start, due.working_days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def _fmt(template: str, values: dict[str, Any]) -> str:
    try:
        return template.format_map(values)
    except (KeyError, ValueError, TypeError, IndexError):
        return template


def _field_value(term: Term, facts: PotholeFacts, now: datetime) -> float | None:
    if term.field == "age_days":
        return None if facts.first_seen is None else (now - facts.first_seen).total_seconds() / 86_400.0
    value = getattr(facts, term.field or "", None)
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _in_band(value: float, term: Term) -> bool:
    return (term.min is None or value >= term.min) and (term.max is None or value < term.max)


def _match(term: Term, facts: PotholeFacts, context: Mapping[str, Any], now: datetime) -> ScoreTerm | None:
    """The term's contribution if it applies, else None."""
    if term.field is not None:
        value = _field_value(term, facts, now)
        if value is None or not _in_band(value, term):
            return None
        return ScoreTerm(term.points, _fmt(term.reason, {"value": value}))
    if term.road_class is not None:
        road = context.get("road") or {}
        road_class = road.get("class")
        if road_class not in term.road_class:
            return None
        return ScoreTerm(term.road_class[road_class], _fmt(term.reason, {"class": road_class, **road}))
    if term.near is not None:
        return _match_near(term, context)
    assert term.area is not None
    for layer_name, flag in (context.get("areas") or {}).items():
        if fnmatch.fnmatch(layer_name, term.area) and flag.get("inside"):
            names = ", ".join(str(n) for n in flag.get("names") or []) or layer_name
            return ScoreTerm(term.points, _fmt(term.reason, {"name": names, "layer": layer_name}))
    return None


def _match_near(term: Term, context: Mapping[str, Any]) -> ScoreTerm | None:
    """The best qualifying site: the highest `property` value (or the nearest when no property is named)."""
    best: tuple[float, dict[str, Any]] | None = None
    for layer_name, hits in (context.get("nearby") or {}).items():
        if not fnmatch.fnmatch(layer_name, term.near or ""):
            continue
        for hit in hits:
            if hit.get("distance_m", math.inf) > (term.within_m or 0):
                continue
            value = (hit.get("properties") or {}).get(term.property) if term.property else -hit["distance_m"]
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue
            if term.property and not _in_band(float(value), term):
                continue
            if best is None or value > best[0]:
                best = (float(value), hit)
    if best is None:
        return None
    value, hit = best
    values = {
        "value": value,
        "name": hit.get("name") or hit.get("id"),
        "distance_m": hit.get("distance_m"),
        "within_m": f"{term.within_m:g}",
    }
    return ScoreTerm(term.points, _fmt(term.reason, values))


def _category(policy: Policy, score: float) -> Category:
    return next((c for c in policy.categories if score >= c.min_score), policy.categories[-1])


def prioritise(
    facts: PotholeFacts,
    context: Mapping[str, Any] | None,
    policy: Policy,
    now: datetime,
    *,
    sla_start: datetime | None = None,
) -> Prioritised:
    """Score = sum of the best matching term per group; category by score, capped below intervention width.

    `sla_start` is when the order was filed (re-scoring keeps the original SLA clock); default `now`.
    """
    now = _utc(now)
    context = context or {}
    best: dict[str, ScoreTerm] = {}
    for term in policy.terms:
        hit = _match(term, facts, context, now)
        if hit is not None and (term.group not in best or hit.points > best[term.group].points):
            best[term.group] = hit
    terms = sorted(best.values(), key=lambda t: -t.points)
    score = float(sum(t.points for t in terms))
    category = _category(policy, score)
    cap = policy.intervention
    if cap.best_category_below and facts.width_m is not None and facts.width_m < cap.min_width_m:
        capped = next(c for c in policy.categories if c.name == cap.best_category_below)
        if capped.priority > category.priority:
            category = capped
            terms.append(
                ScoreTerm(
                    0.0,
                    f"below intervention width {cap.min_width_m * 1000:.0f} mm "
                    f"({facts.width_m:.2f} m): at most {capped.name}",
                )
            )
    due_at = add_due(sla_start or now, category.due)
    return Prioritised(category.priority, category.name, due_at, score, [t.as_json() for t in terms])
