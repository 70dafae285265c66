"""A frame analysed on the server: detector, then every detection stored in ONE transaction with the frame,
so a replay (same client_id) answers exactly the first answer and a failure leaves nothing behind."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.config import Settings
from api.db import begin_write
from api.geo import CameraProfile, GeolocationError
from api.ingest.images import crop_jpeg
from api.ingest.placement import Draft, Hooks, Placed, lock_keys, pass_key_for, place
from api.ingest.service import apply_placed
from api.potholes.tables import Frame
from api.system.metrics import get_metrics
from common.contract import FrameMetaIn, clip_box


def find_frame(session: Session, vehicle_id: str, client_id: str) -> Frame | None:
    """The vehicle's own frame with this idempotency key (another vehicle's is never returned)."""
    query = select(Frame).where(Frame.vehicle_id == vehicle_id, Frame.client_id == client_id)
    return session.exec(query).first()


def replay(frame: Frame) -> dict[str, Any]:
    return {
        "client_id": frame.client_id,
        "frame_id": frame.id,
        "model_id": frame.model_id,
        "detections": list(frame.detections),
    }


def run_detector(detector: Any, image: np.ndarray) -> list[tuple[tuple[float, float, float, float], float]]:
    """Boxes clipped to the frame (`common.contract.clip_box`), with confidences; times the call for
    /metrics."""
    start = time.perf_counter()
    detections = detector(image)
    get_metrics().detector_seconds.observe(time.perf_counter() - start)
    h, w = image.shape[:2]
    clipped = [(clip_box(d.xyxy_px, (w, h)), float(d.confidence)) for d in detections]
    return [(box, confidence) for box, confidence in clipped if box is not None]


def store_frame(
    engine: Engine,
    meta: FrameMetaIn,
    image: np.ndarray,
    boxes: list[tuple[tuple[float, float, float, float], float]],
    model_id: str | None,
    camera: CameraProfile,
    settings: Settings,
    hooks: Hooks,
    now: datetime,
) -> tuple[dict[str, Any], bool]:
    """(answer, created). Placement happens first, then one locked transaction writes everything."""
    h, w = image.shape[:2]
    gps = meta.gps.to_fix(meta.captured_at.timestamp())
    pass_key = pass_key_for(meta.vehicle_id, meta.pass_id, meta.captured_at, settings)
    with Session(engine, expire_on_commit=False) as session:
        placements: list[Placed | str] = []
        for i, (box, confidence) in enumerate(boxes):
            draft = Draft(
                client_id=f"{meta.client_id}#{i}",
                vehicle_id=meta.vehicle_id,
                captured_at=meta.captured_at,
                gps=gps,
                frame_wh=(w, h),
                box_xyxy_px=box,
                confidence=confidence,
                model_id=model_id,
                pass_key=pass_key,
                crop_jpeg=crop_jpeg(image, box),
            )
            try:
                placements.append(place(session, draft, camera, settings))
            except GeolocationError as exc:
                placements.append(str(exc))
        session.commit()
        keys = [k for p in placements if isinstance(p, Placed) for k in lock_keys(p, settings)]
        try:
            begin_write(session, keys)
            existing = find_frame(session, meta.vehicle_id, meta.client_id)
            if existing is not None:
                session.rollback()
                return replay(existing), False
            frame = Frame(
                client_id=meta.client_id,
                vehicle_id=meta.vehicle_id,
                captured_at=meta.captured_at,
                frame_w=w,
                frame_h=h,
                model_id=model_id,
                detections=[],
                created_at=now,
            )
            session.add(frame)
            session.flush()
            answer: list[dict[str, Any]] = []
            for (box, confidence), placed in zip(boxes, placements, strict=True):
                entry: dict[str, Any] = {
                    "box_xyxy_px": [round(v, 1) for v in box],
                    "confidence": confidence,
                    "sighting_id": None,
                    "pothole_id": None,
                    "detail": None,
                }
                if isinstance(placed, Placed):
                    placed = Placed(
                        Draft(**{**placed.draft.__dict__, "frame_id": frame.id}),
                        placed.geo,
                        placed.heading_deg,
                    )
                    entry["sighting_id"], entry["pothole_id"] = apply_placed(
                        session, placed, settings, hooks, now
                    )
                else:
                    entry["detail"] = placed
                answer.append(entry)
            frame.detections = answer
            session.add(frame)
            session.commit()
        except IntegrityError:
            session.rollback()
            existing = find_frame(session, meta.vehicle_id, meta.client_id)
            if existing is None:
                raise
            return replay(existing), False
    get_metrics().sightings.labels("created").inc(sum(1 for a in answer if a["sighting_id"]))
    return replay(frame), True
