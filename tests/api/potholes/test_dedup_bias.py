"""One pass with a large shared GPS bias, through the HTTP API: its sightings join the known potholes
(the bias is estimated from the pass's own neighbours), and the record its first sighting started before
any estimate existed is folded into the known pothole when the pass is posted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from backend_factories import SITE, T0, make_item, post_items
from fastapi.testclient import TestClient

from common.geodesy import offset_latlon

SPOTS = [offset_latlon(SITE, 0.0, 30.0 * k, 90.0) for k in range(4)]  # along the road, 30 m apart, eastbound


def _pass(
    client: TestClient, pass_id: str, hours: int, *, bias_m: float, first_confidence: float = 0.6
) -> list:
    start = T0 + timedelta(hours=hours)
    items = [
        make_item(
            spot,
            pass_id=pass_id,
            captured_at=start + timedelta(seconds=3 * k),
            lateral_error_m=bias_m,
            confidence=first_confidence if k == 0 else 0.6,
        )
        for k, spot in enumerate(SPOTS)
    ]
    return post_items(client, *items)


def _post_pass(client: TestClient, client_id: str, hours: int) -> dict[str, Any]:
    start = T0 + timedelta(hours=hours)
    west, east = offset_latlon(SITE, 0, -20, 90.0), offset_latlon(SPOTS[-1], 0, 20, 90.0)
    body = {
        "client_id": client_id,
        "vehicle_id": "bus-17",
        "started_at": (start - timedelta(seconds=5)).isoformat(),
        "ended_at": (start + timedelta(seconds=20)).isoformat(),
        "track": [
            {"lat": west.lat, "lon": west.lon, "t": start.isoformat()},
            {"lat": east.lat, "lon": east.lon, "t": (start + timedelta(seconds=15)).isoformat()},
        ],
    }
    response = client.post("/v1/passes", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _records(client: TestClient) -> list[dict[str, Any]]:
    return [f["properties"] | {"id": f["id"]} for f in client.get("/v1/potholes").json()["features"]]


def test_a_biased_pass_joins_the_known_potholes_and_folds_its_first_record(client: TestClient) -> None:
    for hours, pass_id in ((0, "bus-17/a"), (1, "bus-17/b")):
        _pass(client, pass_id, hours, bias_m=0.0)
    known = {r["id"] for r in _records(client)}
    assert len(known) == 4 and all(r["status"] == "confirmed" for r in _records(client))

    # pass c's GPS sits 7 m to the right all along: beyond the 95 % gate of every record
    results = _pass(client, "bus-17/c", 2, bias_m=7.0, first_confidence=0.95)
    first, rest = results[0], results[1:]
    assert first["pothole_id"] not in known  # nothing to learn the bias from yet: a record of its own
    assert {r["pothole_id"] for r in rest} <= known  # the bias, seen on the first, corrected the rest
    source = first["pothole_id"]
    source_order = client.get(f"/v1/potholes/{source}").json()["work_order"]["id"]  # 0.95: filed at once

    _post_pass(client, "bus-17/c", 2)  # the end of the pass: the whole pass shows its bias
    records = _records(client)
    assert {r["id"] for r in records} == known
    assert all(r["passes"] == 3 and r["sightings"] == 3 for r in records)
    assert client.get(f"/v1/potholes/{source}").status_code == 404
    target = next(r for r in records if r["id"] not in {x["pothole_id"] for x in rest})
    order = target["work_order"]
    assert order["status"] == "open" and order["id"] != source_order
    # the untouched order filed for the split record is merged into the pothole's order, on its record
    history = client.get(f"/v1/work-orders/{order['id']}/history").json()
    assert history[-1]["note"].startswith(f"merged work order {source_order}")
    assert history[-1]["actor"] == "system:pass/bus-17/c"
    # ... and keeps its own history, closed as merged with an event naming the order it joined
    merged = client.get(f"/v1/work-orders/{source_order}").json()
    assert merged["status"] == "merged" and merged["pothole_id"] == target["id"]
    merged_history = client.get(f"/v1/work-orders/{source_order}/history").json()
    assert merged_history[0]["to_status"] == "open" and merged_history[0]["note"].startswith("filed")
    last = merged_history[-1]
    assert (last["from_status"], last["to_status"]) == ("open", "merged")
    assert last["note"].startswith(f"merged into work order {order['id']}:")
    assert last["actor"] == "system:pass/bus-17/c"
    assert client.get(f"/v1/work-orders/{order['id']}").json()["status"] == "open"  # the current one


def test_an_unbiased_new_pothole_is_not_folded(client: TestClient) -> None:
    _pass(client, "bus-17/a", 0, bias_m=0.0)
    lone = offset_latlon(SPOTS[1], 0.0, 15.0, 90.0)  # a real new pothole half way between two known ones
    items = [
        make_item(spot, pass_id="bus-17/b", captured_at=T0 + timedelta(hours=1, seconds=3 * k))
        for k, spot in enumerate([*SPOTS, lone])
    ]
    post_items(client, *items)
    _post_pass(client, "bus-17/b", 1)
    assert len(_records(client)) == 5
