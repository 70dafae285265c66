"""The explainable priority policy: every point has a reason, categories carry SLA due times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from api.errors import PolicyError
from api.policy.model import DEFAULT_POLICY_PATH, Due, load_policy, parse_policy
from api.policy.score import PotholeFacts, add_due, facts_of, prioritise

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday


def context(
    road_class: str | None = None,
    stop_boardings: float | None = None,
    stop_m: float = 20.0,
    school_zone: bool = False,
) -> dict[str, Any]:
    ctx: dict[str, Any] = {"road": {"class": road_class} if road_class else None, "nearby": {}, "areas": {}}
    if stop_boardings is not None:
        ctx["nearby"]["hwaseong_bus_stops"] = [
            {"id": "1", "name": "Stop A", "distance_m": stop_m, "properties": {"board_day": stop_boardings}}
        ]
    if school_zone:
        ctx["areas"]["school_zones"] = {"inside": True, "ids": ["3"], "names": ["Hanmaeum"]}
    return ctx


def test_default_policy_explains_each_point() -> None:
    result = prioritise(PotholeFacts(width_m=0.7), context("arterial", 2400.0), load_policy(), NOW)
    reasons = {t["reason"]: t["points"] for t in result.score_terms}
    assert reasons == {
        "wider than 600 mm (0.70 m)": 30,
        "arterial road": 30,
        "within 50 m of bus stop Stop A with 2,400 daily boardings": 20,
    }
    assert (result.priority, result.category, result.score) == (1, "cat1-urgent", 80.0)
    assert result.due_at == NOW + timedelta(hours=12)  # Korean urgent practice


def test_tiers_in_one_group_do_not_add_up() -> None:
    result = prioritise(PotholeFacts(width_m=0.7), context(), load_policy(), NOW)
    assert result.score == 30.0 and len(result.score_terms) == 1


def test_below_intervention_width_is_capped() -> None:
    result = prioritise(
        PotholeFacts(width_m=0.15), context("motorway", 3000.0, school_zone=True), load_policy(), NOW
    )
    assert result.score >= 60 and result.category == "cat3" and result.priority == 4
    assert "below intervention width 200 mm" in result.score_terms[-1]["reason"]


def test_sla_clock_keeps_the_filing_time_when_rescored() -> None:
    filed = NOW - timedelta(days=2)
    result = prioritise(
        PotholeFacts(width_m=0.35, first_seen=filed),
        context("collector"),
        load_policy(),
        NOW,
        sla_start=filed,
    )
    assert result.category == "cat2" and result.due_at == add_due(filed, Due(working_days=5))


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (datetime(2026, 11, 25, 10, tzinfo=UTC), datetime(2026, 12, 2, 10, tzinfo=UTC)),  # Wed -> next Wed
        (datetime(2026, 11, 27, 10, tzinfo=UTC), datetime(2026, 12, 4, 10, tzinfo=UTC)),  # Fri -> next Fri
        (datetime(2026, 11, 28, 10, tzinfo=UTC), datetime(2026, 12, 4, 10, tzinfo=UTC)),  # Sat -> Fri
    ],
    ids=["wednesday", "friday", "saturday"],
)
def test_five_working_days_skip_weekends(start: datetime, due: datetime) -> None:
    assert add_due(start, Due(working_days=5)) == due


def test_changed_policy_changes_the_score() -> None:
    text = load_policy().model_dump_json()
    stricter = parse_policy(text.replace('"arterial":30.0', '"arterial":50.0'))
    before = prioritise(PotholeFacts(width_m=0.3), context("arterial"), load_policy(), NOW)
    after = prioritise(PotholeFacts(width_m=0.3), context("arterial"), stricter, NOW)
    assert after.score == before.score + 20


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("categories: []", "categories: at least one category"),
        (
            "terms: [{group: a, reason: r}]\n"
            "categories: [{name: c, priority: 1, min_score: 0, due: {hours: 1}}]",
            "exactly one of field, road_class, near, area",
        ),
        (
            "categories: [{name: c, priority: 9, min_score: 0, due: {hours: 1}}]",
            "policy.categories.0.priority",
        ),
        (
            "categories: [{name: c, priority: 1, min_score: 0, due: {hours: 1, days: 2}}]",
            "exactly one of hours",
        ),
        ("[1, 2", "not valid YAML"),
    ],
    ids=["no-categories", "term-subject", "priority-range", "due", "yaml"],
)
def test_bad_policy_names_the_key(text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message.replace(".", r"\.").replace("[", r"\[")):
        parse_policy(text)


def test_without_layers_the_default_policy_ranks_by_the_potholes_own_facts() -> None:
    """The service always scores with the policy; where no layers are loaded the context is empty."""
    small = prioritise(PotholeFacts(width_m=0.1, length_m=0.1, max_confidence=0.5), {}, load_policy(), NOW)
    big = prioritise(PotholeFacts(width_m=0.9, max_confidence=0.95), {}, load_policy(), NOW)
    assert big.priority < small.priority
    assert big.due_at - NOW == timedelta(days=28) and small.due_at - NOW == timedelta(days=56)
    assert all({"points", "reason"} <= set(t) for t in big.score_terms)


def test_a_policy_cannot_give_a_priority_outside_1_to_5() -> None:
    document = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    document["categories"][0]["priority"] = 9
    with pytest.raises(PolicyError, match="priority"):
        parse_policy(document)


def test_facts_of_a_stored_pothole_treat_zero_size_as_unknown_and_count_citizen_reports() -> None:
    row = SimpleNamespace(
        width_m=0.0,
        length_m=0.0,
        first_seen=NOW.replace(tzinfo=None),  # SQLite hands naive UTC back
        sighting_count=0,
        pass_count=3,
        max_confidence=0.0,
        citizen_report_count=2,
    )
    assert facts_of(row) == PotholeFacts(
        width_m=None,
        length_m=None,
        first_seen=NOW,
        sightings=1,
        passes=3,
        citizen_reports=2,
        max_confidence=0.0,
    )
