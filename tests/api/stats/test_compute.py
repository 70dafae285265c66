"""The pure statistics: repair time percentiles, SLA compliance, weekly trend, per km of road."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.stats.compute import OrderRow, PotholeRow, compute_stats, percentile, severity_of

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def pothole(
    pid: int,
    status: str = "confirmed",
    width_m: float = 0.4,
    days_ago: float = 1.0,
    road_class: str | None = "arterial",
) -> PotholeRow:
    return PotholeRow(pid, status, width_m, NOW - timedelta(days=days_ago), "31240610", "동탄1동", road_class)


def order(pid: int, hours_to_repair: float | None, due_h: float = 24.0, status: str = "verified") -> OrderRow:
    created = NOW - timedelta(days=3)
    repaired = created + timedelta(hours=hours_to_repair) if hours_to_repair is not None else None
    return OrderRow(pid, status, "cat1", created, created + timedelta(hours=due_h), repaired)


def test_repair_time_and_sla() -> None:
    orders = [order(i, h) for i, h in enumerate([2.0, 4.0, 6.0, 8.0, 30.0], start=1)]
    orders.append(order(6, None, due_h=1.0, status="open"))
    stats = compute_stats([pothole(i) for i in range(1, 7)], orders, now=NOW)
    assert stats["time_to_repair_h"] == {"count": 5, "mean": 10.0, "p90": pytest.approx(21.2)}
    assert stats["sla"] == {
        "repaired": 5,
        "on_time": 4,
        "compliance": 0.8,
        "open_orders": 1,
        "open_overdue": 1,
    }


def test_per_km_and_severity() -> None:
    rows = [
        pothole(1),
        pothole(2, road_class="local"),
        pothole(3, status="rejected"),
        pothole(4, width_m=0.1),
    ]
    stats = compute_stats(rows, [], now=NOW, road_km_by_class={"arterial": 2.0, "local": 8.0})
    assert stats["potholes"] == 3 and stats["rejected"] == 1
    assert stats["per_road_km"]["by_class"]["arterial"] == {"road_km": 2.0, "potholes": 2, "per_km": 1.0}
    assert stats["by_severity"] == {"below intervention (< 200 mm)": 1, "medium (300-600 mm)": 2}
    assert severity_of(0.0).startswith("unknown")


def test_weekly_trend_counts_new_and_repaired() -> None:
    stats = compute_stats([pothole(1, days_ago=0.5), pothole(2, days_ago=8)], [order(1, 5.0)], now=NOW)
    weeks = {w["week"]: w for w in stats["weekly"]}
    assert weeks["2026-11-23"]["new"] == 1 and weeks["2026-11-16"]["new"] == 1
    assert weeks["2026-11-16"]["repaired"] == 1  # repaired on Sunday 2026-11-22


def test_percentile_matches_numpy() -> None:
    import numpy as np

    values = [3.0, 1.0, 9.0, 4.0, 7.0, 2.0]
    assert percentile(values, 90) == pytest.approx(float(np.percentile(values, 90)))
    assert percentile([], 90) is None
