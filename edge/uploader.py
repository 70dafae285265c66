"""Forward the outbox to the API: batched sightings, passes, rate-limited frames; ack only on an answer.

The outbox holds bodies the agent built with `common.contract`; they are sent as stored. How each answer
is treated (POST /v1/sightings, /v1/frames, /v1/passes):
- 200/201 -> per item `created` / `duplicate`: delete from the outbox (a replay is a success);
  per item `rejected`: moved to the dead table, counted and logged;
- a whole-batch 400/413/422: the batch is split and each item is sent alone, so one bad item cannot hold
  the others hostage; an item refused alone is dead-lettered;
- a whole-batch 500 (an internal error, which one item may cause): split the same way. An item that
  answers 500 alone while the API accepted others in the same round, and had already failed
  `poison_attempts` times, is dead-lettered: the API keeps failing on that item, not on everything;
- 429 (this key's rate limit): nothing is counted against the items; that kind of request (sightings,
  passes or frames: the API keeps a bucket per kind) pauses for the answer's Retry-After and the items
  stay queued as they were;
- 401/403/404/408/409/502/503/504 and any network failure (refused, reset, timeout, the server
  killed mid-request): retried later with exponential backoff and jitter, with the same client ids.
Dead-lettered items stay in the outbox's `dead` table (`pothole edge status` lists them).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from pydantic import ValidationError

from common.contract import MAX_BATCH_ITEMS, BatchResult
from edge.outbox import Outbox, OutboxItem

__all__ = ["SendRound", "Uploader"]

log = logging.getLogger("pothole.edge.uploader")
RETRYABLE_STATUS = {401, 403, 404, 408, 409, 425, 429}
SPLIT_STATUS = {400, 413, 422}
SERVER_FAULT = 500  # 502/503/504 say the server (or its gateway) is down, not that an item broke it
RATE_LIMITED = 429
DEFAULT_RETRY_AFTER_S = 5.0
MAX_RETRY_AFTER_S = 600.0  # a wild header must not park the agent for hours


@dataclass(frozen=True, slots=True)
class SendRound:
    """What one pass over the due items achieved."""

    acked: int = 0
    rejected: int = 0
    deferred: int = 0

    def __add__(self, other: SendRound) -> SendRound:
        return SendRound(
            self.acked + other.acked, self.rejected + other.rejected, self.deferred + other.deferred
        )


def retry_after_s(header: str | None, *, now: datetime | None = None) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), bounded to
    0..MAX_RETRY_AFTER_S; DEFAULT_RETRY_AFTER_S when it is absent or unreadable."""
    if header is None:
        return DEFAULT_RETRY_AFTER_S
    text = header.strip()
    if text.isascii() and text.isdigit():
        return min(MAX_RETRY_AFTER_S, float(text))
    try:
        at = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_S
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return min(MAX_RETRY_AFTER_S, max(0.0, (at - (now or datetime.now(UTC))).total_seconds()))


def _retryable(status: int) -> bool:
    return status in RETRYABLE_STATUS or status >= 500


