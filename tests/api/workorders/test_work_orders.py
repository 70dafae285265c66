"""Work orders through HTTP: the state machine, 409s, crews' rights, the audit log, reject, verify, reopen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from backend_factories import SITE, T0, confirmed_pothole, make_crew, make_item, make_key, post_items
from fastapi.testclient import TestClient

from common.geodesy import offset_latlon


def patch(client: TestClient, order_id: int, key: str | None = None, **body: object) -> object:
    headers = {"X-API-Key": key} if key else {}
    return client.patch(f"/v1/work-orders/{order_id}", json=body, headers=headers)


def test_happy_path_is_audited(client: TestClient) -> None:
    _, order_id = confirmed_pothole(client)
    crew = make_key(client, "crew", "crew-3")
    assert patch(client, order_id, status="assigned", assignee="crew-3").status_code == 200
    assert patch(client, order_id, crew, status="in_progress", note="on site").status_code == 200
    done = patch(client, order_id, crew, status="repaired", note="filled")
    assert done.status_code == 200 and done.json()["repaired_at"]
    events = client.get(f"/v1/work-orders/{order_id}/history").json()
    assert [(e["from_status"], e["to_status"]) for e in events] == [
        (None, "open"),
        ("open", "assigned"),
        ("assigned", "in_progress"),
        ("in_progress", "repaired"),
    ]
    assert events[2]["actor"] == "crew:crew-3" and events[2]["note"] == "on site"


@pytest.mark.parametrize("target", ["repaired", "verified", "in_progress", "reopened"])
def test_illegal_transition_is_409(client: TestClient, target: str) -> None:
    _, order_id = confirmed_pothole(client)
    response = patch(client, order_id, status=target)
    assert response.status_code == 409 and "open" in response.json()["detail"]
    assert client.get(f"/v1/work-orders/{order_id}").json()["status"] == "open"


def test_unknown_status_is_422_and_unknown_order_404(client: TestClient) -> None:
    _, order_id = confirmed_pothole(client)
    assert patch(client, order_id, status="done").status_code == 422
    assert patch(client, 999_999, status="assigned", assignee="x").status_code == 404


def test_assign_needs_an_assignee(client: TestClient) -> None:
    _, order_id = confirmed_pothole(client)
    response = patch(client, order_id, status="assigned")
    assert response.status_code == 422 and "assignee" in response.json()["detail"]


def test_crew_may_update_only_its_own_orders(client: TestClient) -> None:
    _, order_id = confirmed_pothole(client)
    make_crew(client, "crew-1")
    patch(client, order_id, status="assigned", assignee="crew-1")
    other = make_key(client, "crew", "crew-2")
    response = patch(client, order_id, other, status="in_progress")
    # the refusal names the caller's crew, never whose order it is (crews read only their own)
    assert response.status_code == 403 and "crew-2" in response.json()["detail"]
    assert "crew-1" not in response.json()["detail"]
    own = make_key(client, "crew", "crew-1")
    assert patch(client, order_id, own, status="in_progress", assignee="crew-2").status_code == 403
    vehicle = make_key(client, "vehicle", "bus-17")
    assert patch(client, order_id, vehicle, status="in_progress").status_code == 403
    manager = make_key(client, "manager", "boss")
    assert patch(client, order_id, manager, status="in_progress").status_code == 200


def test_refusals_name_statuses_in_plain_words(client: TestClient) -> None:
    _, order_id = confirmed_pothole(client)
    own = make_key(client, "crew", "crew-1")
    unassigned = patch(client, order_id, own, status="in_progress")
    assert unassigned.status_code == 403  # type: ignore[attr-defined]
    assert unassigned.json()["detail"] == (  # type: ignore[attr-defined]
        f"work_order_id={order_id}: a crew may change only the orders assigned to it, "
        "and this one is not assigned to crew 'crew-1'"
    )
    assert patch(client, order_id, status="assigned", assignee="crew-1").status_code == 200  # type: ignore[attr-defined]
    refused = patch(client, order_id, own, status="verified")
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert refused.json()["detail"] == (  # type: ignore[attr-defined]
        "status: a crew may set assigned, in_progress, rejected or repaired on its own orders, "
        "not 'verified' or another assignee"
    )
    illegal = patch(client, order_id, status="verified")
    assert illegal.status_code == 409  # type: ignore[attr-defined]
    assert "<" not in illegal.json()["detail"] and "(allowed: " in illegal.json()["detail"]  # type: ignore[attr-defined]
    vehicle = make_key(client, "vehicle", "bus-17")
    history = client.get(f"/v1/work-orders/{order_id}/history", headers={"X-API-Key": vehicle})
    assert history.json()["detail"] == "a vehicle key may not do this; it needs an admin, crew or manager key"


def test_not_a_pothole_rejects_it_and_keeps_sightings_as_negatives(client: TestClient) -> None:
    pothole_id, order_id = confirmed_pothole(client)
    crew = make_key(client, "crew", "crew-1")
    patch(client, order_id, status="assigned", assignee="crew-1")
    assert patch(client, order_id, crew, status="rejected", note="manhole cover").status_code == 200
    detail = client.get(f"/v1/potholes/{pothole_id}").json()
    assert detail["status"] == "rejected" and detail["sightings"] == 2
    assert all(s["negative"] for s in detail["sighting_list"])
    again = post_items(client, make_item(pass_id="p-3", captured_at=T0 + timedelta(days=3)))[0]
    assert again["pothole_id"] == pothole_id  # the same false positive joins the rejected record...
    detail = client.get(f"/v1/potholes/{pothole_id}").json()
    assert detail["status"] == "rejected" and all(s["negative"] for s in detail["sighting_list"])
    assert detail["work_order"]["status"] == "rejected"  # ...and files no new order
    reopened = patch(client, order_id, status="reopened", note="it is a pothole after all")
    assert reopened.status_code == 200
    detail = client.get(f"/v1/potholes/{pothole_id}").json()
    assert detail["status"] == "confirmed" and not any(s["negative"] for s in detail["sighting_list"])


def _repair(client: TestClient, order_id: int) -> None:
    make_crew(client, "crew-1")
    patch(client, order_id, status="assigned", assignee="crew-1")
    patch(client, order_id, status="in_progress")
    assert patch(client, order_id, status="repaired").status_code == 200


def _pass_over(client: TestClient, client_id: str, start: datetime, *, target=SITE) -> dict:
    west, east = offset_latlon(target, 0, -60, 0.0), offset_latlon(target, 0, 60, 0.0)
    body = {
        "client_id": client_id,
        "vehicle_id": "bus-17",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(seconds=30)).isoformat(),
        "track": [
            {"lat": west.lat, "lon": west.lon, "t": start.isoformat()},
            {"lat": east.lat, "lon": east.lon, "t": (start + timedelta(seconds=20)).isoformat()},
        ],
    }
    response = client.post("/v1/passes", json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_a_clean_pass_verifies_a_repair(client: TestClient) -> None:
    pothole_id, order_id = confirmed_pothole(client)
    _repair(client, order_id)
    assert client.get(f"/v1/potholes/{pothole_id}").json()["status"] == "repaired"
    start = datetime.now(UTC) + timedelta(seconds=1)
    elsewhere = _pass_over(client, "pass-far", start, target=offset_latlon(SITE, 200, 0, 0.0))
    assert elsewhere["verified_work_orders"] == []
    result = _pass_over(client, "pass-1", start)
    assert result["status"] == "created" and result["verified_work_orders"] == [order_id]
    assert _pass_over(client, "pass-1", start)["status"] == "duplicate"
    order = client.get(f"/v1/work-orders/{order_id}").json()
    assert order["status"] == "verified"
    events = client.get(f"/v1/work-orders/{order_id}/history").json()
    assert events[-1]["actor"] == "system:pass/pass-1"
    # after verification a new detection there is a new pothole
    later = post_items(client, make_item(pass_id="p-9", captured_at=datetime.now(UTC)))[0]
    assert later["pothole_id"] != pothole_id


def test_a_new_detection_reopens_a_repair(client: TestClient) -> None:
    pothole_id, order_id = confirmed_pothole(client)
    _repair(client, order_id)
    seen = post_items(client, make_item(pass_id="p-4", captured_at=datetime.now(UTC)))[0]
    assert seen["pothole_id"] == pothole_id
    order = client.get(f"/v1/work-orders/{order_id}").json()
    assert order["status"] == "reopened"
    assert client.get(f"/v1/potholes/{pothole_id}").json()["status"] == "confirmed"
    # a pass that saw it (p-4) does not verify anything
    assert patch(client, order_id, status="assigned", assignee="crew-1").status_code == 200


def test_pass_that_detected_the_pothole_does_not_verify(client: TestClient) -> None:
    pothole_id, order_id = confirmed_pothole(client)
    _repair(client, order_id)
    start = datetime.now(UTC) + timedelta(seconds=1)
    post_items(client, make_item(pass_id="pass-7", captured_at=start + timedelta(seconds=5)))
    assert _pass_over(client, "pass-7", start)["verified_work_orders"] == []


def test_pass_validation(client: TestClient) -> None:
    start = datetime.now(UTC)
    body = {
        "client_id": "x",
        "vehicle_id": "bus-17",
        "started_at": start.isoformat(),
        "ended_at": (start - timedelta(seconds=5)).isoformat(),
        "track": [{"lat": 37, "lon": 126, "t": start.isoformat()}],
    }
    r = client.post("/v1/passes", json=body)
    assert r.status_code == 422 and "ended_at" in r.text
    body |= {"ended_at": start.isoformat(), "track": [{"lat": 95, "lon": 126, "t": start.isoformat()}]}
    r = client.post("/v1/passes", json=body)
    assert r.status_code == 422 and "lat" in r.text
