"""Which uploaded bytes count as an image, and how large they may be; decoding pixels is the caller's.

A JPEG must end with its end-of-image marker: a truncated upload decodes in OpenCV as a frame with grey
rows, so it is refused here as corrupt rather than stored as half a picture. Trailing zero padding (some
cameras write it) is allowed.
"""

from __future__ import annotations

import base64
import binascii
from typing import Literal

__all__ = [
    "JPEG_MAGIC",
    "MAX_CROP_BYTES",
    "MAX_FRAME_BYTES",
    "PNG_MAGIC",
    "CorruptImageError",
    "ImageError",
    "ImageTooLargeError",
    "MediaType",
    "NotAnImageError",
    "check_size",
    "decode_base64",
    "sniff_image",
]

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_END = b"\xff\xd9"
MAX_CROP_BYTES = 512 * 1024  # a pothole crop or a repair photo, decoded
MAX_FRAME_BYTES = 8 * 1024 * 1024  # one whole frame sent to POST /v1/frames

MediaType = Literal["image/jpeg", "image/png"]


class ImageError(ValueError):
    """Bytes that cannot be accepted as an image; the message names the field and what was wrong."""


class NotAnImageError(ImageError):
    """Neither JPEG nor PNG (an unsupported media type)."""


class CorruptImageError(ImageError):
    """Not whole: bad base64, or a truncated file."""


class ImageTooLargeError(ImageError):
    """More bytes than the cap for its field."""


def sniff_image(
    data: bytes, field: str, *, allowed: tuple[MediaType, ...] = ("image/jpeg", "image/png")
) -> MediaType:
    """The media type of `data` from its first bytes; a JPEG without its end marker is corrupt."""
    media: MediaType | None = None
    if data.startswith(JPEG_MAGIC):
        if not data.rstrip(b"\x00").endswith(JPEG_END):
            raise CorruptImageError(f"{field}: corrupt JPEG ({len(data)} bytes, no end-of-image marker)")
        media = "image/jpeg"
    elif data.startswith(PNG_MAGIC):
        media = "image/png"
    if media is None or media not in allowed:
        kinds = " or ".join(m.split("/")[1].upper() for m in allowed)
        raise NotAnImageError(f"{field}: not a {kinds} image (first bytes {data[:8].hex()})")
    return media


def check_size(data: bytes, field: str, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise ImageTooLargeError(
            f"{field}: {len(data)} bytes decoded exceeds {max_bytes} ({max_bytes / 1024:g} KiB)"
        )


def decode_base64(
    text: str,
    field: str,
    *,
    max_bytes: int = MAX_CROP_BYTES,
    allowed: tuple[MediaType, ...] = ("image/jpeg", "image/png"),
) -> tuple[bytes, MediaType]:
    """A base64 image in a JSON body -> (bytes, media type), size-capped and sniffed."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CorruptImageError(f"{field}: not valid base64") from None
    check_size(data, field, max_bytes)
    return data, sniff_image(data, field, allowed=allowed)
