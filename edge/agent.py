"""The on-board loop: frames -> detections -> tracks -> one sighting per pothole per pass -> the outbox.

GPS is matched when a track ends, not when a frame arrives: by then a live receiver has delivered the fix
after the frame, so interpolation never has to extrapolate. The best frame of a track is the one that
geolocates best: a confident box low in the frame (near the vehicle, where a pixel spans the fewest
metres), not cut by the frame border, and with a GPS fix. Frames without a fix are counted and never
reported with a guessed position. Bodies are built with `common.contract`: one the API would refuse is
counted and logged here, never queued.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import cv2
from pydantic import BaseModel, ValidationError

from common.contract import (
    FrameMetaIn,
    GpsIn,
    SightingIn,
    clip_box,
    format_time_utc,
    utc_datetime,
    wire_json,
)
from common.gps import GpsFix
from edge.outbox import Outbox
from edge.passes import PassClock, pass_body
from edge.privacy import UploadPolicy, blurred_frame_jpeg, crop_jpeg, encode_jpeg
from edge.replay import ReplayDetection
from edge.sources import FrameSample
from edge.timesync import Timeline
from edge.tracker import DetectionLike, Observation, Track, Tracker

__all__ = ["Agent", "AgentConfig", "Mode"]

log = logging.getLogger("pothole.edge.agent")
DetectFn = Callable[[FrameSample], Sequence[DetectionLike]]


class Mode(StrEnum):
    SIGHTINGS = "sightings"
    FRAMES = "frames"


@dataclass(frozen=True, slots=True)
class AgentConfig:
    vehicle_id: str
    mode: Mode = Mode.SIGHTINGS
    model_id: str = "unknown"
    upload: UploadPolicy = UploadPolicy.CROP
    min_confidence: float = 0.25
    min_hits: int = 3
    best_conf_frac: float = 0.7
    frames_max_fps: float = 1.0
    frame_max_width_px: int = 1280
    pass_max_s: float = 1800.0
    pass_min_step_m: float = 5.0
    gps_wait_s: float = 3.0

    def __post_init__(self) -> None:
        if not self.vehicle_id:
            raise ValueError("vehicle_id: must not be empty")
        if self.min_hits < 1:
            raise ValueError(f"min_hits={self.min_hits} must be >= 1")
        if self.frames_max_fps <= 0:
            raise ValueError(f"frames_max_fps={self.frames_max_fps} must be > 0")


@dataclass(frozen=True, slots=True)
class _Shot:
    """What an observation keeps of its frame: the size and the pixels policy allows to upload."""

    frame_wh: tuple[int, int]
    jpeg: bytes | None


@dataclass(slots=True)
class AgentStats:
    frames: int = 0
    frames_without_fix: int = 0
    detections: int = 0
    tracks: int = 0
    tracks_too_short: int = 0
    tracks_without_fix: int = 0
    sightings_queued: int = 0
    frames_queued: int = 0
    frames_skipped_rate: int = 0
    passes_queued: int = 0
    bodies_invalid: int = 0
    gap_reasons: dict[str, int] = field(default_factory=dict)


def _clip_to_frame(found: Sequence[DetectionLike], width: int, height: int) -> list[ReplayDetection]:
    """Boxes cut to the frame by the contract's `clip_box`; a sliver is dropped."""
    clipped = [(clip_box(det.xyxy_px, (width, height)), float(det.confidence)) for det in found]
    return [ReplayDetection(box, confidence) for box, confidence in clipped if box is not None]


