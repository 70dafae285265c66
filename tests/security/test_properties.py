"""Property-based: every input model, with any one value replaced by something hostile (NaN, infinities,
1e400, integers past 64 bits, ancient and far-future dates, long strings and arrays, non-ASCII digits),
either refuses it (a ValidationError, a 4xx naming the field) or holds only finite, bounded values."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from security_factories import RECENT, batch, item, pass_body

from api.params import DB_INT_MAX
from api.vehicles.routes import CameraIn
from api.workorders.schemas import WorkOrderPatch
from common.contract import (
    MAX_YEAR,
    MIN_YEAR,
    FrameMetaIn,
    GpsIn,
    PassIn,
    SightingBatchIn,
    SightingIn,
    TrackPoint,
)

BIG = "__1e400__"  # json cannot write 1e400 (it is inf in Python): substituted into the text
HOSTILE = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, BIG, -0.0, 1e308, -1e308]),
    st.integers(min_value=2**63, max_value=2**80),
    st.integers(min_value=-(2**80), max_value=-1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        ["0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "9999-12-31T23:59:59-09:00", "2026-02-30T00:00:00Z"]
    ),
    st.sampled_from(["١٢٣", "²", "٣.٥", "1_000", "+5", " 12 ", "0x10", "1e3"]),
    st.integers(min_value=129, max_value=20_000).map(lambda n: "x" * n),
    st.integers(min_value=501, max_value=2_000).map(lambda n: [0] * n),
    st.just(None),
    st.just({}),
)

EXAMPLES: dict[str, tuple[type[BaseModel], Any]] = {
    "GpsIn": (GpsIn, item()["gps"]),
    "SightingIn": (SightingIn, item()),
    "SightingBatchIn": (SightingBatchIn, batch(item(), item())),
    "FrameMetaIn": (
        FrameMetaIn,
        {"client_id": "f-1", "vehicle_id": "bus-17", "captured_at": RECENT.isoformat(), "gps": item()["gps"]},
    ),
    "TrackPoint": (TrackPoint, pass_body()["track"][0]),
    "PassIn": (PassIn, pass_body()),
    "CameraIn": (
        CameraIn,
        {"height_m": 2.8, "pitch_down_deg": 12, "dist_coeffs": [-0.32, 0.11, 0, 0, -0.01]},
    ),
    "WorkOrderPatch": (WorkOrderPatch, {"status": "repaired", "note": "filled", "assignee": "crew-1"}),
}


def leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from leaf_paths(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from leaf_paths(child, (*path, i))


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copy


def as_json(body: Any) -> str:
    return json.dumps(body).replace(f'"{BIG}"', "1e400")


def assert_bounded(value: Any, where: str = "") -> None:
    """Every number finite and within 64 bits, every time in MIN_YEAR..MAX_YEAR, every string short."""
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, dict):
        for key, child in value.items():
            assert_bounded(child, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        assert len(value) <= 50_000, where
        for i, child in enumerate(value):
            assert_bounded(child, f"{where}[{i}]")
    elif isinstance(value, float):
        assert math.isfinite(value), where
    elif isinstance(value, int):
        assert abs(value) <= DB_INT_MAX, where
    elif isinstance(value, dt.datetime):
        assert value.tzinfo is not None and MIN_YEAR <= value.year <= MAX_YEAR, where
    elif isinstance(value, str):
        assert len(value) <= 4000, where


@pytest.mark.parametrize("name", EXAMPLES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_model_refuses_or_holds_only_bounded_values(name: str, data: st.DataObject) -> None:
    model, example = EXAMPLES[name]
    path = data.draw(st.sampled_from(list(leaf_paths(example))), label="path")
    body = replaced(example, path, data.draw(HOSTILE, label="value"))
    try:
        parsed = model.model_validate_json(as_json(body))
    except ValidationError as exc:
        for error in exc.errors():
            assert error["loc"] or error["type"] in ("model_type", "dict_type", "value_error"), error
        return
    assert_bounded(parsed)


def test_the_valid_examples_are_valid() -> None:
    for model, example in EXAMPLES.values():
        assert_bounded(model.model_validate_json(as_json(example)))


ROUTES = {
    "sightings": ("POST", "/v1/sightings", batch(item())),
    "passes": ("POST", "/v1/passes", pass_body()),
    "camera": ("PUT", "/v1/vehicles/bus-17/camera", EXAMPLES["CameraIn"][1]),
    "work-order": ("PATCH", "/v1/work-orders/1", EXAMPLES["WorkOrderPatch"][1]),
}


@pytest.mark.parametrize("route", ROUTES)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_route_answers_4xx_or_success_never_5xx_nor_an_echo(
    client: TestClient, route: str, data: st.DataObject
) -> None:
    method, path, example = ROUTES[route]
    where = data.draw(st.sampled_from(list(leaf_paths(example))), label="path")
    body = replaced(example, where, data.draw(HOSTILE, label="value"))
    if isinstance(body, dict) and "client_id" in body:
        body["client_id"] = f"p-{data.draw(st.integers(0, 10**9))}"
    response = client.request(
        method, path, content=as_json(body), headers={"content-type": "application/json"}
    )
    assert response.status_code < 500, response.text[:300]
    assert "x" * 129 not in response.text
