"""OGC API - Features Part 1 Core: the required members, paging, filters; and a real client (OWSLib)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from layer_factories import ADMIN, ingest, make_settings

from api.main import create_app

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


def rels(doc: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {link["rel"]: link for link in doc["links"]}


def test_landing_conformance_and_api_without_a_key(client: Any) -> None:
    landing = client.get("/ogc").json()
    assert {"self", "service-desc", "conformance", "data"} <= set(rels(landing))
    assert rels(landing)["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    conformance = client.get("/ogc/conformance").json()["conformsTo"]
    assert CORE in conformance and any(c.endswith("/conf/geojson") for c in conformance)
    assert any(c.endswith("/conf/oas30") for c in conformance)
    api = client.get("/ogc/api")
    assert api.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    assert "/ogc/collections/{collection_id}/items" in api.json()["paths"]
    assert client.get("/ogc", headers={"X-API-Key": "wrong-key-0123456789"}).status_code == 401


def test_collections_list_potholes_and_every_layer(client: Any) -> None:
    collections = {c["id"]: c for c in client.get("/ogc/collections").json()["collections"]}
    assert {"potholes", "hwaseong_bus_stops", "hwaseong_emd_sgis2025q2"} <= set(collections)
    stops = collections["hwaseong_bus_stops"]
    assert stops["itemType"] == "feature" and "items" in rels(stops)
    minlon, minlat, maxlon, maxlat = stops["extent"]["spatial"]["bbox"][0]
    assert 126 < minlon < maxlon < 128 and 36 < minlat < maxlat < 38
    assert client.get("/ogc/collections/nope").status_code == 404


def test_items_paging_with_next_links(client: Any) -> None:
    page = client.get("/ogc/collections/hwaseong_bus_stops/items?limit=1000").json()
    assert page["type"] == "FeatureCollection"
    assert (page["numberMatched"], page["numberReturned"], len(page["features"])) == (3158, 1000, 1000)
    seen = [f["id"] for f in page["features"]]
    while "next" in rels(page):
        page = client.get(rels(page)["next"]["href"]).json()
        seen += [f["id"] for f in page["features"]]
    assert len(seen) == len(set(seen)) == 3158
    assert client.get("/ogc/collections/hwaseong_bus_stops/items?limit=0").status_code == 400


def test_items_bbox_and_single_item(client: Any) -> None:
    # 병점역 (Byeongjeom station) and its surroundings, about 300 m across
    page = client.get(
        "/ogc/collections/hwaseong_rail_stations/items", params={"bbox": "127.031,37.205,127.035,37.208"}
    ).json()
    assert [f["properties"]["name"] for f in page["features"]] == ["병점역"]
    feature_id = page["features"][0]["id"]
    item = client.get(f"/ogc/collections/hwaseong_rail_stations/items/{feature_id}")
    assert item.headers["content-type"].startswith("application/geo+json")
    assert item.json()["properties"]["name"] == "병점역" and "self" in rels(item.json())
    assert client.get("/ogc/collections/hwaseong_rail_stations/items/999").status_code == 404
    bad = client.get("/ogc/collections/hwaseong_rail_stations/items?bbox=1,2,3")
    assert bad.status_code == 400 and bad.json()["description"].startswith("bbox:")
    assert client.get("/ogc/collections/hwaseong_rail_stations/items?colour=red").status_code == 400


def test_pothole_items_filter_by_datetime_and_carry_priority(client: Any) -> None:
    first = ingest(client, 37.2000, 127.0700, captured_at="2026-11-20T10:00:00Z")
    ingest(client, 37.2100, 127.0800, captured_at="2026-11-24T10:00:00Z")
    everything = client.get("/ogc/collections/potholes/items").json()
    assert everything["numberMatched"] == 2
    early = client.get("/ogc/collections/potholes/items?datetime=../2026-11-21T00:00:00Z").json()
    assert [f["id"] for f in early["features"]] == [first["id"]]
    public = early["features"][0]["properties"]
    assert public["district_name"] == "동탄1동" and "priority" not in public  # work orders: staff only
    staff = client.get("/ogc/collections/potholes/items?datetime=../2026-11-21T00:00:00Z", headers=ADMIN)
    props = staff.json()["features"][0]["properties"]
    assert props["district_name"] == "동탄1동" and props["priority"] in range(1, 6)
    assert props["score_terms"].startswith("+")
    one = client.get(f"/ogc/collections/potholes/items/{first['id']}").json()
    assert one["geometry"]["coordinates"] == [round(first["lon"], 7), round(first["lat"], 7)]


@pytest.fixture
def live_url(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The service on a loopback port, so a real HTTP client (OWSLib) talks to it."""
    monkeypatch.setenv("POTHOLE_LAYERS_REFRESH_S", "0")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(make_settings(db_path)),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}/ogc"
    server.should_exit = True
    thread.join(timeout=10)


def test_owslib_reads_the_collections(live_url: str) -> None:
    from owslib.ogcapi.features import Features

    client = Features(live_url)
    assert CORE in client.conformance()["conformsTo"]
    assert "paths" in client.api()
    ids = [c["id"] for c in client.collections()["collections"]]
    assert "potholes" in ids and "hwaseong_rail_stations" in ids
    assert client.collection("hwaseong_rail_stations")["id"] == "hwaseong_rail_stations"
    items = client.collection_items("hwaseong_rail_stations", limit=2)
    assert items["numberReturned"] == 2 and items["numberMatched"] == 5
    stations = client.collection_items("hwaseong_rail_stations", bbox=[127.031, 37.205, 127.035, 37.208])
    assert [f["properties"]["name"] for f in stations["features"]] == ["병점역"]
    assert (
        client.collection_item("hwaseong_rail_stations", stations["features"][0]["id"])["type"] == "Feature"
    )
    assert client.collection_items("potholes")["numberMatched"] == 0


def test_public_reads_can_be_turned_off(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient
    from layer_factories import ADMIN

    monkeypatch.setenv("POTHOLE_PUBLIC_READ", "false")
    with TestClient(create_app(make_settings(db_path))) as client:
        assert client.get("/ogc/collections").status_code == 401
        assert client.get("/open311/v2/services.json").status_code == 401
        assert client.get("/ogc/collections", headers=ADMIN).status_code == 200
