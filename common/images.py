"""Which uploaded bytes count as an image, and how large they may be; decoding pixels is the caller's.

A JPEG must end with its end-of-image marker: a truncated upload decodes in OpenCV as a frame with grey
rows, so it is refused here as corrupt rather than stored as half a picture. Trailing zero padding (some
cameras write it) is allowed.

Size is capped twice: in bytes, and in pixels read from the header (`image_size_px`) before anything is
decoded. A 630-byte JPEG may declare 30000 x 30000 pixels, 2.7 GB once decoded; `inspect_image` refuses
it from its first few hundred bytes. JPEG (SOFn), PNG (IHDR) and WebP (VP8, VP8L, VP8X) headers are read.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "JPEG_MAGIC",
    "MAX_CROP_BYTES",
    "MAX_FRAME_BYTES",
    "MAX_IMAGE_PIXELS",
    "PNG_MAGIC",
    "CorruptImageError",
    "ImageError",
    "ImageInfo",
    "ImageTooLargeError",
    "MediaType",
    "NotAnImageError",
    "check_pixels",
    "check_size",
    "decode_base64",
    "image_size_px",
    "inspect_image",
    "sniff_image",
]

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_END = b"\xff\xd9"
MAX_CROP_BYTES = 512 * 1024  # a pothole crop or a repair photo, decoded
MAX_FRAME_BYTES = 8 * 1024 * 1024  # one whole frame sent to POST /v1/frames
MAX_IMAGE_PIXELS = 40_000_000  # width x height of any upload: 120 MB as decoded BGR
RIFF, WEBP = b"RIFF", b"WEBP"

MediaType = Literal["image/jpeg", "image/png", "image/webp"]


class ImageError(ValueError):
    """Bytes that cannot be accepted as an image; the message names the field and what was wrong."""


class NotAnImageError(ImageError):
    """Neither JPEG nor PNG (an unsupported media type)."""


class CorruptImageError(ImageError):
    """Not whole: bad base64, or a truncated file."""


class ImageTooLargeError(ImageError):
    """More bytes, or more pixels declared in its header, than the cap for its field."""


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What the header says, before any pixel is decoded."""

    media_type: MediaType
    width_px: int
    height_px: int

    @property
    def pixels(self) -> int:
        return self.width_px * self.height_px


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
    elif data[:4] == RIFF and data[8:12] == WEBP:
        media = "image/webp"
    if media is None or media not in allowed:
        kinds = " or ".join(m.split("/")[1].upper() for m in allowed)
        raise NotAnImageError(f"{field}: not a {kinds} image (first bytes {data[:8].hex()})")
    return media


# JPEG start-of-frame markers carry the size: SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC)
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_NO_LENGTH = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RST0..7 stand alone


def _jpeg_size(data: bytes, field: str) -> tuple[int, int]:
    """(width, height) from the first SOFn segment, walking the segments after SOI up to the scan."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            break
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _JPEG_NO_LENGTH:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _JPEG_SOF and i + 9 <= len(data):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            if width and height:
                return width, height
            break  # a height of 0 (set later by a DNL marker) is not a size we can check first
        if marker in (0xD9, 0xDA) or length < 2:  # end of image, start of scan: no frame header came
            break
        i += 2 + length
    raise CorruptImageError(f"{field}: corrupt JPEG (no frame header with its size before the image data)")


def _webp_size(data: bytes, field: str) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    raise CorruptImageError(f"{field}: corrupt WebP (no VP8, VP8L or VP8X header with its size)")


def image_size_px(data: bytes, media: MediaType, field: str) -> tuple[int, int]:
    """(width, height) as the header declares them; CorruptImageError when the header has none."""
    if media == "image/jpeg":
        return _jpeg_size(data, field)
    if media == "image/png":
        if len(data) >= 24 and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            if width and height:
                return width, height
        raise CorruptImageError(f"{field}: corrupt PNG (no IHDR header with its size)")
    return _webp_size(data, field)


def check_pixels(info: ImageInfo, field: str, max_pixels: int) -> None:
    if info.pixels > max_pixels:
        raise ImageTooLargeError(
            f"{field}: {info.width_px}x{info.height_px} pixels exceeds the cap of {max_pixels} "
            f"({max_pixels / 1e6:g} Mpx)"
        )


def inspect_image(
    data: bytes,
    field: str,
    *,
    max_pixels: int = MAX_IMAGE_PIXELS,
    allowed: tuple[MediaType, ...] = ("image/jpeg", "image/png"),
) -> ImageInfo:
    """Type and declared size of an upload, refused (ImageError naming `field`) before it is decoded."""
    media = sniff_image(data, field, allowed=allowed)
    width, height = image_size_px(data, media, field)
    info = ImageInfo(media, width, height)
    check_pixels(info, field, max_pixels)
    return info


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
    """A base64 image in a JSON body -> (bytes, media type), size-capped and sniffed.

    The text's length is checked before decoding: 4 characters carry 3 bytes."""
    if len(text) > (max_bytes + 2) // 3 * 4 + 4:
        raise ImageTooLargeError(
            f"{field}: {len(text)} base64 characters decoded exceeds {max_bytes} ({max_bytes / 1024:g} KiB)"
        )
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CorruptImageError(f"{field}: not valid base64") from None
    check_size(data, field, max_bytes)
    return data, sniff_image(data, field, allowed=allowed)
