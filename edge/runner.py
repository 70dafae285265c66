"""Wire one agent run: source + GPS + detector + outbox + a background uploader, then drain and report.

Kept apart from the CLI so tests and the simulator's benchmark can run the exact same composition.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from edge.agent import Agent, AgentConfig, DetectFn, Mode
from edge.errors import EdgeError
from edge.gps import read_gps
from edge.gps_live import SerialGps, parse_serial_spec
from edge.outbox import Outbox
from edge.privacy import UploadPolicy
from edge.replay import ReplayDetector
from edge.sources import FrameSample, open_source
from edge.timesync import Timeline
from edge.uploader import Uploader

__all__ = ["RunOptions", "load_detector", "make_client", "run_agent"]

log = logging.getLogger("pothole.edge")


@dataclass(frozen=True, slots=True)
class RunOptions:
    source: str
    gps: str
    api_url: str
    key: str
    vehicle_id: str
    queue_path: Path
    mode: Mode = Mode.SIGHTINGS
    weights: Path | None = None
    detections: Path | None = None
    upload: UploadPolicy = UploadPolicy.CROP
    queue_cap_bytes: int = 512 * 1024 * 1024
    clock_offset_s: float = 0.0
    max_gap_s: float = 2.0
    start_utc_s: float | None = None
    fps: float = 10.0
    every_n: int = 1
    min_confidence: float = 0.25
    min_hits: int = 3
    frames_max_fps: float = 1.0
    drain_timeout_s: float = 30.0
    threads: int | None = None
    request_timeout_s: float = 10.0
    backoff_base_s: float = 1.0
    backoff_max_s: float = 300.0


def make_client(api_url: str, key: str, timeout_s: float) -> httpx.Client:
    return httpx.Client(base_url=api_url.rstrip("/"), headers={"X-API-Key": key}, timeout=timeout_s)


def load_detector(options: RunOptions) -> tuple[DetectFn | None, str]:
    """Replay side-car, else the ONNX model (weights/current.json unless --weights); frames mode: none."""
    if options.detections is not None:
        replay = ReplayDetector(options.detections)
        return replay, replay.model_id
    if options.mode is Mode.FRAMES:
        return None, "server"
    from detector import load_detector as load  # heavy: onnxruntime session

    try:
        # The vehicle box runs the INT8 files of the model in service (its latency budget); an explicit
        # --weights file runs as given.
        model = load(options.weights, int8=True, threads=options.threads)
    except Exception as exc:  # a missing current.json or a corrupt file is an operator error here
        raise EdgeError(f"--weights: cannot load the detector ({exc})") from exc

    def detect(frame: FrameSample) -> Sequence[Any]:
        return model(frame.image)

    return detect, str(getattr(model.info, "model_id", "unknown"))


def _sender(options: RunOptions, stop: threading.Event) -> None:
    with (
        Outbox(
            options.queue_path,
            cap_bytes=options.queue_cap_bytes,
            backoff_base_s=options.backoff_base_s,
            backoff_max_s=options.backoff_max_s,
        ) as outbox,
        make_client(options.api_url, options.key, options.request_timeout_s) as client,
    ):
        Uploader(outbox, client, frames_per_s=max(options.frames_max_fps, 0.1)).run(stop)


def run_agent(
    options: RunOptions,
    *,
    detect: DetectFn | None = None,
    model_id: str | None = None,
    on_frame: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Process the whole source, drain the outbox until drain_timeout_s; return a summary dict."""
    timeline = Timeline(clock_offset_s=options.clock_offset_s, max_gap_s=options.max_gap_s)
    serial_gps: SerialGps | None = None
    serial_spec = parse_serial_spec(options.gps)
    if serial_spec is None:
        for fix in read_gps(options.gps):
            timeline.append(fix)
    else:
        serial_gps = SerialGps(serial_spec[0], serial_spec[1], timeline).start()
    if detect is None:
        detect, loaded_id = load_detector(options)
        model_id = model_id or loaded_id
    frames = open_source(
        options.source, start_utc_s=options.start_utc_s, fps=options.fps, every_n=options.every_n
    )
    config = AgentConfig(
        vehicle_id=options.vehicle_id,
        mode=options.mode,
        model_id=model_id or "unknown",
        upload=options.upload,
        min_confidence=options.min_confidence,
        min_hits=options.min_hits,
        frames_max_fps=options.frames_max_fps,
    )
    stop = threading.Event()
    sender = threading.Thread(target=_sender, args=(options, stop), name="uploader", daemon=True)
    sender.start()
    with Outbox(
        options.queue_path,
        cap_bytes=options.queue_cap_bytes,
        backoff_base_s=options.backoff_base_s,
        backoff_max_s=options.backoff_max_s,
    ) as outbox:
        agent = Agent(config, timeline=timeline, outbox=outbox, detect=detect)
        try:
            for frame in frames:
                agent.process(frame)
                if on_frame is not None:
                    on_frame(frame.index)
            stats = agent.finish()
        finally:
            stop.set()
            sender.join(timeout=options.request_timeout_s + 5)
            if serial_gps is not None:
                serial_gps.stop()
        with make_client(options.api_url, options.key, options.request_timeout_s) as client:
            drained = Uploader(outbox, client, frames_per_s=options.frames_max_fps).drain(
                options.drain_timeout_s
            )
        pending = outbox.pending()
        if not drained:
            log.warning(
                "outbox still holds %s after %.0f s; they are kept on disk and sent on the next run",
                pending,
                options.drain_timeout_s,
            )
        return {
            "vehicle_id": options.vehicle_id,
            "mode": str(options.mode),
            "model_id": config.model_id,
            **dataclasses.asdict(stats),
            "outbox_pending": pending,
            "outbox_counters": outbox.counters(),
            "drained": drained,
        }
