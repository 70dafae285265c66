"""PURE: pothole and work-order rows -> the numbers a road department reports.

By district, status and severity; per km of road when a road layer is loaded; mean and p90 time to repair;
SLA compliance; a weekly trend. Severity is the size band of the estimated width (depth cannot be measured
from one monocular frame), with the UK intervention level (200 mm) as a band edge.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = ["OrderRow", "PotholeRow", "compute_stats", "percentile", "severity_of", "stats_rows"]

OPEN_POTHOLE_STATUSES = frozenset({"candidate", "confirmed"})
QUEUE = frozenset({"open", "assigned", "in_progress", "reopened"})


@dataclass(frozen=True, slots=True)
class PotholeRow:
    id: int
    status: str
    width_m: float
    first_seen: datetime
    district_code: str | None
    district_name: str | None
    road_class: str | None


@dataclass(frozen=True, slots=True)
class OrderRow:
    pothole_id: int
    status: str
    category: str
    created_at: datetime
    due_at: datetime
    repaired_at: datetime | None


def severity_of(width_m: float) -> str:
    if width_m <= 0:
        return "unknown (citizen report)"
    if width_m >= 0.6:
        return "large (>= 600 mm)"
    if width_m >= 0.3:
        return "medium (300-600 mm)"
    if width_m >= 0.2:
        return "small (200-300 mm)"
    return "below intervention (< 200 mm)"


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), None for no data."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _week(value: datetime) -> str:
    monday = (value - timedelta(days=value.weekday())).date()
    return monday.isoformat()


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def compute_stats(
    potholes: Iterable[PotholeRow],
    orders: Iterable[OrderRow],
    *,
    now: datetime,
    road_km_by_class: dict[str, float] | None = None,
    weeks: int = 12,
) -> dict[str, Any]:
    """`orders`: the latest order per pothole. `road_km_by_class`: from the loaded road layers (or None)."""
    potholes = list(potholes)
    latest = {o.pothole_id: o for o in orders}
    live = [p for p in potholes if p.status != "rejected"]
    by_district: dict[str, dict[str, Any]] = {}
    for p in live:
        key = p.district_code or "unknown"
        row = by_district.setdefault(
            key, {"code": p.district_code, "name": p.district_name, "total": 0, "open": 0}
        )
        row["total"] += 1
        row["open"] += p.status in OPEN_POTHOLE_STATUSES
    repaired = [o for o in latest.values() if o.repaired_at is not None]
    hours = [(o.repaired_at - o.created_at).total_seconds() / 3600.0 for o in repaired if o.repaired_at]
    on_time = sum(1 for o in repaired if o.repaired_at and o.repaired_at <= o.due_at)
    open_orders = [o for o in latest.values() if o.status in QUEUE]
    overdue = sum(1 for o in open_orders if o.due_at < now)
    trend: dict[str, Counter[str]] = defaultdict(Counter)
    start = now - timedelta(weeks=weeks)
    for p in live:
        if p.first_seen >= start:
            trend[_week(p.first_seen)]["new"] += 1
    for o in repaired:
        if o.repaired_at and o.repaired_at >= start:
            trend[_week(o.repaired_at)]["repaired"] += 1
    result: dict[str, Any] = {
        "generated_at": now.isoformat().replace("+00:00", "Z"),
        "potholes": len(live),
        "rejected": len(potholes) - len(live),
        "by_status": dict(sorted(Counter(p.status for p in potholes).items())),
        "by_severity": dict(sorted(Counter(severity_of(p.width_m) for p in live).items())),
        "by_category": dict(sorted(Counter(o.category for o in open_orders).items())),
        "by_district": sorted(by_district.values(), key=lambda r: (-r["total"], str(r["code"]))),
        "time_to_repair_h": {
            "count": len(hours),
            "mean": _round(sum(hours) / len(hours) if hours else None),
            "p90": _round(percentile(hours, 90)),
        },
        "sla": {
            "repaired": len(repaired),
            "on_time": on_time,
            "compliance": _round(on_time / len(repaired), 4) if repaired else None,
            "open_orders": len(open_orders),
            "open_overdue": overdue,
        },
        "weekly": [
            {"week": w, "new": trend[w]["new"], "repaired": trend[w]["repaired"]} for w in sorted(trend)
        ],
        "per_road_km": None,
    }
    if road_km_by_class:
        per_class = Counter(p.road_class for p in live if p.road_class)
        total_km = sum(road_km_by_class.values())
        result["per_road_km"] = {
            "road_km": round(total_km, 3),
            "potholes_on_roads": sum(per_class.values()),
            "per_km": _round(sum(per_class.values()) / total_km if total_km else None, 3),
            "by_class": {
                c: {
                    "road_km": round(km, 3),
                    "potholes": per_class.get(c, 0),
                    "per_km": _round(per_class.get(c, 0) / km if km else None, 3),
                }
                for c, km in sorted(road_km_by_class.items())
            },
        }
    return result


def stats_rows(stats: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    """Flatten for CSV: (section, key, metric, value)."""
    rows: list[tuple[str, str, str, Any]] = [
        ("total", "", "potholes", stats["potholes"]),
        ("total", "", "rejected", stats["rejected"]),
    ]
    for section in ("by_status", "by_severity", "by_category"):
        rows += [(section, k, "count", v) for k, v in stats[section].items()]
    for d in stats["by_district"]:
        rows += [
            ("by_district", f"{d['code']} {d['name'] or ''}".strip(), m, d[m]) for m in ("total", "open")
        ]
    rows += [("time_to_repair_h", "", m, v) for m, v in stats["time_to_repair_h"].items()]
    rows += [("sla", "", m, v) for m, v in stats["sla"].items()]
    for w in stats["weekly"]:
        rows += [("weekly", w["week"], m, w[m]) for m in ("new", "repaired")]
    per_km = stats.get("per_road_km")
    if per_km:
        rows += [("per_road_km", "", m, per_km[m]) for m in ("road_km", "potholes_on_roads", "per_km")]
        for c, v in per_km["by_class"].items():
            rows += [("per_road_km", c, m, v[m]) for m in ("road_km", "potholes", "per_km")]
    return rows
