"""Enrichment on the real Hwaseong layers (and a synthetic grid for roads, as there is no real one)."""

from __future__ import annotations

from typing import Any

import pytest
from layer_factories import DISTRICTS

from api.layers.enrich import enrich
from api.layers.geojson import parse_layer
from api.layers.registry import LayerSet, build_layer
from api.policy.model import EnrichmentConfig


def test_every_dong_representative_point_lands_in_its_dong(hwaseong_layers: LayerSet) -> None:
    """29 eup/myeon/dong: a point inside each one gets that one's 8-digit SGIS code and name."""
    districts = hwaseong_layers.get(DISTRICTS)
    config = EnrichmentConfig(district_layer=DISTRICTS)
    for feature in districts.features:
        spot = feature.geometry_lonlat.representative_point()
        district = enrich(spot.y, spot.x, hwaseong_layers, config)["district"]
        assert (district["code"], district["name"], district["inside"]) == (
            feature.properties["code"],
            feature.properties["name"],
            True,
        )


def test_known_coordinate_byeongjeom_station_is_in_jinan_dong(hwaseong_layers: LayerSet) -> None:
    """병점역 (Byeongjeom station, from the rail layer) lies in 진안동 in the 2025 boundaries."""
    station = next(
        f for f in hwaseong_layers.get("hwaseong_rail_stations").features if f.properties["name"] == "병점역"
    )
    ctx = enrich(station.geometry_lonlat.y, station.geometry_lonlat.x, hwaseong_layers)
    assert ctx["district"]["layer"] == DISTRICTS  # the default picks the current (2025, 29-feature) layer
    assert ctx["district"]["code"].startswith("31240") and len(ctx["district"]["code"]) == 8
    assert ctx["nearby"]["hwaseong_rail_stations"][0]["name"] == "병점역"
    assert ctx["nearby"]["hwaseong_rail_stations"][0]["distance_m"] == 0.0
    assert ctx["areas"]["hwaseong_si_kostat2018"]["inside"] is True


def test_nearest_bus_stop_carries_its_boardings(hwaseong_layers: LayerSet) -> None:
    stops = hwaseong_layers.get("hwaseong_bus_stops")
    busiest = max(stops.features, key=lambda f: f.properties["board_day"])
    ctx = enrich(
        busiest.geometry_lonlat.y + 0.0002, busiest.geometry_lonlat.x, hwaseong_layers
    )  # ~22 m north
    nearest = ctx["nearby"]["hwaseong_bus_stops"]
    hit = next(h for h in nearest if h["id"] == busiest.feature_id)
    assert 20.0 < hit["distance_m"] < 24.0
    assert hit["properties"]["board_day"] == busiest.properties["board_day"]
    assert [h["distance_m"] for h in nearest] == sorted(h["distance_m"] for h in nearest)


def test_point_in_the_sea_has_no_district(hwaseong_layers: LayerSet) -> None:
    ctx = enrich(37.0, 126.3, hwaseong_layers)
    assert ctx["district"] is None and ctx["road"] is None


def test_road_linear_referencing_on_the_synthetic_grid(hwaseong_layers: LayerSet, dongtan1_grid: Any) -> None:
    roads = build_layer("roads_synthetic", parse_layer(dongtan1_grid), version=1)
    layers = hwaseong_layers.with_layers([roads], revision=2)
    segment = next(f for f in roads.features if f.properties["road_class"] == "arterial")
    mid = segment.geometry_lonlat.interpolate(0.25, normalized=True)
    ctx = enrich(mid.y, mid.x, layers)
    assert ctx["road"]["class"] == "arterial" and ctx["road"]["distance_m"] < 1.0
    assert ctx["road"]["position_m"] == pytest.approx(0.25 * ctx["road"]["length_m"], abs=1.0)
    assert ctx["district"]["name"] == "동탄1동"
    assert all(f["properties"]["synthetic"] is True for f in dongtan1_grid["features"])
    assert dongtan1_grid["name"].startswith("SYNTHETIC")


def test_batch_enrichment_equals_one_at_a_time(hwaseong_layers: LayerSet, dongtan1_grid: Any) -> None:
    import random

    from api.layers.enrich import enrich_many

    layers = hwaseong_layers.with_layers(
        [build_layer("roads", parse_layer(dongtan1_grid), version=1)], revision=3
    )
    rng = random.Random(7)
    points = [(rng.uniform(37.0, 37.3), rng.uniform(126.6, 127.2)) for _ in range(150)]
    points += [(rng.uniform(37.195, 37.21), rng.uniform(127.06, 127.08)) for _ in range(50)]  # on the grid
    assert enrich_many(points, layers) == [enrich(lat, lon, layers) for lat, lon in points]


def test_sites_just_inside_the_radius_are_found(hwaseong_layers: LayerSet) -> None:
    from pyproj import Geod

    station = hwaseong_layers.get("hwaseong_rail_stations").features[0].geometry_lonlat
    lon, lat, _ = Geod(ellps="WGS84").fwd(station.x, station.y, 37.0, 299.0)  # 299 m away, off-axis
    hits = enrich(lat, lon, hwaseong_layers, EnrichmentConfig(nearby_radius_m=300.0))["nearby"]
    assert hits["hwaseong_rail_stations"][0]["distance_m"] == pytest.approx(299.0, abs=1.0)
