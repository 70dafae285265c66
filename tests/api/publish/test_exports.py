"""Exports with filters, the stats numbers, and the district choropleth."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from layer_factories import ADMIN, ingest


def test_exports_filter_by_district_status_time_and_bbox(client: Any) -> None:
    dongtan = ingest(client, 37.2000, 127.0700, captured_at="2026-11-20T10:00:00Z")
    byeongjeom = ingest(client, 37.2068, 127.0333, captured_at="2026-11-24T10:00:00Z")
    assert dongtan["context"]["district"]["code"] != byeongjeom["context"]["district"]["code"]

    every = client.get("/v1/exports/potholes.geojson", headers=ADMIN)
    assert every.headers["content-type"].startswith("application/geo+json")
    assert {f["id"] for f in every.json()["features"]} == {dongtan["id"], byeongjeom["id"]}

    def ids(**params: str) -> set[int]:
        doc = client.get("/v1/exports/potholes.geojson", headers=ADMIN, params=params).json()
        return {f["id"] for f in doc["features"]}

    assert ids(district="31240610") == {dongtan["id"]} == ids(district="동탄1동")
    assert ids(since="2026-11-22T00:00:00Z") == {byeongjeom["id"]}
    assert ids(until="2026-11-22T00:00:00Z") == {dongtan["id"]}
    assert ids(bbox="127.06,37.19,127.08,37.21") == {dongtan["id"]}
    assert ids(status="rejected") == set()
    bad = client.get("/v1/exports/potholes.geojson", headers=ADMIN, params={"status": "lost"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("status:")

    table = list(csv.DictReader(io.StringIO(client.get("/v1/exports/potholes.csv", headers=ADMIN).text)))
    assert len(table) == 2 and {"district_code", "priority", "score_terms", "due_at"} <= set(table[0])
    assert client.get("/v1/exports/potholes.csv").status_code == 401


def test_stats_and_map(client: Any, dongtan1_grid: dict[str, Any]) -> None:
    client.put("/v1/layers/roads_synthetic", headers=ADMIN, content=json.dumps(dongtan1_grid))
    ingest(client, 37.2000, 127.0700)
    ingest(client, 37.2068, 127.0333)
    stats = client.get("/v1/stats", headers=ADMIN).json()
    assert stats["potholes"] == 2 and sum(stats["by_status"].values()) == 2
    assert {d["name"] for d in stats["by_district"]} >= {"동탄1동"}
    assert stats["per_road_km"]["road_km"] > 10 and stats["per_road_km"]["potholes_on_roads"] >= 1
    assert set(stats["sla"]) >= {"repaired", "on_time", "compliance", "open_orders", "open_overdue"}
    assert stats["weekly"] and {"week", "new", "repaired"} <= set(stats["weekly"][0])
    rows = list(csv.reader(io.StringIO(client.get("/v1/stats.csv", headers=ADMIN).text)))
    assert rows[0] == ["section", "key", "metric", "value"] and len(rows) > 10
    png = client.get("/v1/stats/map.png", headers=ADMIN)
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n" and len(png.content) > 10_000


def test_both_export_formats_document_the_same_filters(client: Any) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    documented = {
        path: {
            p["name"]: p.get("description", "")
            for p in paths[path]["get"]["parameters"]
            if p["in"] == "query"
        }
        for path in ("/v1/exports/potholes.geojson", "/v1/exports/potholes.csv")
    }
    geojson, csv_params = documented.values()
    assert geojson == csv_params
    assert set(geojson) == {"status", "district", "since", "until", "bbox"} and all(geojson.values())
