"""A policy change through the API re-scores open work orders, with reasons and an audit entry."""

from __future__ import annotations

from typing import Any

from layer_factories import ADMIN, ingest

from api.policy.model import DEFAULT_POLICY_PATH


def test_policy_change_rescores_open_orders(client: Any) -> None:
    pothole = ingest(client, 37.2000, 127.0700, width_px=200.0)
    order = pothole["work_order"]
    assert order["score_terms"] and all({"points", "reason"} <= set(t) for t in order["score_terms"])
    current = client.get("/v1/policy", headers=ADMIN).json()
    assert current["policy"]["categories"][0]["due"] == {"hours": 12.0, "days": None, "working_days": None}

    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    assert current["document"] == text and current["origin"] == "file:default_policy.yaml"
    stricter = text.replace(
        "terms:\n",
        'terms:\n  - {group: district, area: "*si_kostat2018", points: 45,'
        ' reason: "inside {name} (city-wide campaign)"}\n',
        1,
    )
    answer = client.put("/v1/policy", headers={**ADMIN, "Content-Type": "application/yaml"}, content=stricter)
    assert answer.status_code == 200, answer.text
    assert answer.json()["rescored"]["orders_rescored"] >= 1 and answer.json()["id"] == current["id"] + 1

    after = client.get(f"/v1/potholes/{pothole['id']}", headers=ADMIN).json()["work_order"]
    assert {"points": 45.0, "reason": "inside 화성시 (city-wide campaign)"} in after["score_terms"]
    assert after["score"] == order["score"] + 45
    assert after["priority"] < order["priority"]
    history = client.get(f"/v1/work-orders/{order['id']}/history", headers=ADMIN).json()
    assert any("re-scored" in (event.get("note") or "") for event in history)


def test_bad_policy_is_422_naming_the_key(client: Any) -> None:
    answer = client.put(
        "/v1/policy",
        headers=ADMIN,
        content="categories: [{name: c, priority: 7, min_score: 0, due: {hours: 1}}]",
    )
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("policy.categories.0.priority:")


def test_rescore_now_picks_up_age(client: Any) -> None:
    from datetime import UTC, datetime, timedelta

    old = (datetime.now(UTC) - timedelta(days=20)).isoformat().replace("+00:00", "Z")
    pothole = ingest(client, 37.2000, 127.0700, captured_at=old)
    assert client.post("/v1/policy/rescore", headers=ADMIN).json()["rescored"]["orders_rescored"] == 1
    terms = client.get(f"/v1/potholes/{pothole['id']}", headers=ADMIN).json()["work_order"]["score_terms"]
    assert {"points": 10.0, "reason": "open for 20 days"} in terms
