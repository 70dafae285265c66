"""The uploader against a scripted API: acks, retries with the same ids, splits, dead letters."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from edge_factories import ScriptedApi

from edge.outbox import Outbox
from edge.uploader import DEFAULT_RETRY_AFTER_S, MAX_RETRY_AFTER_S, SendRound, Uploader, retry_after_s


def queue(outbox: Outbox, n: int, vehicle: str = "bus-1") -> list[str]:
    return [outbox.put("sighting", vehicle, {"confidence": 0.5 + i / 100}, b"crop%d" % i) for i in range(n)]


def sent_ids(api: ScriptedApi) -> list[str]:
    return [
        item["client_id"]
        for r in api.requests
        if r.url.path == "/v1/sightings"
        for item in json.loads(r.content)["items"]
    ]


def test_created_items_leave_the_outbox_with_their_crop(tmp_path: Path) -> None:
    api = ScriptedApi()
    with Outbox(tmp_path / "q.db") as outbox, api.client() as client:
        ids = queue(outbox, 3)
        assert Uploader(outbox, client).send_round().acked == 3
        assert outbox.pending()["sighting"] == 0
    body = json.loads(api.requests[0].content)
    assert body["vehicle_id"] == "bus-1" and [i["client_id"] for i in body["items"]] == ids
    assert base64.b64decode(body["items"][0]["crop_jpeg_b64"]) == b"crop0"


def test_network_failure_and_5xx_retry_with_the_same_client_ids(tmp_path: Path) -> None:
    api = ScriptedApi()
    api.fail_next = [httpx.ConnectError("refused"), 503]
    with Outbox(tmp_path / "q.db", backoff_base_s=0.001) as outbox, api.client() as client:
        ids = queue(outbox, 2)
        uploader = Uploader(outbox, client)
        assert uploader.drain(timeout_s=10)
        assert outbox.counters()["retries"] == 4
    assert sent_ids(api) == ids * 3
    assert sorted(api.stored) == sorted(ids)


def test_a_replayed_item_answered_duplicate_is_done(tmp_path: Path) -> None:
    api = ScriptedApi()
    with Outbox(tmp_path / "q.db") as outbox, api.client() as client:
        (client_id,) = queue(outbox, 1)
        api.stored[client_id] = 7  # the server stored it, but the answer was lost on the way
        Uploader(outbox, client).send_round()
        assert outbox.counters()["acked_duplicate"] == 1 and outbox.pending()["sighting"] == 0


def test_a_rejected_item_is_dead_lettered_and_the_rest_go_through(tmp_path: Path) -> None:
    api = ScriptedApi()
    with Outbox(tmp_path / "q.db") as outbox, api.client() as client:
        ids = queue(outbox, 3)
        api.reject.add(ids[1])
        result = Uploader(outbox, client).send_round()
        assert (result.acked, result.rejected) == (2, 1)
        assert [d[0] for d in outbox.dead_items()] == [ids[1]]


def test_a_422_batch_is_split_so_one_bad_item_cannot_block_the_rest(tmp_path: Path) -> None:
    api = ScriptedApi()
    api.fail_next = [422, 422]  # the batch, then the first item alone
    with Outbox(tmp_path / "q.db") as outbox, api.client() as client:
        ids = queue(outbox, 3)
        result = Uploader(outbox, client).send_round()
        assert (result.acked, result.rejected) == (2, 1)
        assert outbox.dead_items()[0][0] == ids[0]


def test_batches_never_mix_vehicles(tmp_path: Path) -> None:
    api = ScriptedApi()
    with Outbox(tmp_path / "q.db") as outbox, api.client() as client:
        queue(outbox, 2, "bus-1")
        queue(outbox, 2, "bus-2")
        Uploader(outbox, client).send_round()
    vehicles = [json.loads(r.content)["vehicle_id"] for r in api.requests]
    assert sorted(vehicles) == ["bus-1", "bus-2"]


def test_frames_and_passes_are_posted_to_their_endpoints(tmp_path: Path) -> None:
    api = ScriptedApi()
    with Outbox(tmp_path / "q.db") as outbox, api.client() as client:
        outbox.put("frame", "bus-1", {"vehicle_id": "bus-1", "captured_at": "x", "gps": {}}, b"jpeg")
        outbox.put("pass", "bus-1", {"vehicle_id": "bus-1", "track": []})
        assert Uploader(outbox, client, frames_per_s=100).send_round().acked == 2
        assert outbox.counters()["server_detections"] == 2  # what the server's model found, kept
    paths = sorted(r.url.path for r in api.requests)
    assert paths == ["/v1/frames", "/v1/passes"]
    frame_request = next(r for r in api.requests if r.url.path == "/v1/frames")
    assert b'name="metadata"' in frame_request.content and b'name="image"' in frame_request.content


def test_an_unauthorised_key_keeps_items_queued(tmp_path: Path) -> None:
    api = ScriptedApi()
    api.fail_next = [401]
    with Outbox(tmp_path / "q.db") as outbox, api.client() as client:
        queue(outbox, 1)
        assert Uploader(outbox, client).send_round().deferred == 1
        assert outbox.pending()["sighting"] == 1 and not outbox.dead_items()


class RateLimitedApi(ScriptedApi):
    """Answers 429 with Retry-After to the first `limited` requests of a path, then like the API."""

    def __init__(self, path: str, limited: int, retry_after: str | None = "30") -> None:
        super().__init__()
        self.path, self.limited, self.retry_after = path, limited, retry_after

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == self.path and self.limited > 0:
            self.requests.append(request)
            self.limited -= 1
            headers = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
            return httpx.Response(429, json={"detail": "X-API-Key: too many requests"}, headers=headers)
        return super().__call__(request)


def test_429_waits_for_retry_after_and_counts_nothing_against_the_items(tmp_path: Path) -> None:
    api = RateLimitedApi("/v1/sightings", limited=1, retry_after="30")
    now = [1000.0]
    with Outbox(tmp_path / "q.db") as outbox, api.client() as client:
        ids = queue(outbox, 2)
        outbox.put("pass", "bus-1", {"client_id": "pass-1"})
        uploader = Uploader(outbox, client, clock=lambda: now[0])
        first = uploader.send_round()
        assert first.deferred == 2 and first.acked == 1  # the pass has its own bucket and goes on
        assert uploader.paused("sighting") and not uploader.paused("pass")
        now[0] += 29.0
        assert uploader.send_round() == SendRound()  # still waiting: nothing sent
        assert len([r for r in api.requests if r.url.path == "/v1/sightings"]) == 1
        assert [item.attempts for item in outbox.due("sighting")] == [0, 0]  # not a failure
        assert "retries" not in outbox.counters() and outbox.counters()["rate_limited"] == 1
        now[0] += 1.5
        assert uploader.send_round().acked == 2
        assert outbox.pending()["sighting"] == 0
    assert sent_ids(api) == ids * 2


@pytest.mark.parametrize(
    ("header", "expected_s"),
    [
        ("7", 7.0),
        (None, DEFAULT_RETRY_AFTER_S),
        ("soon", DEFAULT_RETRY_AFTER_S),
        ("99999999", MAX_RETRY_AFTER_S),
        ("٣", DEFAULT_RETRY_AFTER_S),
        ("Wed, 09 Dec 2026 10:00:20 GMT", 20.0),
        ("Wed, 09 Dec 2026 09:00:00 GMT", 0.0),
    ],
)
def test_retry_after_is_read_as_seconds_or_a_date_and_bounded(header: str | None, expected_s: float) -> None:
    now = datetime(2026, 12, 9, 10, 0, 0, tzinfo=UTC)
    assert retry_after_s(header, now=now) == pytest.approx(expected_s)


def test_a_rate_limited_frame_waits_without_a_retry(tmp_path: Path) -> None:
    api = RateLimitedApi("/v1/frames", limited=1, retry_after="2")
    now = [0.0]
    with Outbox(tmp_path / "q.db") as outbox, api.client() as client:
        outbox.put("frame", "bus-1", {"client_id": "f-1"}, b"jpeg")
        uploader = Uploader(outbox, client, frames_per_s=0, clock=lambda: now[0])
        assert uploader.send_round().deferred == 1 and uploader.paused("frame")
        now[0] += 2.5
        assert uploader.send_round().acked == 1
        assert "retries" not in outbox.counters()


def test_a_500_batch_is_split_and_an_item_the_api_keeps_failing_on_is_dead_lettered(tmp_path: Path) -> None:
    api = ScriptedApi()
    with Outbox(tmp_path / "q.db", backoff_base_s=0.0) as outbox, api.client() as client:
        ids = queue(outbox, 3)
        api.poison.add(ids[1])
        uploader = Uploader(outbox, client, poison_attempts=2)
        first = uploader.send_round()
        assert (first.acked, first.rejected, first.deferred) == (2, 0, 1)  # the others are not held back
        assert outbox.pending()["sighting"] == 1 and outbox.dead_items() == []
        queue(outbox, 1)  # a healthy sibling shows the API is up while the poison item fails again
        second = uploader.send_round()
        assert (second.acked, second.rejected) == (1, 1)
        assert outbox.pending()["sighting"] == 0
        (dead,) = outbox.dead_items()
        assert dead[0] == ids[1] and "HTTP 500" in dead[2]


def test_a_500_for_a_lone_item_is_retried_not_dead_lettered(tmp_path: Path) -> None:
    """Alone, a 500 cannot tell a poison item from a broken server: it stays queued."""
    api = ScriptedApi()
    with Outbox(tmp_path / "q.db", backoff_base_s=0.0) as outbox, api.client() as client:
        (only,) = queue(outbox, 1)
        api.poison.add(only)
        uploader = Uploader(outbox, client, poison_attempts=1)
        for _ in range(3):
            assert uploader.send_round().deferred == 1
        assert outbox.pending()["sighting"] == 1 and outbox.dead_items() == []


def test_503_still_retries_the_batch_whole(tmp_path: Path) -> None:
    api = ScriptedApi()
    api.fail_next = [503]
    with Outbox(tmp_path / "q.db", backoff_base_s=0.0) as outbox, api.client() as client:
        queue(outbox, 3)
        assert Uploader(outbox, client).send_round().deferred == 3
        assert len(api.requests) == 1


def test_a_429_while_a_split_batch_goes_one_by_one_pauses_the_items_not_sent(tmp_path: Path) -> None:
    api = ScriptedApi()
    api.fail_next = [422, 429]  # the batch is refused, then the first item alone meets the rate limit
    now = [0.0]
    with Outbox(tmp_path / "q.db") as outbox, api.client() as client:
        ids = queue(outbox, 3)
        uploader = Uploader(outbox, client, clock=lambda: now[0])
        assert uploader.send_round() == SendRound(deferred=3)
        assert len(api.requests) == 2 and uploader.paused("sighting")
        assert [item.attempts for item in outbox.due("sighting")] == [0, 0, 0] and not outbox.dead_items()
        now[0] += DEFAULT_RETRY_AFTER_S + 0.5
        assert uploader.send_round().acked == 3
    assert sorted(api.stored) == sorted(ids)