class Uploader:
    """Owns its own Outbox connection; `run` loops in a thread, `drain` empties the queue with a deadline."""

    def __init__(
        self,
        outbox: Outbox,
        client: httpx.Client,
        *,
        batch_size: int = 100,
        frames_per_s: float = 2.0,
        poison_attempts: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH_ITEMS:
            raise ValueError(f"batch_size={batch_size} must be 1..{MAX_BATCH_ITEMS} (the API's batch limit)")
        self.outbox = outbox
        self.client = client
        self.batch_size = batch_size
        self.poison_attempts = poison_attempts
        self.frame_interval_s = 1.0 / frames_per_s if frames_per_s > 0 else 0.0
        self._clock = clock
        self._last_frame_at = -1e18
        self._paused_until: dict[str, float] = {}  # kind -> clock time its Retry-After ends

    # -- one round ---------------------------------------------------------------------------------------
    def send_round(self) -> SendRound:
        result = SendRound()
        for vehicle_id in self._vehicles_with_due("sighting"):
            if self.paused("sighting"):
                break
            items = self.outbox.due("sighting", limit=self.batch_size, vehicle_id=vehicle_id)
            result += self._send_sightings(vehicle_id, items, may_split=True)
        for item in self.outbox.due("pass", limit=20):
            if self.paused("pass"):
                break
            result += self._send_single(item, "/v1/passes", lambda i: {"json": i.body})
        for item in self.outbox.due("frame", limit=20):
            if self.paused("frame"):
                break
            wait_s = self._last_frame_at + self.frame_interval_s - self._clock()
            if wait_s > 0:
                time.sleep(wait_s)
            self._last_frame_at = self._clock()
            result += self._send_single(item, "/v1/frames", self._frame_request)
        return result

    def paused(self, kind: str) -> bool:
        """True while the API's Retry-After for this kind of request runs."""
        return self._paused_until.get(kind, -1e18) > self._clock()

    def _pause(self, kind: str, response: httpx.Response, count: int) -> SendRound:
        """A 429: wait as told, leaving the items as they are (no attempt counted, no backoff)."""
        wait_s = retry_after_s(response.headers.get("retry-after"))
        self._paused_until[kind] = self._clock() + wait_s
        log.info("rate limited: %d %s item(s) wait %.0f s (Retry-After)", count, kind, wait_s)
        self.outbox.count("rate_limited")
        return SendRound(deferred=count)

    def _vehicles_with_due(self, kind: str) -> list[str]:
        return sorted({item.vehicle_id for item in self.outbox.due(kind, limit=500)})

    def _post_sightings(self, vehicle_id: str, items: list[OutboxItem]) -> httpx.Response | str:
        """The API's answer, or what went wrong on the way."""
        payload_items = []
        for item in items:
            body = dict(item.body)
            if item.blob:
                body["crop_jpeg_b64"] = base64.b64encode(item.blob).decode("ascii")
            payload_items.append(body)
        try:
            return self.client.post("/v1/sightings", json={"vehicle_id": vehicle_id, "items": payload_items})
        except httpx.HTTPError as exc:
            return f"network: {exc!r}"

    def _send_sightings(self, vehicle_id: str, items: list[OutboxItem], *, may_split: bool) -> SendRound:
        if not items:
            return SendRound()
        response = self._post_sightings(vehicle_id, items)
        if isinstance(response, httpx.Response) and response.status_code == RATE_LIMITED:
            return self._pause("sighting", response, len(items))
        splittable = isinstance(response, httpx.Response) and (
            response.status_code in SPLIT_STATUS or response.status_code == SERVER_FAULT
        )
        if splittable and may_split and len(items) > 1:
            assert isinstance(response, httpx.Response)
            log.warning(
                "batch of %d answered %d; sending its items one by one", len(items), response.status_code
            )
            return self._send_one_by_one(vehicle_id, items)
        return self._settle(items, response)

    def _send_one_by_one(self, vehicle_id: str, items: list[OutboxItem]) -> SendRound:
        """Each item alone. One answering 500 alone is retried later, unless the API accepted others
        meanwhile (so it is up) and the item has failed `poison_attempts` times: then it is dead. A 429
        pauses sightings: the items not sent yet stay queued as they are."""
        result = SendRound()
        failing: list[OutboxItem] = []
        for sent, item in enumerate(items):
            response = self._post_sightings(vehicle_id, [item])
            if isinstance(response, httpx.Response) and response.status_code == RATE_LIMITED:
                result += self._pause("sighting", response, len(items) - sent)
                break
            if isinstance(response, httpx.Response) and response.status_code == SERVER_FAULT:
                failing.append(item)
            else:
                result += self._settle([item], response)
        for item in failing:
            if result.acked > 0 and item.attempts + 1 >= self.poison_attempts:
                self.outbox.reject(
                    item.client_id,
                    f"HTTP {SERVER_FAULT} for this item alone ({item.attempts + 1} tries) "
                    "while the API accepted others",
                )
                result += SendRound(rejected=1)
            else:
                result += self._defer([item.client_id], f"HTTP {SERVER_FAULT} for this item alone")
        return result

    def _settle(self, items: list[OutboxItem], response: httpx.Response | str) -> SendRound:
        """Ack, dead-letter or defer `items` by the API's answer to them."""
        ids = [item.client_id for item in items]
        if isinstance(response, str):
            return self._defer(ids, response)
        if response.status_code in SPLIT_STATUS:
            self.outbox.reject(ids[0], f"HTTP {response.status_code}: {response.text[:500]}")
            return SendRound(rejected=1)
        if response.status_code >= 300:
            return self._defer(
                ids, f"HTTP {response.status_code}: {response.text[:200]}", response.status_code
            )
        try:
            results = BatchResult.model_validate_json(response.content).results
        except ValidationError:
            return self._defer(ids, f"unreadable answer: {response.text[:200]}")
        answered: set[str] = set()
        acked = rejected = 0
        for entry in results:
            if entry.client_id not in ids:
                continue
            answered.add(entry.client_id)
            if entry.status == "rejected":
                self.outbox.reject(entry.client_id, f"{entry.status}: {entry.detail}")
                rejected += 1
            else:
                self.outbox.ack([entry.client_id], entry.status)
                acked += 1
        missing = [cid for cid in ids if cid not in answered]
        deferred = self._defer(missing, "no result for this item in the answer") if missing else SendRound()
        return SendRound(acked=acked, rejected=rejected) + deferred

    def _frame_request(self, item: OutboxItem) -> dict[str, object]:
        return {
            "files": {"image": ("frame.jpg", item.blob or b"", "image/jpeg")},
            "data": {"metadata": json.dumps(item.body)},
        }

    def _send_single(
        self, item: OutboxItem, path: str, request: Callable[[OutboxItem], dict[str, object]]
    ) -> SendRound:
        try:
            response = self.client.post(path, **request(item))  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            return self._defer([item.client_id], f"network: {exc!r}")
        if response.status_code == RATE_LIMITED:
            return self._pause(item.kind, response, 1)
        if response.status_code < 300:
            outcome = "duplicate" if response.status_code == 200 and item.kind == "frame" else "created"
            self.outbox.ack([item.client_id], outcome)
            if item.kind == "frame":
                try:
                    found = len(response.json().get("detections") or [])
                except (ValueError, AttributeError):
                    found = 0
                self.outbox.count("server_detections", found)
            return SendRound(acked=1)
        if _retryable(response.status_code):
            return self._defer(
                [item.client_id], f"HTTP {response.status_code}: {response.text[:200]}", response.status_code
            )
        self.outbox.reject(item.client_id, f"HTTP {response.status_code}: {response.text[:500]}")
        return SendRound(rejected=1)

    def _defer(self, ids: list[str], error: str, status: int | None = None) -> SendRound:
        if status in (401, 403):
            log.error(
                "API refused the key (%d): check POTHOLE_API_KEY; %d items stay queued", status, len(ids)
            )
        else:
            log.info("deferring %d items: %s", len(ids), error)
        self.outbox.retry_later(ids, error)
        return SendRound(deferred=len(ids))

    # -- loops -------------------------------------------------------------------------------------------
    def run(self, stop: threading.Event, *, idle_s: float = 0.5) -> None:
        """Send whatever is due until `stop` is set; sleeps until the next item is due (at most idle_s)."""
        while not stop.is_set():
            try:
                progress = self.send_round()
            except Exception:  # a sender thread must never die silently: log and keep going
                log.exception("send round failed; retrying")
                progress = SendRound()
            if progress.acked == 0 and progress.rejected == 0:
                stop.wait(self._idle_wait_s(idle_s))

    def drain(self, timeout_s: float) -> bool:
        """Send until the outbox is empty or the deadline passes; True when empty."""
        deadline = time.monotonic() + timeout_s
        while True:
            self.send_round()
            if not any(self.outbox.pending().values()):
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(remaining, self._idle_wait_s(1.0)))

    def _idle_wait_s(self, cap_s: float) -> float:
        next_due = self.outbox.next_due_at()
        if next_due is None:
            return cap_s
        wait_s = max(0.05, min(cap_s, next_due - time.time()))
        pauses = [until - self._clock() for until in self._paused_until.values() if until > self._clock()]
        if pauses and next_due <= time.time():  # what is due now waits for its Retry-After
            wait_s = max(wait_s, min(cap_s, min(pauses)))
        return wait_s
