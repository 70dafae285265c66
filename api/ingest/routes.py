"""POST /v1/sightings, /v1/frames, /v1/passes: thin HTTP shells over the ingest service."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth.deps import Ingester, check_vehicle
from api.config import Settings
from api.errors import InvalidInputError, PayloadTooLargeError, UnavailableError
from api.geo import CameraProfile
from api.images import checked_image, decode_checked, reencode_base64
from api.ingest.fold import fold_pass
from api.ingest.frames import find_frame, replay, run_detector, store_frame
from api.ingest.passes import record_pass
from api.ingest.placement import Draft, hooks_of, pass_key_for
from api.ingest.service import ingest_batch
from api.services import Services, ServicesDep
from api.types import utc_now
from api.vehicles.repository import get_camera
from common.contract import BatchResult, FrameMetaIn, FrameResult, PassIn, PassResult, SightingBatchIn

router = APIRouter(prefix="/v1", tags=["ingest"])


def _check_time(at: Any, field: str, settings: Settings) -> None:
    """Within `max_past_s` before and `max_future_s` after the service's clock: older evidence is from a
    vehicle offline for weeks or a clock reset to 1970, newer is a clock running ahead."""
    now = utc_now()
    if at > now + timedelta(seconds=settings.max_future_s):
        raise InvalidInputError(
            f"{field}: {at.isoformat()} is more than {settings.max_future_s:g} s in the future"
        )
    if at < now - timedelta(seconds=settings.max_past_s):
        raise InvalidInputError(
            f"{field}: {at.isoformat()} is more than {settings.max_past_s:g} s "
            f"({settings.max_past_s / 86_400:g} days) in the past"
        )


def _reencode_crop(b64: str | None, field: str, services: Services) -> bytes | None:
    """The crop decoded and encoded again as JPEG (what is stored and served), or None."""
    if b64 is None:
        return None
    settings = services.settings
    crop, _ = reencode_base64(
        b64,
        field,
        max_bytes=settings.max_crop_bytes,
        max_pixels=settings.max_image_pixels,
        slots=services.decode_slots,
        allowed=("image/jpeg",),
    )
    return crop


@router.post(
    "/sightings",
    response_model=BatchResult,
    responses={401: {}, 403: {}, 413: {}, 422: {"description": "a field out of range, named in detail"}},
)
def post_sightings(batch: SightingBatchIn, services: ServicesDep, principal: Ingester) -> dict[str, Any]:
    """Detections made on the vehicle. Every item is its own transaction; a retried client_id answers
    `duplicate` with the first ids. The whole batch is checked before any item is applied."""
    settings = services.settings
    check_vehicle(principal, batch.vehicle_id)
    if len(batch.items) > settings.max_batch_items:
        raise InvalidInputError(f"items: {len(batch.items)} items exceeds {settings.max_batch_items}")
    for i, item in enumerate(batch.items):
        _check_time(item.captured_at, f"items[{i}].captured_at", settings)
    crops = [
        _reencode_crop(item.crop_jpeg_b64, f"items[{i}].crop_jpeg_b64", services)
        for i, item in enumerate(batch.items)
    ]
    engine = services.engine
    with Session(engine) as session:
        camera = get_camera(session, batch.vehicle_id)
    hooks, now = hooks_of(services), utc_now()
    drafts = [
        Draft(
            client_id=item.client_id,
            vehicle_id=batch.vehicle_id,
            captured_at=item.captured_at,
            gps=item.gps.to_fix(item.captured_at.timestamp()),
            frame_wh=item.frame_wh,
            box_xyxy_px=item.box_xyxy_px,
            confidence=item.confidence,
            model_id=item.model_id,
            pass_key=pass_key_for(batch.vehicle_id, item.pass_id, item.captured_at, settings),
            track_id=item.track_id,
            crop_jpeg=crop,
        )
        for item, crop in zip(batch.items, crops, strict=True)
    ]
    with services.ingest_slots:  # a few batches at a time: more threads only fight over the GIL
        results = ingest_batch(engine, drafts, camera, settings, hooks, now)
    return {"results": [result | {"index": i} for i, result in enumerate(results)]}


def _parse_metadata(raw: str) -> FrameMetaIn:
    try:
        return FrameMetaIn.model_validate_json(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", "metadata", *e["loc"])} for e in exc.errors(include_url=False)]
        for e in errors:
            e.pop("ctx", None)
        raise RequestValidationError(errors) from None


@router.post(
    "/frames",
    response_model=FrameResult,
    status_code=201,
    responses={
        200: {"description": "replay of an earlier client_id: the first answer"},
        413: {},
        415: {"description": "not a JPEG or PNG"},
        422: {},
        503: {"description": "no model"},
    },
)
async def post_frame(
    services: ServicesDep,
    response: Response,
    principal: Ingester,
    image: Annotated[UploadFile, File(description="JPEG or PNG frame")],
    metadata: Annotated[str, Form(description="JSON: client_id, vehicle_id, captured_at, gps")],
) -> dict[str, Any]:
    """A whole frame: the server runs the detector and answers the detections with their potholes.
    Only a crop around each pothole is kept (privacy), never the frame."""
    settings = services.settings
    meta = _parse_metadata(metadata)
    check_vehicle(principal, meta.vehicle_id)
    _check_time(meta.captured_at, "metadata.captured_at", settings)
    engine = services.engine

    def lookup() -> tuple[dict[str, Any] | None, CameraProfile]:
        with Session(engine) as session:
            frame = find_frame(session, meta.vehicle_id, meta.client_id)
            return (replay(frame) if frame else None), get_camera(session, meta.vehicle_id)

    earlier, camera = await run_in_threadpool(lookup)
    if earlier is not None:
        response.status_code = 200
        return earlier
    data = await image.read()
    if len(data) > settings.max_upload_bytes:
        raise PayloadTooLargeError(f"image: {len(data)} bytes exceeds {settings.max_upload_bytes}")
    info = checked_image(
        data, "image", max_bytes=settings.max_upload_bytes, max_pixels=settings.max_image_pixels
    )
    detector = services.detector
    if detector is None:
        raise UnavailableError(f"model: not loaded ({services.model_error})")
    frame_image = await run_in_threadpool(decode_checked, data, "image", info, services.decode_slots)
    boxes = await run_in_threadpool(run_detector, detector, frame_image)
    model_id = getattr(getattr(detector, "info", None), "model_id", None)
    answer, created = await run_in_threadpool(
        store_frame,
        engine,
        meta,
        frame_image,
        boxes,
        model_id,
        camera,
        settings,
        hooks_of(services),
        utc_now(),
    )
    response.status_code = 201 if created else 200
    return answer


@router.post(
    "/passes",
    response_model=PassResult,
    status_code=201,
    responses={200: {"description": "replay of an earlier client_id"}},
)
def post_pass(
    pass_in: PassIn, services: ServicesDep, response: Response, principal: Ingester
) -> dict[str, Any]:
    """Patrol coverage. A pass over a repaired pothole without a detection verifies the repair; send the
    pass after its sightings: its GPS bias, seen across all of them, also folds the records its first
    sightings started alone into the known potholes they are."""
    settings = services.settings
    check_vehicle(principal, pass_in.vehicle_id)
    _check_time(pass_in.ended_at, "ended_at", settings)
    _check_time(pass_in.started_at, "started_at", settings)
    for i, point in enumerate(pass_in.track):
        _check_time(point.t, f"track[{i}].t", settings)
    now = utc_now()
    # first: what the pass's biased first sightings started alone joins the records it is
    fold_pass(services.engine, pass_in, settings, hooks_of(services), now)
    answer, created = record_pass(services.engine, pass_in, settings, now)
    response.status_code = 201 if created else 200
    return answer


__all__ = ["router"]
