"""Uploaded images at the HTTP boundary: the header is checked first, pixels are decoded off the event
loop with a bounded number in flight, and what is kept is re-encoded by us.

Every route that takes an image (frames, sighting crops, repair photos) comes here, so one rule holds:
- type and declared size from the header (`common.images.inspect_image`): for an uploaded file 415 for
  another type, 413 above `POTHOLE_MAX_IMAGE_PIXELS`, 422 for a header without a size; an image inside a
  JSON body (base64) is a field like any other, so each of those is a 422 naming it. Nothing is decoded
  before that;
- decoding holds one of `Services.decode_slots` (POTHOLE_IMAGE_DECODE_CONCURRENCY): a burst of uploads
  waits its turn instead of holding many decoded frames at once. Callers run it in a worker thread (sync
  routes already are; the async frames route uses run_in_threadpool), never on the event loop;
- a crop or photo must decode, and the bytes stored and served are our own encoding of its pixels:
  random bytes behind a JPEG magic never reach a browser, and the camera's metadata (EXIF GPS) is dropped.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from api.errors import InvalidInputError, PayloadTooLargeError, UnsupportedMediaError
from common.images import (
    ImageError,
    ImageInfo,
    ImageTooLargeError,
    MediaType,
    NotAnImageError,
    check_size,
    decode_base64,
    inspect_image,
)
from detector.errors import FrameDecodeError
from detector.frames import decode_image as decode_pixels

__all__ = ["JPEG_QUALITY", "checked_image", "decode_checked", "reencode", "reencode_base64"]

JPEG_QUALITY = 90
_EXTENSION: dict[MediaType, str] = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def _as_domain_error(exc: ImageError, *, json_field: bool = False) -> Exception:
    if json_field:
        return InvalidInputError(str(exc))
    if isinstance(exc, NotAnImageError):
        return UnsupportedMediaError(str(exc))
    if isinstance(exc, ImageTooLargeError):
        return PayloadTooLargeError(str(exc))
    return InvalidInputError(str(exc))


def checked_image(
    data: bytes,
    field: str,
    *,
    max_bytes: int,
    max_pixels: int,
    allowed: tuple[MediaType, ...] = ("image/jpeg", "image/png"),
    json_field: bool = False,
) -> ImageInfo:
    """Bytes and header checked, nothing decoded: 413 over a cap, 415 another type, 422 corrupt (all 422
    for a `json_field`)."""
    try:
        check_size(data, field, max_bytes)
        return inspect_image(data, field, max_pixels=max_pixels, allowed=allowed)
    except ImageError as exc:
        raise _as_domain_error(exc, json_field=json_field) from None


def decode_checked(data: bytes, field: str, info: ImageInfo, slots: threading.BoundedSemaphore) -> np.ndarray:
    """HxWx3 BGR pixels of an image `checked_image` passed; blocks for a decode slot (call in a thread)."""
    with slots:
        try:
            image = decode_pixels(data, name=field)
        except FrameDecodeError as exc:
            raise InvalidInputError(str(exc)) from None
    if image.shape[1] != info.width_px or image.shape[0] != info.height_px:
        raise InvalidInputError(
            f"{field}: decodes to {image.shape[1]}x{image.shape[0]} px, "
            f"not the {info.width_px}x{info.height_px} its header declares"
        )
    return image


def reencode(
    data: bytes,
    field: str,
    *,
    max_bytes: int,
    max_pixels: int,
    slots: threading.BoundedSemaphore,
    allowed: tuple[MediaType, ...] = ("image/jpeg", "image/png"),
    json_field: bool = False,
) -> tuple[bytes, MediaType]:
    """Checked, decoded and encoded again in its own type: the bytes a browser will later be served."""
    info = checked_image(
        data, field, max_bytes=max_bytes, max_pixels=max_pixels, allowed=allowed, json_field=json_field
    )
    image = decode_checked(data, field, info, slots)
    params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY] if info.media_type == "image/jpeg" else []
    ok, buf = cv2.imencode(_EXTENSION[info.media_type], image, params)
    if not ok:
        raise InvalidInputError(f"{field}: could not be encoded again as {info.media_type}")
    return buf.tobytes(), info.media_type


def reencode_base64(
    text: str,
    field: str,
    *,
    max_bytes: int,
    max_pixels: int,
    slots: threading.BoundedSemaphore,
    allowed: tuple[MediaType, ...] = ("image/jpeg", "image/png"),
) -> tuple[bytes, MediaType]:
    """A base64 image from a JSON body, through `reencode`; every refusal is a 422 naming `field`."""
    try:
        data, _ = decode_base64(text, field, max_bytes=max_bytes, allowed=allowed)
    except ImageError as exc:
        raise InvalidInputError(str(exc)) from None
    return reencode(
        data, field, max_bytes=max_bytes, max_pixels=max_pixels, slots=slots, allowed=allowed, json_field=True
    )
