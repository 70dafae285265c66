"""`pothole edge` and `pothole simulate` from the command line: bad input is one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pothole_cli

BASE = ["edge", "run", "--api", "http://127.0.0.1:9", "--vehicle-id", "bus-1"]


@pytest.fixture(autouse=True)
def vehicle_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The agent reads its key from the environment (never argv)."""
    monkeypatch.setenv("POTHOLE_API_KEY", "k")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--source", "x", "--gps", "y", "--mode", "bogus"], "--mode"),
        (["--source", "x", "--gps", "y", "--upload", "faces"], "--upload"),
        (["--source", "x", "--gps", "y", "--queue-cap-mb", "0"], "--queue-cap-mb"),
        (["--source", "x", "--gps", "/no/such.csv"], "--gps"),
    ],
    ids=["mode", "upload", "cap", "gps"],
)
def test_bad_options_exit_2_with_one_line(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pothole_cli.main([*BASE, "--queue", str(tmp_path / "q.db"), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]


@pytest.mark.parametrize("command", ["run", "flush"])
def test_a_key_on_the_command_line_is_refused(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["edge", command, "--api", "http://127.0.0.1:9", "--key", "pw_secret"]
    argv += ["--queue", str(tmp_path / "q")]
    if command == "run":
        argv += ["--vehicle-id", "bus-1", "--source", "x", "--gps", "y"]
    assert pothole_cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --key: ") and "POTHOLE_API_KEY" in err[0]
    assert "pw_secret" not in err[0]


def test_without_a_key_in_the_environment_the_agent_says_which_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("POTHOLE_API_KEY")
    monkeypatch.delenv("POTHOLE_EDGE_KEY", raising=False)
    assert pothole_cli.main([*BASE, "--queue", str(tmp_path / "q.db"), "--source", "x", "--gps", "y"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: POTHOLE_API_KEY: ")


def test_status_reports_pending_and_counters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from edge.outbox import Outbox

    with Outbox(tmp_path / "q.db") as outbox:
        outbox.put("sighting", "bus-1", {})
    assert pothole_cli.main(["edge", "status", "--queue", str(tmp_path / "q.db")]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["pending"]["sighting"] == 1 and status["counters"]["queued_sightings"] == 1


def test_status_of_a_missing_queue_is_an_error(tmp_path: Path) -> None:
    assert pothole_cli.main(["edge", "status", "--queue", str(tmp_path / "none.db")]) == 2


def test_simulate_writes_a_patrol(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = pothole_cli.main(
        [
            "simulate",
            "--out",
            str(tmp_path),
            "--route",
            "grid",
            "--vehicles",
            "1",
            "--passes",
            "1",
            "--potholes",
            "3",
            "--fps",
            "2",
            "--length-m",
            "400",
            "--shared",
            str(tmp_path / "no-shared"),
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["potholes"] == 3 and summary["passes"] == 1
    assert (tmp_path / "ground_truth.geojson").is_file() and (tmp_path / "manifest.json").is_file()


def test_status_lists_the_dead_letters_with_their_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from edge.outbox import Outbox

    with Outbox(tmp_path / "q.db") as outbox:
        client_id = outbox.put("sighting", "bus-1", {})
        outbox.reject(client_id, "rejected: gps: 3.0 m ahead of lat 90.0 is past the pole")
    assert pothole_cli.main(["edge", "status", "--queue", str(tmp_path / "q.db")]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["dead"] == 1 and status["pending"]["sighting"] == 0
    assert status["dead_items"] == [
        {
            "client_id": client_id,
            "kind": "sighting",
            "reason": "rejected: gps: 3.0 m ahead of lat 90.0 is past the pole",
        }
    ]
