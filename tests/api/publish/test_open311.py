"""Open311 GeoReport v2: the spec's required fields, joining reports, status following the work order."""

from __future__ import annotations

from typing import Any

from layer_factories import ADMIN, ADMIN_KEY, ingest

SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


def report(client: Any, lat: float, lon: float, **extra: Any) -> Any:
    form = {
        "api_key": ADMIN_KEY,
        "service_code": "POTHOLE",
        "lat": lat,
        "long": lon,
        "jurisdiction_id": "hwaseong.go.kr",
        **extra,
    }
    return client.post("/open311/v2/requests.json", data=form)


def test_services_have_the_required_fields(client: Any) -> None:
    services = client.get("/open311/v2/services.json?jurisdiction_id=hwaseong.go.kr").json()
    assert len(services) == 1 and SERVICE_FIELDS <= set(services[0])
    assert services[0]["type"] in {"realtime", "batch", "blackbox"}
    wrong = client.get("/open311/v2/services.json?jurisdiction_id=seoul.go.kr")
    assert wrong.status_code == 404 and set(wrong.json()[0]) == {"code", "description"}


def test_a_report_near_a_pothole_joins_it_and_far_away_starts_a_candidate(client: Any) -> None:
    pothole = ingest(client, 37.2000, 127.0700)
    joined = report(client, pothole["lat"] + 0.00005, pothole["lon"], description="deep hole by the kerb")
    assert joined.status_code == 201, joined.text
    assert joined.json()[0]["service_request_id"] == str(pothole["id"])
    assert "Joined an existing report" in joined.json()[0]["service_notice"]
    detail = client.get(f"/v1/potholes/{pothole['id']}", headers=ADMIN).json()
    assert detail["citizen_reports"] == 1 and "citizen_reports" not in detail["context"]  # a column

    alone = report(client, 37.2300, 127.0500, description="hole near the school")
    new_id = alone.json()[0]["service_request_id"]
    assert new_id != str(pothole["id"])

    records = {r["service_request_id"]: r for r in client.get("/open311/v2/requests.json").json()}
    assert REQUEST_FIELDS <= set(records[str(pothole["id"])])
    record = records[str(pothole["id"])]
    assert record["status"] == "open" and record["description"] == "deep hole by the kerb"
    assert record["sources"]["citizen_reports"] == 1 and record["sources"]["patrol_sightings"] == 1
    assert record["expected_datetime"] is not None
    assert record["status_notes"] == "Confirmed; a repair is scheduled."  # the public: no internal fields
    staff = client.get(f"/open311/v2/requests/{pothole['id']}.json", headers=ADMIN).json()[0]
    assert "Work order" in staff["status_notes"]  # the order's number and priority: staff only
    candidate = records[new_id]
    assert candidate["status"] == "open" and candidate["status_notes"].startswith("Received")
    assert candidate["address"] and candidate["sources"] == {
        "patrol_sightings": 0,
        "patrol_passes": 0,
        "citizen_reports": 1,
        "citizen_report_ids": [2],
    }
    assert client.get(f"/open311/v2/requests/{new_id}.json").json()[0]["service_request_id"] == new_id


def test_status_follows_the_work_order(client: Any) -> None:
    pothole = ingest(client, 37.2000, 127.0700)
    order_id = pothole["work_order"]["id"]
    answer = client.patch(
        f"/v1/work-orders/{order_id}",
        headers=ADMIN,
        json={"status": "rejected", "note": "a patch, not a pothole"},
    )
    assert answer.status_code == 200, answer.text
    record = client.get(f"/open311/v2/requests/{pothole['id']}.json").json()[0]
    assert record["status"] == "closed" and "Not a pothole" in record["status_notes"]
    closed = client.get("/open311/v2/requests.json?status=closed").json()
    assert [r["service_request_id"] for r in closed] == [str(pothole["id"])]
    assert client.get("/open311/v2/requests.json?status=open").json() == []


def test_bad_reports_get_open311_errors(client: Any) -> None:
    no_key = client.post(
        "/open311/v2/requests.json", data={"service_code": "POTHOLE", "lat": 37.2, "long": 127.0}
    )
    assert no_key.status_code == 401 and no_key.json()[0]["description"].startswith("api_key")
    assert report(client, 37.2, 127.0, service_code="GRAFFITI").status_code == 400
    no_place = client.post(
        "/open311/v2/requests.json",
        data={"api_key": ADMIN_KEY, "service_code": "POTHOLE", "address_string": "Dongtan-daero 1"},
    )
    assert no_place.status_code == 400 and "lat/long" in no_place.json()[0]["description"]
    assert client.get("/open311/v2/requests/424242.json").status_code == 404


def test_the_policy_scores_citizen_reports_from_the_pothole_column(client: Any) -> None:
    pothole = ingest(client, 37.2000, 127.0700)
    before = pothole["work_order"]
    assert not any("citizen" in t["reason"] for t in before["score_terms"])
    assert report(client, pothole["lat"] + 0.00005, pothole["lon"]).status_code == 201
    after = client.get(f"/v1/potholes/{pothole['id']}", headers=ADMIN).json()["work_order"]
    assert after["id"] == before["id"]
    assert {"points": 10, "reason": "reported by 1 citizen(s)"} in after["score_terms"]
    assert after["score"] == before["score"] + 10
