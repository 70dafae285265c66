"""Property tests: any JSON is either a valid layer or a LayerValidationError (never a crash / 500),
and a parsed layer survives its own RFC 7946 output unchanged."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from api.errors import LayerValidationError
from api.layers.geojson import parse_layer
from api.layers.registry import build_layer, layer_geojson

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-1000, 1000)
    | st.floats(-500, 500)
    | st.text(max_size=5)
    | st.just(10**400),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30,
)
TYPES = st.sampled_from(
    [
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
        "Nope",
    ]
)


@settings(max_examples=200, deadline=None)
@given(gtype=TYPES, coordinates=JSON, properties=JSON, feature_id=JSON)
def test_any_json_is_valid_or_a_clear_error(
    gtype: str, coordinates: Any, properties: Any, feature_id: Any
) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": feature_id,
                "geometry": {"type": gtype, "coordinates": coordinates},
                "properties": properties,
            }
        ],
    }
    try:
        parse_layer(json.dumps(doc))
    except LayerValidationError as exc:
        assert str(exc).startswith(("features[0]", "body:"))


LON = st.floats(126.5, 127.3, allow_nan=False).map(lambda v: round(v, 6))  # distinct at RFC 7946's 7 decimals
LAT = st.floats(36.9, 37.4, allow_nan=False).map(lambda v: round(v, 6))


@settings(max_examples=50, deadline=None)
@given(
    lines=st.lists(st.lists(st.tuples(LON, LAT), min_size=2, max_size=6, unique=True), min_size=1, max_size=5)
)
def test_a_layer_round_trips_through_its_own_geojson(lines: list[list[tuple[float, float]]]) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(p) for p in line]},
                "properties": {"road_class": "local", "n": i},
            }
            for i, line in enumerate(lines)
        ],
    }
    first = build_layer("roads", parse_layer(json.dumps(doc)), version=1)
    again = parse_layer(json.dumps(layer_geojson(first)))
    for a, b in zip(first.features, again.features, strict=True):
        assert a.properties == b.properties and a.feature_id == b.feature_id
        assert a.geometry_lonlat.equals_exact(b.geometry_lonlat, tolerance=1e-7)
