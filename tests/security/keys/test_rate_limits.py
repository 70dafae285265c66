"""Per-key token buckets: 429 with Retry-After when a key's bucket is empty, per role, with frames in a
bucket of their own so they never starve sightings; an admin key is not limited by default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from key_support import key_for

from api.auth.ratelimit import MemoryBuckets, check_rate_limits
from api.config import DEFAULT_RATE_LIMITS, RateLimit, Settings
from api.main import create_app

CAMERA = {"height_m": 1.4, "pitch_down_deg": 4.0, "hfov_deg": 90.0, "image_wh": [1920, 1080]}
TIGHT = {
    "vehicle": {"per_s": 0.01, "burst": 3},
    "vehicle.frames": {"per_s": 0.01, "burst": 1},
}


@pytest.fixture
def tight(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limits": Settings(rate_limits=TIGHT).rate_limits})


def put_camera(client: TestClient, key: str) -> int:
    return client.put("/v1/vehicles/bus-17/camera", json=CAMERA, headers={"X-API-Key": key}).status_code


def test_an_empty_bucket_answers_429_with_retry_after_and_admins_are_not_limited(tight: Settings) -> None:
    with TestClient(create_app(tight)) as client:
        key = key_for(client, "vehicle", "bus-17")
        assert [put_camera(client, key) for _ in range(3)] == [200, 200, 200]
        refused = client.put("/v1/vehicles/bus-17/camera", json=CAMERA, headers={"X-API-Key": key})
        assert refused.status_code == 429
        wait_s = int(refused.headers["retry-after"])
        assert 1 <= wait_s <= 101  # one token at 0.01 a second
        detail = refused.json()["detail"]
        assert detail.startswith("X-API-Key: too many requests for this key") and f"{wait_s} s" in detail

        admin = key_for(client, "admin", "ops")
        assert all(put_camera(client, admin) == 200 for _ in range(20))
        other = key_for(client, "vehicle", "bus-17")  # another key of the same vehicle: its own bucket
        assert put_camera(client, other) == 200


def test_frames_spend_their_own_bucket_so_sightings_go_on(tight: Settings) -> None:
    with TestClient(create_app(tight)) as client:
        key = key_for(client, "vehicle", "bus-17")
        headers = {"X-API-Key": key}
        first = client.post("/v1/frames", headers=headers, data={"metadata": "{}"})
        assert first.status_code != 429  # a bad frame, but it spent the only frame token
        second = client.post("/v1/frames", headers=headers, data={"metadata": "{}"})
        assert second.status_code == 429 and "for frames" in second.json()["detail"]
        assert put_camera(client, key) == 200  # the "requests" bucket is untouched
        batch = {"vehicle_id": "bus-17", "items": []}
        assert client.post("/v1/sightings", json=batch, headers=headers).status_code != 429


def test_limits_can_be_switched_off(settings: Settings) -> None:
    off = settings.model_copy(update={"rate_limits_enabled": False, "rate_limits": TIGHT})
    with TestClient(create_app(off)) as client:
        key = key_for(client, "vehicle", "bus-17")
        assert all(put_camera(client, key) == 200 for _ in range(6))


def test_memory_bucket_refills_at_its_rate() -> None:
    now = [100.0]
    buckets = MemoryBuckets(clock=lambda: now[0])
    limit = RateLimit(per_s=2.0, burst=2)
    assert buckets.take(1, "requests", limit) is None and buckets.take(1, "requests", limit) is None
    assert buckets.take(1, "requests", limit) == pytest.approx(0.5)
    assert buckets.take(2, "requests", limit) is None  # another key
    now[0] += 0.25
    assert buckets.take(1, "requests", limit) == pytest.approx(0.25)
    now[0] += 0.25
    assert buckets.take(1, "requests", limit) is None
    now[0] += 3600
    assert buckets.take(1, "requests", limit) is None and buckets.take(1, "requests", limit) is None
    assert buckets.take(1, "requests", limit) is not None  # refilled to the burst, never beyond


def test_environment_overrides_merge_over_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POTHOLE_RATE_LIMITS", json.dumps({"crew": {"per_s": 1, "burst": 2}, "admin": None}))
    limits = Settings().rate_limits
    assert limits["crew"] == RateLimit(per_s=1, burst=2)
    assert limits["vehicle"] == DEFAULT_RATE_LIMITS["vehicle"] and limits["admin"] is None


@pytest.mark.parametrize("name", ["vehicel", "vehicle.frame", "crew.", ".frames"])
def test_a_misspelt_limit_is_refused_at_start_up(name: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rate_limits: "):
        check_rate_limits({name: RateLimit(per_s=1, burst=1)})
    bad = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        migrate_on_start="create_all",
        load_model=False,
        rate_limits={name: {"per_s": 1, "burst": 1}},
    )
    with pytest.raises(ValueError, match="rate_limits: "), TestClient(create_app(bad)):
        pass


@pytest.mark.parametrize(
    "spec", [{"per_s": 0, "burst": 1}, {"per_s": 1, "burst": 0.5}, {"per_s": "nan", "burst": 1}]
)
def test_impossible_limits_are_refused(spec: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="per_s|burst"):
        Settings(rate_limits={"crew": spec})
