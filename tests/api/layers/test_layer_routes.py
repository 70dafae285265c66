"""Layers through the HTTP API: listing, RFC 7946 output, validated uploads, live reload, re-enrichment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from layer_factories import ADMIN, ingest, make_settings

from api.main import create_app
from api.services import services_of

BAD_POINT = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "ok",
            "geometry": {"type": "Point", "coordinates": [127.0, 37.2]},
            "properties": {},
        },
        {
            "type": "Feature",
            "id": "stop-42",
            "geometry": {"type": "Point", "coordinates": [37.2, 127.0]},
            "properties": {},
        },
    ],
}


def test_lists_the_hwaseong_layers_with_kinds(client: Any) -> None:
    layers = {layer["name"]: layer for layer in client.get("/v1/layers", headers=ADMIN).json()}
    assert {n: (v["kind"], v["feature_count"]) for n, v in layers.items()} == {
        "hwaseong_bus_stops": ("point", 3158),
        "hwaseong_emd_kostat2018": ("area", 26),
        "hwaseong_emd_sgis2025q2": ("area", 29),
        "hwaseong_pediatric_clinics_hira": ("point", 124),
        "hwaseong_rail_stations": ("point", 5),
        "hwaseong_si_kostat2018": ("area", 1),
    }
    assert client.get("/v1/layers").status_code == 401


def test_a_layer_is_rfc7946(client: Any) -> None:
    answer = client.get("/v1/layers/hwaseong_rail_stations", headers=ADMIN)
    assert answer.headers["content-type"].startswith("application/geo+json")
    doc = answer.json()
    assert doc["type"] == "FeatureCollection" and "crs" not in doc and len(doc["features"]) == 5
    lon, lat = doc["features"][0]["geometry"]["coordinates"]
    assert 126 < lon < 128 and 36 < lat < 38  # [lon, lat]
    assert client.get("/v1/layers/nope", headers=ADMIN).status_code == 404


def test_invalid_geojson_is_422_naming_the_feature(client: Any) -> None:
    answer = client.put("/v1/layers/stops2", headers=ADMIN, content=json.dumps(BAD_POINT))
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("features[1] (id='stop-42'): latitude 127.0 out of range")
    answer = client.put("/v1/layers/stops2", headers=ADMIN, content=b"{not json")
    assert answer.status_code == 422 and "not valid JSON" in answer.json()["detail"]
    answer = client.put("/v1/layers/Bad Name", headers=ADMIN, content=json.dumps(BAD_POINT))
    assert answer.status_code == 422 and answer.json()["detail"].startswith("name:")


def test_only_admins_upload(client: Any) -> None:
    from sqlmodel import Session

    from api.auth.roster import create_crew
    from api.auth.service import create_key

    with Session(services_of(client.app).engine) as session:
        create_crew(session, crew_id="crew-3")
        crew_key = create_key(session, role="crew", name="crew-3")
    answer = client.put("/v1/layers/x", headers={"X-API-Key": crew_key}, content=b"{}")
    assert answer.status_code == 403


def test_pothole_gets_district_and_an_uploaded_road_layer_reenriches_and_rescores(
    client: Any, dongtan1_grid: dict[str, Any]
) -> None:
    pothole = ingest(client, 37.2000, 127.0700)
    assert pothole["context"]["district"]["name"] == "동탄1동"
    assert pothole["context"]["district"]["code"] == "31240610"
    assert pothole["context"]["road"] is None
    before = pothole["work_order"]
    assert not any("road" in t["reason"] for t in before["score_terms"])

    answer = client.put("/v1/layers/roads_synthetic", headers=ADMIN, content=json.dumps(dongtan1_grid))
    assert answer.status_code == 200, answer.text
    written = answer.json()
    assert (
        written["kind"] == "line" and written["version"] == 1 and written["rescored"]["orders_rescored"] >= 1
    )

    after = client.get(f"/v1/potholes/{pothole['id']}", headers=ADMIN).json()
    road = after["context"]["road"]
    assert road["layer"] == "roads_synthetic" and road["class"] in {"arterial", "collector", "local"}
    assert 0 <= road["position_m"] <= road["length_m"]
    assert any(t["reason"] == f"{road['class']} road" for t in after["work_order"]["score_terms"])
    if road["class"] != "local":
        assert after["work_order"]["score"] > before["score"]


def test_a_change_on_one_worker_reaches_another_without_restart(
    db_path: Path, monkeypatch: Any, dongtan1_grid: dict[str, Any]
) -> None:
    monkeypatch.setenv("POTHOLE_LAYERS_REFRESH_S", "0")
    with (
        TestClient(create_app(make_settings(db_path))) as one,
        TestClient(create_app(make_settings(db_path))) as two,
    ):
        assert "roads_synthetic" not in {x["name"] for x in two.get("/v1/layers", headers=ADMIN).json()}
        assert (
            one.put(
                "/v1/layers/roads_synthetic", headers=ADMIN, content=json.dumps(dongtan1_grid)
            ).status_code
            == 200
        )
        listed = {x["name"]: x for x in two.get("/v1/layers", headers=ADMIN).json()}
        assert listed["roads_synthetic"]["kind"] == "line"
        grid = dongtan1_grid["features"]
        enricher = services_of(two.app).layers.enricher
        assert enricher(*reversed(grid[0]["geometry"]["coordinates"][0]))["road"] is not None


def test_demo_can_start_with_a_synthetic_grid(db_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("POTHOLE_SYNTHETIC_ROADS_DISTRICT", "동탄1동")
    with TestClient(create_app(make_settings(db_path))) as client:
        roads = client.get("/v1/layers/roads_synthetic", headers=ADMIN).json()
        assert roads["name"] == "roads_synthetic" and roads["title"].startswith("SYNTHETIC")
        pothole = ingest(client, 37.2000, 127.0700)
        assert pothole["context"]["road"]["layer"] == "roads_synthetic"