class Agent:
    """Feed frames with `process`, then call `finish` once; everything produced goes into the outbox."""

    def __init__(
        self,
        config: AgentConfig,
        *,
        timeline: Timeline,
        outbox: Outbox,
        detect: DetectFn | None,
        tracker: Tracker | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if config.mode is Mode.SIGHTINGS and detect is None:
            raise ValueError("detect: sightings mode needs a detector (or a detections replay)")
        self.config = config
        self.timeline = timeline
        self.outbox = outbox
        self.detect = detect
        self.tracker = tracker or Tracker()
        self.stats = AgentStats()
        self._clock = clock
        self._waiting: list[tuple[float, Track]] = []
        self._waiting_frames: list[tuple[float, float, bytes, str | None]] = []
        self._passes = PassClock(config.vehicle_id, config.pass_max_s)
        self._last_frame_sent_s = -1e18

    # -- per frame -----------------------------------------------------------------------------------------
    def process(self, frame: FrameSample) -> None:
        self.stats.frames += 1
        pass_id = self._passes.pass_id
        self._queue_pass(self._passes.extend(frame.captured_utc_s + self.timeline.clock_offset_s), pass_id)
        if self.config.mode is Mode.FRAMES:
            self._queue_frame(frame)
            self._queue_ready_frames(force=False)
            return
        assert self.detect is not None
        height, width = frame.image.shape[:2]
        found = _clip_to_frame(
            [d for d in self.detect(frame) if d.confidence >= self.config.min_confidence], width, height
        )
        self.stats.detections += len(found)
        shot_for = self._shots(frame, found)
        ended = self.tracker.update(frame.index, frame.captured_utc_s, found, frame_ref=shot_for)
        for track in ended:
            self._waiting.append((self._clock() + self.config.gps_wait_s, track))
        self._finalise_ready(force=False)

    def finish(self) -> AgentStats:
        for track in self.tracker.flush():
            self._waiting.append((0.0, track))
        self._finalise_ready(force=True)
        self._queue_ready_frames(force=True)
        self._queue_pass(self._passes.close(), self._passes.pass_id)
        return self.stats

    # -- sightings -----------------------------------------------------------------------------------------
    def _shots(self, frame: FrameSample, found: Sequence[DetectionLike]) -> dict[tuple[float, ...], _Shot]:
        """One upload-ready JPEG per detection, made now so no full frame has to be kept in memory."""
        height, width = frame.image.shape[:2]
        shots: dict[tuple[float, ...], _Shot] = {}
        for det in found:
            box = tuple(float(v) for v in det.xyxy_px)
            jpeg: bytes | None = None
            if self.config.upload is UploadPolicy.CROP:
                jpeg = crop_jpeg(frame.image, box)  # type: ignore[arg-type]
            elif self.config.upload is UploadPolicy.BLURRED_FRAME:
                jpeg = blurred_frame_jpeg(frame.image, [tuple(float(v) for v in d.xyxy_px) for d in found])  # type: ignore[misc]
            shots[box] = _Shot((width, height), jpeg)
        return shots

    def _finalise_ready(self, *, force: bool) -> None:
        now = self._clock()
        last_fix = self.timeline.last_t_utc_s
        still: list[tuple[float, Track]] = []
        for deadline, track in self._waiting:
            covered = (
                last_fix is not None and last_fix >= track.last.captured_utc_s + self.timeline.clock_offset_s
            )
            if force or covered or now >= deadline:
                self._finalise(track)
            else:
                still.append((deadline, track))
        self._waiting = still

    def _finalise(self, track: Track) -> None:
        self.stats.tracks += 1
        if len(track.observations) < self.config.min_hits:
            self.stats.tracks_too_short += 1
            return
        best: tuple[float, Observation, GpsFix] | None = None
        floor = self.config.best_conf_frac * max(o.confidence for o in track.observations)
        for obs in track.observations:
            if obs.confidence < floor:
                continue  # a weak box in a strong track is more likely a stray match than the pothole
            match = self.timeline.match(obs.captured_utc_s)
            if match.fix is None:
                reason = match.gap_reason or "gap"
                self.stats.gap_reasons[reason] = self.stats.gap_reasons.get(reason, 0) + 1
                continue
            score = self._score(obs)
            if best is None or score > best[0]:
                best = (score, obs, match.fix)
        if best is None:
            self.stats.tracks_without_fix += 1
            log.warning(
                "track %d (%d detections) had no GPS fix on any frame: not reported",
                track.track_id,
                len(track.observations),
            )
            return
        _, obs, fix = best
        shot = self._shot_of(obs)
        x1, y1, x2, y2 = (round(v, 2) for v in obs.xyxy_px)  # already inside the frame (_clip_to_frame)
        body = self._body(
            SightingIn,
            client_id=str(uuid.uuid4()),
            captured_at=utc_datetime(fix.t_utc_s),
            gps=GpsIn.from_fix(fix),
            frame_wh=shot.frame_wh,
            box_xyxy_px=(x1, y1, x2, y2),
            confidence=round(obs.confidence, 4),
            model_id=self.config.model_id,
            pass_id=self._passes.pass_id,
            track_id=str(track.track_id),
        )
        if body is not None:
            self.outbox.put("sighting", self.config.vehicle_id, body, shot.jpeg)
            self.stats.sightings_queued += 1

    def _body(self, model: type[BaseModel], **fields: object) -> dict[str, Any] | None:
        """The wire body, or None (counted, logged) when the contract refuses it: the API would too."""
        try:
            return wire_json(model(**fields))
        except ValidationError as exc:
            self.stats.bodies_invalid += 1
            log.warning("%s not queued, the API would refuse it: %s", model.__name__, exc)
            return None

    @staticmethod
    def _shot_of(obs: Observation) -> _Shot:
        shots: dict[tuple[float, ...], _Shot] = obs.frame_ref  # type: ignore[assignment]
        return shots[obs.xyxy_px]

    def _score(self, obs: Observation) -> float:
        """confidence x how low the box sits; a box touching the frame edge is half as good (cut off)."""
        width, height = self._shot_of(obs).frame_wh
        x1, y1, x2, y2 = obs.xyxy_px
        score = obs.confidence * (y2 / height)
        if x1 <= 2 or y1 <= 2 or x2 >= width - 2 or y2 >= height - 2:
            score *= 0.5
        return score

    # -- frames mode ---------------------------------------------------------------------------------------
    def _queue_frame(self, frame: FrameSample) -> None:
        """Rate-limit, shrink and encode now; queue once GPS covers the frame (a live receiver lags)."""
        if frame.captured_utc_s - self._last_frame_sent_s < 1.0 / self.config.frames_max_fps:
            self.stats.frames_skipped_rate += 1
            return
        self._last_frame_sent_s = frame.captured_utc_s
        image = frame.image
        height, width = image.shape[:2]
        if width > self.config.frame_max_width_px:
            scale = self.config.frame_max_width_px / width
            image = cv2.resize(
                image, (self.config.frame_max_width_px, int(height * scale)), interpolation=cv2.INTER_AREA
            )
        deadline = self._clock() + self.config.gps_wait_s
        self._waiting_frames.append(
            (deadline, frame.captured_utc_s, encode_jpeg(image, 85), self._passes.pass_id)
        )
        self._queue_ready_frames(force=False)

    def _queue_ready_frames(self, *, force: bool) -> None:
        now = self._clock()
        last_fix = self.timeline.last_t_utc_s
        still: list[tuple[float, float, bytes, str | None]] = []
        for deadline, camera_t, jpeg, pass_id in self._waiting_frames:
            covered = last_fix is not None and last_fix >= camera_t + self.timeline.clock_offset_s
            if not (force or covered or now >= deadline):
                still.append((deadline, camera_t, jpeg, pass_id))
                continue
            match = self.timeline.match(camera_t)
            if match.fix is None:
                self.stats.frames_without_fix += 1
                reason = match.gap_reason or "gap"
                self.stats.gap_reasons[reason] = self.stats.gap_reasons.get(reason, 0) + 1
                continue
            metadata = self._body(
                FrameMetaIn,
                client_id=str(uuid.uuid4()),
                vehicle_id=self.config.vehicle_id,
                captured_at=utc_datetime(match.fix.t_utc_s),
                gps=GpsIn.from_fix(match.fix),
                pass_id=pass_id,
            )
            if metadata is not None:
                self.outbox.put("frame", self.config.vehicle_id, metadata, jpeg)
                self.stats.frames_queued += 1
        self._waiting_frames = still

    # -- passes --------------------------------------------------------------------------------------------
    def _queue_pass(self, span: tuple[float, float] | None, pass_id: str | None) -> None:
        if span is None:
            return
        fixes = self.timeline.fixes_between(*span)
        try:
            body = pass_body(
                self.config.vehicle_id, span[0], span[1], fixes, self.config.pass_min_step_m, pass_id=pass_id
            )
        except ValidationError as exc:
            self.stats.bodies_invalid += 1
            log.warning("pass %s not queued, the API would refuse it: %s", pass_id, exc)
            return
        if body is None:
            log.warning(
                "pass %s: fewer than 2 GPS fixes in %s..%s, not reported",
                pass_id,
                format_time_utc(span[0]),
                format_time_utc(span[1]),
            )
            return
        self.outbox.put("pass", self.config.vehicle_id, body)
        self.stats.passes_queued += 1
