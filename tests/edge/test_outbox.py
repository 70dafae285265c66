"""The durable outbox: idempotent ids, survival of kill -9, backoff with jitter, and the eviction order."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from edge.outbox import Outbox, backoff_delay_s


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_client_id_is_made_once_and_kept_across_reopen(tmp_path: Path) -> None:
    with Outbox(tmp_path / "q.db") as outbox:
        client_id = outbox.put("sighting", "bus-1", {"confidence": 0.9}, b"jpeg")
    with Outbox(tmp_path / "q.db") as outbox:
        (item,) = outbox.due("sighting")
    assert item.client_id == client_id == item.body["client_id"]
    assert item.blob == b"jpeg"


def test_putting_the_same_client_id_twice_keeps_one_item(tmp_path: Path) -> None:
    with Outbox(tmp_path / "q.db") as outbox:
        outbox.put("sighting", "bus-1", {"client_id": "abc"})
        outbox.put("sighting", "bus-1", {"client_id": "abc"})
        assert outbox.pending()["sighting"] == 1
        assert outbox.counters()["queued_sightings"] == 1


WRITER = """
import os, signal, sys
from pathlib import Path
from edge.outbox import Outbox
outbox = Outbox(Path(sys.argv[1]))
for i in range(int(sys.argv[2])):
    outbox.put("sighting", "bus-1", {"n": i}, b"x" * 1000)
print("queued", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_items_survive_kill_dash_9(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(tmp_path / "q.db"), "25"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL and "queued" in done.stdout
    with Outbox(tmp_path / "q.db") as outbox:
        assert outbox.pending()["sighting"] == 25
        assert sorted(item.body["n"] for item in outbox.due("sighting", limit=100)) == list(range(25))


def test_retry_later_backs_off_exponentially_and_keeps_the_id(tmp_path: Path) -> None:
    clock = FakeClock()
    with Outbox(
        tmp_path / "q.db", clock=clock, backoff_base_s=1.0, backoff_max_s=60.0, rng=random.Random(1)
    ) as outbox:
        client_id = outbox.put("sighting", "bus-1", {})
        waits = []
        for _ in range(4):
            outbox.retry_later([client_id], "down")
            due_at = outbox.next_due_at()
            assert due_at is not None
            waits.append(due_at - clock.now)
            assert outbox.due("sighting") == []
            clock.now = due_at
            assert [i.client_id for i in outbox.due("sighting")] == [client_id]
    assert [0.5 <= w <= 1.0 for w in waits[:1]] == [True]
    assert waits[1] > waits[0] * 0.99 and 4.0 <= waits[3] <= 8.0


@pytest.mark.parametrize("attempts", [1, 3, 8, 20])
def test_backoff_jitter_stays_within_half_to_full_step(attempts: int) -> None:
    step = min(300.0, 2.0 ** (attempts - 1))
    delays = [
        backoff_delay_s(attempts, base_s=1.0, max_s=300.0, rng=random.Random(seed)) for seed in range(50)
    ]
    assert all(step / 2 <= d <= step for d in delays) and len(set(delays)) > 1


def test_eviction_drops_frames_then_crops_then_metadata_and_counts_each(tmp_path: Path) -> None:
    with Outbox(tmp_path / "q.db", cap_bytes=20_000) as outbox:
        outbox.put("sighting", "bus-1", {"n": 0}, b"c" * 4000)
        for i in range(3):
            outbox.put("frame", "bus-1", {"n": i}, b"f" * 5000)
        assert outbox.counters().get("evicted_frames", 0) == 0
        outbox.put("sighting", "bus-1", {"n": 1}, b"c" * 4000)  # over the cap: the oldest frame goes
        assert outbox.counters()["evicted_frames"] == 1 and outbox.pending()["frame"] == 2
        for i in range(2, 6):
            outbox.put("sighting", "bus-1", {"n": i}, b"c" * 4000)
        counters = outbox.counters()
        assert outbox.pending()["frame"] == 0 and counters["evicted_frames"] == 3
        assert counters["stripped_crops"] >= 1 and "evicted_sightings" not in counters
        assert outbox.pending()["sighting"] == 6  # every sighting's metadata is still there
        assert outbox.stored_bytes() <= 20_000
    with Outbox(tmp_path / "tiny.db", cap_bytes=300) as outbox:
        for i in range(10):
            outbox.put("sighting", "bus-1", {"n": i, "pad": "x" * 50})
        assert outbox.counters()["evicted_sightings"] >= 1  # the last resort, only once the cap is hit
        assert outbox.stored_bytes() <= 300


def test_reject_moves_the_item_to_dead_letters(tmp_path: Path) -> None:
    with Outbox(tmp_path / "q.db") as outbox:
        client_id = outbox.put("sighting", "bus-1", {})
        outbox.reject(client_id, "422 box_xyxy_px")
        assert outbox.pending()["sighting"] == 0
        assert outbox.dead_items() == [(client_id, "sighting", "422 box_xyxy_px")]
        assert outbox.counters()["rejected_sightings"] == 1


def test_two_connections_share_the_file(tmp_path: Path) -> None:
    with Outbox(tmp_path / "q.db") as writer, Outbox(tmp_path / "q.db") as reader:
        writer.put("pass", "bus-1", {"track": []})
        assert reader.pending()["pass"] == 1
    assert os.path.exists(tmp_path / "q.db")


def test_threads_opening_one_outbox_at_once_all_succeed(tmp_path: Path) -> None:
    """Setting WAL and the schema races between openers; without the retry ~2.5 % of rounds failed."""
    import threading

    errors: list[Exception] = []
    for round_no in range(120):
        path = tmp_path / f"outbox-{round_no}.db"
        if round_no % 2:
            Outbox(path).close()  # half the rounds reopen an existing WAL file
        barrier = threading.Barrier(3)

        def open_and_put(barrier: threading.Barrier = barrier, path: Path = path) -> None:
            barrier.wait()
            try:
                with Outbox(path) as outbox:
                    outbox.put("pass", "bus-1", {"track": []})
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=open_and_put) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with Outbox(path) as outbox:
            assert outbox.pending()["pass"] == 3
    assert errors == []
