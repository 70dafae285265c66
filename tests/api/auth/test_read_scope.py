"""Reads scoped by role, across tenants: a vehicle key reads no work-order field anywhere (exports, OGC,
Open311), a crew reads its own crew's orders, queue, history and repair photos and none of another crew's
(by id, by export, by the pothole list), until a manager grants it every crew's."""

from __future__ import annotations

import base64
import csv
import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from backend_factories import SITE, T0, jpeg_bytes, make_item, make_key, post_items
from fastapi.testclient import TestClient

from api.publish.features import ORDER_COLUMNS
from common.geodesy import offset_latlon


@dataclass(frozen=True)
class Two:
    """Two confirmed potholes; crew-1 holds the first's order, crew-2 the second's (with a repair photo)."""

    potholes: tuple[int, int]
    orders: tuple[int, int]
    photo_url: str
    crew1: dict[str, str]
    crew2: dict[str, str]
    vehicle: dict[str, str]


@pytest.fixture
def two(client: TestClient) -> Two:
    items = [make_item(offset_latlon(SITE, i * 100.0, 0, 0), confidence=0.95) for i in range(2)]
    potholes = tuple(r["pothole_id"] for r in post_items(client, *items))
    orders = tuple(client.get(f"/v1/potholes/{p}").json()["work_order"]["id"] for p in potholes)
    crew1, crew2 = ({"X-API-Key": make_key(client, "crew", f"crew-{n}")} for n in (1, 2))
    for order_id, crew_id in zip(orders, ("crew-1", "crew-2"), strict=True):
        body = {"status": "assigned", "assignee": crew_id}
        assert client.patch(f"/v1/work-orders/{order_id}", json=body).status_code == 200
    photo = {"status": "in_progress", "photo_jpeg_b64": base64.b64encode(jpeg_bytes(64, 48)).decode()}
    assert client.patch(f"/v1/work-orders/{orders[1]}", json=photo, headers=crew2).status_code == 200
    url = client.get(f"/v1/work-orders/{orders[1]}/history").json()[-1]["photo_url"]
    vehicle = {"X-API-Key": make_key(client, "vehicle", "bus-17")}
    return Two(potholes, orders, url, crew1, crew2, vehicle)  # type: ignore[arg-type]


def _csv(client: TestClient, headers: dict[str, str]) -> list[dict[str, str]]:
    answer = client.get("/v1/exports/potholes.csv", headers=headers)
    assert answer.status_code == 200
    return list(csv.DictReader(io.StringIO(answer.text)))


def test_a_vehicle_key_reads_no_work_order_field_anywhere(client: TestClient, two: Two) -> None:
    table = _csv(client, two.vehicle)
    assert len(table) == 2 and not set(ORDER_COLUMNS) & set(table[0])
    geojson = client.get("/v1/exports/potholes.geojson", headers=two.vehicle).json()
    assert all(not set(ORDER_COLUMNS) & set(f["properties"]) for f in geojson["features"])
    ogc = client.get("/ogc/collections/potholes/items", headers=two.vehicle).json()
    assert ogc["numberMatched"] == 2 and all(
        not set(ORDER_COLUMNS) & set(f["properties"]) for f in ogc["features"]
    )
    one = client.get(f"/ogc/collections/potholes/items/{two.potholes[0]}", headers=two.vehicle).json()
    assert not set(ORDER_COLUMNS) & set(one["properties"])
    for record in client.get("/open311/v2/requests.json", headers=two.vehicle).json():
        assert "Work order" not in record["status_notes"] and "priority" not in record["status_notes"]
    for path in (f"/v1/work-orders/{two.orders[0]}", "/v1/queue", "/v1/potholes", two.photo_url):
        assert client.get(path, headers=two.vehicle).status_code == 403, path
    assert set(ORDER_COLUMNS) <= set(_csv(client, {})[0])  # the admin (the client's own key) reads them


def test_the_public_reads_no_work_order_field(client: TestClient, two: Two) -> None:
    ogc = client.get("/ogc/collections/potholes/items", headers={"X-API-Key": ""}).json()
    assert ogc["numberMatched"] == 2 and all(
        not set(ORDER_COLUMNS) & set(f["properties"]) for f in ogc["features"]
    )


def test_a_crew_reads_its_own_orders_only(client: TestClient, two: Two) -> None:
    own, other = two.orders
    assert client.get(f"/v1/work-orders/{own}", headers=two.crew1).status_code == 200
    for path in (f"/v1/work-orders/{other}", f"/v1/work-orders/{other}/history", two.photo_url):
        refused = client.get(path, headers=two.crew1)
        assert refused.status_code == 403 and "crew-2" not in refused.text, path
    assert client.get(two.photo_url, headers=two.crew2).status_code == 200  # its own repair photo
    queue = client.get("/v1/queue", headers=two.crew1).json()["items"]
    assert [i["id"] for i in queue] == [own]  # no crew parameter: its own queue
    assert client.get("/v1/queue", params={"crew": "crew-2"}, headers=two.crew1).status_code == 403
    listed = client.get("/v1/potholes", headers=two.crew1).json()["features"]
    orders = {f["id"]: f["properties"]["work_order"] for f in listed}
    assert orders[two.potholes[0]]["id"] == own and orders[two.potholes[1]] is None  # still on its map
    assert client.get(f"/v1/potholes/{two.potholes[1]}", headers=two.crew1).json()["work_order"] is None
    rows = {int(r["id"]): r for r in _csv(client, two.crew1)}
    assert rows[two.potholes[0]]["work_order_id"] == str(own) and rows[two.potholes[1]]["work_order_id"] == ""


def test_a_manager_grants_a_crew_every_crews_orders(client: TestClient, two: Two) -> None:
    manager = {"X-API-Key": make_key(client, "manager", "boss")}
    assert client.get(f"/v1/work-orders/{two.orders[1]}", headers=manager).status_code == 200
    granted = client.patch("/v1/crews/crew-1", json={"sees_all_orders": True}, headers=manager)
    assert granted.status_code == 200 and granted.json()["sees_all_orders"] is True
    assert client.get(f"/v1/work-orders/{two.orders[1]}", headers=two.crew1).status_code == 200
    assert client.get(two.photo_url, headers=two.crew1).status_code == 200
    assert len(client.get("/v1/queue", headers=two.crew1).json()["items"]) == 2
    theirs = client.get("/v1/queue", params={"crew": "crew-2"}, headers=two.crew1).json()["items"]
    assert [i["id"] for i in theirs] == [two.orders[1]]
    # the grant is to read: moving another crew's order is still the manager's
    assert (
        client.patch(
            f"/v1/work-orders/{two.orders[1]}", json={"status": "repaired"}, headers=two.crew1
        ).status_code
        == 403
    )
    client.patch("/v1/crews/crew-1", json={"sees_all_orders": False}, headers=manager)
    assert client.get(f"/v1/work-orders/{two.orders[1]}", headers=two.crew1).status_code == 403


def test_a_later_sighting_keeps_the_scope(client: TestClient, two: Two) -> None:
    """Scoping follows the order's assignee, so a re-assignment moves what each crew reads at once."""
    again = make_item(SITE, confidence=0.95, captured_at=T0 + timedelta(days=1), pass_id="p-2")
    post_items(client, again)
    client.patch(f"/v1/work-orders/{two.orders[0]}", json={"status": "assigned", "assignee": "crew-2"})
    assert client.get(f"/v1/work-orders/{two.orders[0]}", headers=two.crew1).status_code == 403
    assert client.get(f"/v1/work-orders/{two.orders[0]}", headers=two.crew2).status_code == 200
