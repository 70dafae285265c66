"""`pothole edge run | flush | status`: the patrol vehicle's agent and its outbox.

The API key comes from $POTHOLE_API_KEY ($POTHOLE_EDGE_KEY is read too), never from the command line.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import typer

__all__ = ["register"]


DEAD_SHOWN = 20  # the newest dead letters `status` prints (all stay in the outbox's dead table)


def _fail(message: str) -> SystemExit:
    """One line on stderr, exit 2. SystemExit (not typer.Exit) so the `pothole` hub keeps the code."""
    typer.echo(f"error: {message}", err=True)
    return SystemExit(2)


KEY_VARIABLES = ("POTHOLE_API_KEY", "POTHOLE_EDGE_KEY")


def _key_from_env(key_on_argv: str | None) -> str:
    """The vehicle's API key, from the environment only: a command line is readable by every user of the
    machine (`ps`, /proc/PID/cmdline), so `--key` is refused rather than silently used."""
    if key_on_argv is not None:
        raise _fail("--key: a key on the command line is visible in `ps`; set POTHOLE_API_KEY instead")
    key = next((os.environ[name] for name in KEY_VARIABLES if os.environ.get(name)), "")
    if not key:
        raise _fail("POTHOLE_API_KEY: the vehicle's API key is required in this environment variable")
    return key


def _parse_time(text: str | None, name: str) -> float | None:
    if text is None:
        return None
    from edge.gps import parse_time_utc_s

    try:
        return parse_time_utc_s(text)
    except ValueError as exc:
        raise _fail(f"{name}: {exc}") from exc


def register(app: typer.Typer) -> None:
    default_queue = Path(os.environ.get("POTHOLE_EDGE_QUEUE", "edge-outbox.db"))  # read when the CLI is built
    edge = typer.Typer(
        help="The patrol vehicle's agent: detect on board, store and forward to the API.",
        no_args_is_help=True,
    )
    app.add_typer(edge, name="edge")

    @edge.command("run")
    def run(
        source: str = typer.Option(..., help="Video file, image folder, camera index or rtsp:// URL."),
        gps: str = typer.Option(
            ..., help="GPX, NMEA (.nmea/.log/.txt) or CSV log; or serial:/dev/ttyUSB0@9600."
        ),
        api: str = typer.Option(..., help="API base URL, e.g. http://127.0.0.1:8000."),
        key_on_argv: str | None = typer.Option(None, "--key", hidden=True),
        vehicle_id: str = typer.Option(..., "--vehicle-id", help="This vehicle's id (as its key allows)."),
        mode: str = typer.Option(
            "sightings", help="sightings (detect on board) or frames (stream to /v1/frames)."
        ),
        weights: Path | None = typer.Option(None, help="ONNX model (default: weights/current.json)."),
        detections: Path | None = typer.Option(
            None, help="Replay detections from a JSONL side-car (simulator)."
        ),
        queue: Path = typer.Option(default_queue, help="Outbox SQLite file ($POTHOLE_EDGE_QUEUE)."),
        queue_cap_mb: float = typer.Option(512.0, help="Outbox disk cap; over it the eviction policy runs."),
        upload: str = typer.Option(
            "crop", help="crop | blurred-frame | none: which pixels leave the vehicle."
        ),
        clock_offset_s: float = typer.Option(
            0.0, help="Seconds to add to frame times to reach GPS (UTC) time."
        ),
        max_gap_s: float = typer.Option(
            2.0, help="Fixes further apart than this leave the frames between unmatched."
        ),
        start_time: str | None = typer.Option(
            None, help="UTC time of the first frame (video / folder without timestamps.csv)."
        ),
        fps: float = typer.Option(10.0, help="Frame rate of an image folder without timestamps.csv."),
        every_n: int = typer.Option(1, help="Process every n-th frame."),
        min_confidence: float = typer.Option(0.25, help="Ignore detections below this confidence."),
        min_hits: int = typer.Option(3, help="A track needs this many detections to be reported."),
        frames_max_fps: float = typer.Option(1.0, help="frames mode: at most this many frames per second."),
        drain_timeout_s: float = typer.Option(
            30.0, help="At the end, keep sending this long before exiting."
        ),
        threads: int | None = typer.Option(None, help="ONNX Runtime intra-op threads."),
        verbose: bool = typer.Option(False, "--verbose", "-v"),
    ) -> None:
        """Run the agent over a source; prints one JSON summary line at the end."""
        from edge.agent import Mode
        from edge.errors import EdgeError
        from edge.privacy import UploadPolicy
        from edge.runner import RunOptions, run_agent

        logging.basicConfig(
            level=logging.INFO if verbose else logging.WARNING,
            stream=sys.stderr,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        key = _key_from_env(key_on_argv)
        try:
            mode_value = Mode(mode)
        except ValueError as exc:
            raise _fail(f"--mode: {mode!r} is not one of sightings, frames") from exc
        try:
            upload_value = UploadPolicy(upload)
        except ValueError as exc:
            raise _fail(f"--upload: {upload!r} is not one of crop, blurred-frame, none") from exc
        if queue_cap_mb <= 0:
            raise _fail(f"--queue-cap-mb: {queue_cap_mb} must be > 0")
        if not api.startswith(("http://", "https://")):
            raise _fail(f"--api: {api!r} is not an http(s) URL")
        options = RunOptions(
            source=source,
            gps=gps,
            api_url=api,
            key=key,
            vehicle_id=vehicle_id,
            queue_path=queue,
            mode=mode_value,
            weights=weights,
            detections=detections,
            upload=upload_value,
            queue_cap_bytes=int(queue_cap_mb * 1024 * 1024),
            clock_offset_s=clock_offset_s,
            max_gap_s=max_gap_s,
            start_utc_s=_parse_time(start_time, "--start-time"),
            fps=fps,
            every_n=every_n,
            min_confidence=min_confidence,
            min_hits=min_hits,
            frames_max_fps=frames_max_fps,
            drain_timeout_s=drain_timeout_s,
            threads=threads,
        )
        try:
            summary = run_agent(options)
        except (EdgeError, ValueError) as exc:
            raise _fail(str(exc)) from exc
        typer.echo(json.dumps(summary, sort_keys=True))

    @edge.command("flush")
    def flush(
        api: str = typer.Option(..., help="API base URL."),
        key_on_argv: str | None = typer.Option(None, "--key", hidden=True),
        queue: Path = typer.Option(default_queue, help="Outbox SQLite file."),
        timeout_s: float = typer.Option(60.0, help="Give up (items stay queued) after this long."),
    ) -> None:
        """Send what the outbox still holds (after a reboot or a long outage)."""
        from edge.outbox import Outbox
        from edge.runner import make_client
        from edge.uploader import Uploader

        key = _key_from_env(key_on_argv)
        if not queue.is_file():
            raise _fail(f"--queue: {queue} does not exist")
        with Outbox(queue) as outbox, make_client(api, key, 10.0) as client:
            drained = Uploader(outbox, client).drain(timeout_s)
            typer.echo(
                json.dumps({"drained": drained, "pending": outbox.pending(), "counters": outbox.counters()})
            )
        if not drained:
            raise SystemExit(1)

    @edge.command("status")
    def status(queue: Path = typer.Option(default_queue, help="Outbox SQLite file.")) -> None:
        """Pending items, bytes on disk, the counters (evictions, rejections, retries) and the dead letters
        (items the API refused for good, newest last, with its reason)."""
        from edge.outbox import Outbox

        if not queue.is_file():
            raise _fail(f"--queue: {queue} does not exist")
        with Outbox(queue) as outbox:
            typer.echo(
                json.dumps(
                    {
                        "pending": outbox.pending(),
                        "stored_bytes": outbox.stored_bytes(),
                        "counters": outbox.counters(),
                        "dead": len(dead := outbox.dead_items()),
                        "dead_items": [
                            {"client_id": cid, "kind": kind, "reason": reason}
                            for cid, kind, reason in dead[-DEAD_SHOWN:]
                        ],
                    }
                )
            )
