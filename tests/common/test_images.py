"""Image sniffing and size caps: one rule for frames, crops and repair photos."""

from __future__ import annotations

import base64

import cv2
import numpy as np
import pytest

from common.images import (
    MAX_CROP_BYTES,
    CorruptImageError,
    ImageTooLargeError,
    NotAnImageError,
    decode_base64,
    sniff_image,
)


def _encoded(ext: str) -> bytes:
    ok, buf = cv2.imencode(ext, np.full((20, 30, 3), 127, dtype=np.uint8))
    assert ok
    return buf.tobytes()


JPEG, PNG = _encoded(".jpg"), _encoded(".png")


@pytest.mark.parametrize(
    ("data", "media"),
    [(JPEG, "image/jpeg"), (JPEG + b"\x00" * 16, "image/jpeg"), (PNG, "image/png")],
    ids=["jpeg", "jpeg-zero-padded", "png"],
)
def test_whole_jpeg_and_png_are_recognised(data: bytes, media: str) -> None:
    assert sniff_image(data, "image") == media


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (b"GIF89a not what we take", NotAnImageError, "image: not a JPEG or PNG image (first bytes 474946"),
        (JPEG[:-50], CorruptImageError, "image: corrupt JPEG"),
        (b"", NotAnImageError, "not a JPEG or PNG"),
    ],
    ids=["gif", "truncated-jpeg", "empty"],
)
def test_anything_else_is_refused_naming_the_field(data: bytes, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words.replace("(", r"\(")):
        sniff_image(data, "image")


def test_a_field_may_take_jpeg_only() -> None:
    with pytest.raises(NotAnImageError, match="crop: not a JPEG image"):
        sniff_image(PNG, "crop", allowed=("image/jpeg",))


def test_base64_images_are_capped_and_sniffed() -> None:
    assert decode_base64(base64.b64encode(PNG).decode(), "photo") == (PNG, "image/png")
    with pytest.raises(CorruptImageError, match="photo: not valid base64"):
        decode_base64("@@not base64@@", "photo")
    too_big = base64.b64encode(JPEG[:-2] + b"\x00" * MAX_CROP_BYTES + b"\xff\xd9").decode()
    with pytest.raises(ImageTooLargeError, match=r"exceeds 524288 \(512 KiB\)"):
        decode_base64(too_big, "photo")


def test_image_errors_are_value_errors_so_pydantic_answers_422() -> None:
    assert issubclass(NotAnImageError, ValueError) and issubclass(ImageTooLargeError, ValueError)
