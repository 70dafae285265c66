"""GET /v1/potholes (GeoJSON, filters, pages) and GET /v1/queue (order, filters, route, GeoJSON)."""

from __future__ import annotations

from datetime import timedelta

from backend_factories import SITE, T0, make_crew, make_item, make_key, post_items
from fastapi.testclient import TestClient

from common.geodesy import LatLon, offset_latlon


def _spread(client: TestClient, n: int, *, confidence: float = 0.95, step_m: float = 100.0) -> list[int]:
    items = [
        make_item(
            offset_latlon(SITE, i * step_m, 0.0, 0.0),
            confidence=confidence,
            captured_at=T0 + timedelta(minutes=i),
        )
        for i in range(n)
    ]
    return [r["pothole_id"] for r in post_items(client, *items)]


def test_potholes_geojson_with_pages_and_filters(client: TestClient) -> None:
    ids = _spread(client, 5)
    page = client.get("/v1/potholes", params={"limit": 2})
    assert page.status_code == 200 and page.headers["content-type"].startswith("application/geo+json")
    body = page.json()
    assert body["type"] == "FeatureCollection" and body["numberMatched"] == 5 and body["numberReturned"] == 2
    feature = body["features"][0]
    lon, lat = feature["geometry"]["coordinates"]
    props = feature["properties"]
    assert (props["lat"], props["lon"]) == (lat, lon)
    for key in (
        "id",
        "status",
        "uncertainty_m",
        "width_m",
        "length_m",
        "sightings",
        "passes",
        "first_seen",
        "last_seen",
        "max_confidence",
        "context",
        "work_order",
    ):
        assert key in props
    assert props["work_order"]["score_terms"]
    nxt = next(link for link in body["links"] if link["rel"] == "next")
    assert "offset=2" in nxt["href"]
    north = offset_latlon(SITE, 250.0, 0.0, 0.0)
    bbox = f"{SITE.lon - 0.01},{SITE.lat - 0.0001},{SITE.lon + 0.01},{north.lat}"
    inside = client.get("/v1/potholes", params={"bbox": bbox}).json()
    assert sorted(f["id"] for f in inside["features"]) == ids[:3]
    since = (T0 + timedelta(minutes=3)).isoformat()
    assert client.get("/v1/potholes", params={"since": since}).json()["numberMatched"] == 2
    assert client.get("/v1/potholes", params={"status": "candidate"}).json()["numberMatched"] == 0
    assert client.get("/v1/potholes", params={"status": "confirmed"}).json()["numberMatched"] == 5


def test_bad_read_parameters(client: TestClient) -> None:
    assert client.get("/v1/potholes", params={"bbox": "1,2,3"}).status_code == 422
    assert client.get("/v1/potholes", params={"bbox": "10,50,5,40"}).status_code == 422
    assert client.get("/v1/potholes", params={"status": "gone"}).status_code == 422
    assert client.get("/v1/potholes/12345").status_code == 404
    assert client.get("/v1/queue", params={"route_from": "north"}).status_code == 422


def test_queue_orders_by_priority_then_due(client: TestClient) -> None:
    big = make_item(
        offset_latlon(SITE, 300, 0, 0), confidence=0.99, box_xyxy_px=[700.0, 700.0, 1300.0, 900.0]
    )
    small = make_item(
        offset_latlon(SITE, 600, 0, 0), confidence=0.86, box_xyxy_px=[950.0, 860.0, 980.0, 875.0]
    )
    post_items(client, small, big)
    items = client.get("/v1/queue").json()["items"]
    assert len(items) == 2
    assert [(i["priority"], i["due_at"]) for i in items] == sorted(
        (i["priority"], i["due_at"]) for i in items
    )
    assert items[0]["priority"] < items[1]["priority"]
    assert items[0]["rank"] == 1 and items[0]["lat"] and items[0]["lon"]


def test_queue_filters_by_crew_and_area_and_skips_closed(client: TestClient) -> None:
    ids = _spread(client, 4)
    orders = {
        f["id"]: f["properties"]["work_order"]["id"] for f in client.get("/v1/potholes").json()["features"]
    }
    make_crew(client, "crew-1")
    client.patch(f"/v1/work-orders/{orders[ids[0]]}", json={"status": "assigned", "assignee": "crew-1"})
    client.patch(f"/v1/work-orders/{orders[ids[1]]}", json={"status": "rejected", "note": "shadow"})
    assert client.get("/v1/queue").json()["count"] == 3
    mine = client.get("/v1/queue", params={"crew": "crew-1"}).json()["items"]
    assert [i["id"] for i in mine] == [orders[ids[0]]]
    far = offset_latlon(SITE, 250.0, 0.0, 0.0)
    bbox = f"{SITE.lon - 0.01},{far.lat},{SITE.lon + 0.01},{far.lat + 0.01}"
    assert [i["pothole_id"] for i in client.get("/v1/queue", params={"bbox": bbox}).json()["items"]] == [
        ids[3]
    ]
    crew = make_key(client, "crew", "crew-1")
    assert client.get("/v1/queue", headers={"X-API-Key": crew}).status_code == 200
    vehicle = make_key(client, "vehicle", "bus-17")
    assert client.get("/v1/queue", headers={"X-API-Key": vehicle}).status_code == 403


def test_queue_route_visits_nearest_first_and_geojson(client: TestClient) -> None:
    points = [offset_latlon(SITE, d, 0.0, 0.0) for d in (400.0, 100.0, 300.0, 200.0)]
    post_items(
        client,
        *[make_item(p, confidence=0.95, captured_at=T0 + timedelta(minutes=i)) for i, p in enumerate(points)],
    )
    body = client.get("/v1/queue", params={"route_from": f"{SITE.lat},{SITE.lon}"}).json()
    lats = [i["lat"] for i in body["items"]]
    assert lats == sorted(lats)  # a straight road north: visited in order of distance
    assert 390 < body["route"]["length_m"] < 420
    geo = client.get("/v1/queue", params={"route_from": f"{SITE.lat},{SITE.lon}", "format": "geojson"}).json()
    kinds = [f["geometry"]["type"] for f in geo["features"]]
    assert kinds.count("Point") == 4 and kinds[-1] == "LineString"
    assert geo["features"][-1]["geometry"]["coordinates"][0] == [SITE.lon, SITE.lat]


def test_detail_has_sightings_photos_and_order(client: TestClient) -> None:
    pid = _spread(client, 1)[0]
    detail = client.get(f"/v1/potholes/{pid}").json()
    assert detail["sightings"] == 1 and len(detail["sighting_list"]) == 1
    s = detail["sighting_list"][0]
    assert s["vehicle_id"] == "bus-17" and s["box_xyxy_px"] and s["frame_wh"] == [1920, 1080]
    assert detail["photos"] == [] and detail["work_order"]["status"] == "open"
    assert LatLon(detail["lat"], detail["lon"])
