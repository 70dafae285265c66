"""Letterbox geometry and pixels against ultralytics' LetterBox, and box round trips (property-based)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector.postprocess import unletterbox
from detector.preprocess import PAD_VALUE, letterbox, letterbox_geometry, resize_interpolation, to_tensor

sides = st.integers(min_value=1, max_value=4000)
targets = st.sampled_from([(320, 320), (640, 640), (384, 640), (480, 640), (640, 384)])


@pytest.fixture(scope="module")
def ultralytics_letterbox() -> type:
    return pytest.importorskip("ultralytics.data.augment").LetterBox


@pytest.mark.parametrize(
    ("orig_hw", "target_hw", "auto", "canvas_hw"),
    [
        ((1080, 1920), (640, 640), True, (384, 640)),
        ((1080, 1920), (640, 640), False, (640, 640)),
        ((640, 1024), (320, 320), True, (224, 320)),
        ((720, 720), (320, 320), True, (320, 320)),
    ],
    ids=["1080p-rect", "1080p-square", "dnit-rect", "square"],
)
def test_canvas_shapes(
    orig_hw: tuple[int, int], target_hw: tuple[int, int], auto: bool, canvas_hw: tuple[int, int]
) -> None:
    assert letterbox_geometry(orig_hw, target_hw, stride=32, auto=auto).canvas_hw == canvas_hw


@settings(max_examples=300, deadline=None)
@given(h=sides, w=sides, target=targets, auto=st.booleans())
def test_geometry_matches_ultralytics(
    ultralytics_letterbox,
    h: int,
    w: int,
    target: tuple[int, int],  # noqa: ANN001
    auto: bool,
) -> None:
    params = ultralytics_letterbox(target, auto=auto, stride=32).get_params(
        {"img": np.empty((h, w, 0), np.uint8)}
    )
    ours = letterbox_geometry((h, w), target, stride=32, auto=auto)
    h_new, w_new = params["new_unpad"][1], params["new_unpad"][0]
    assert ours.resized_hw == (h_new, w_new)
    assert (ours.pad_top_px, ours.pad_left_px) == (params["top"], params["left"])
    assert ours.canvas_hw == (
        h_new + params["top"] + params["bottom"],
        w_new + params["left"] + params["right"],
    )


@settings(max_examples=25, deadline=None)
@given(
    h=st.integers(8, 900), w=st.integers(8, 900), target=targets, auto=st.booleans(), seed=st.integers(0, 9)
)
def test_pixels_match_ultralytics(
    ultralytics_letterbox,
    h: int,
    w: int,
    target: tuple[int, int],  # noqa: ANN001
    auto: bool,
    seed: int,
) -> None:
    image = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    expected = ultralytics_letterbox(target, auto=auto, stride=32)(image=image)
    canvas, _ = letterbox(image, target, stride=32, auto=auto)
    np.testing.assert_array_equal(canvas, expected)


def test_reused_buffer_is_repadded() -> None:
    """A canvas reused for a smaller image must not keep the previous image's pixels in its padding."""
    big = np.full((640, 640, 3), 7, np.uint8)
    wide = np.full((100, 640, 3), 9, np.uint8)
    canvas, _ = letterbox(big, (640, 640))
    canvas, geometry = letterbox(wide, (640, 640), out=canvas)
    assert (canvas[: geometry.pad_top_px] == PAD_VALUE).all()
    assert (canvas[geometry.pad_top_px + 100 :] == PAD_VALUE).all()


def test_tensor_is_rgb_chw_divided_by_255() -> None:
    canvas = np.random.default_rng(1).integers(0, 256, (64, 96, 3), dtype=np.uint8)
    tensor = to_tensor(canvas)
    expected = canvas[..., ::-1].transpose(2, 0, 1).astype(np.float32) / np.float32(255)
    np.testing.assert_array_equal(tensor, expected)


boxes = st.tuples(st.floats(0, 0.98), st.floats(0, 0.98), st.floats(0.01, 1), st.floats(0.01, 1))


@settings(max_examples=200, deadline=None)
@given(h=st.integers(16, 4000), w=st.integers(16, 4000), target=targets, auto=st.booleans(), box=boxes)
def test_box_round_trip(
    h: int, w: int, target: tuple[int, int], auto: bool, box: tuple[float, float, float, float]
) -> None:
    """frame -> canvas -> frame returns the box within the rounding of one canvas pixel."""
    fx, fy, fw, fh = box
    x1, y1 = fx * w, fy * h
    frame_box = np.array([[x1, y1, min(x1 + fw * w, w), min(y1 + fh * h, h)]])
    geometry = letterbox_geometry((h, w), target, stride=32, auto=auto)
    back = unletterbox(geometry.to_canvas(frame_box), geometry)
    tolerance = 1e-3 * max(h, w) + 1e-3
    np.testing.assert_allclose(back, frame_box, atol=tolerance)
    assert (back[:, [0, 2]] <= w).all() and (back[:, [1, 3]] <= h).all()


def test_unletterbox_clips_to_frame() -> None:
    geometry = letterbox_geometry((1080, 1920), (640, 640), auto=True)
    out = unletterbox(np.array([[-50.0, -50.0, 700.0, 500.0]]), geometry)
    np.testing.assert_array_equal(out, [[0, 0, 1920, 1080]])


@pytest.mark.parametrize(
    ("frame_hw", "target", "auto"),
    [
        ((1080, 1920), (640, 640), True),  # 1080p at imgsz 640: 3x, the pixel-pick path
        ((1080, 1920), (640, 640), False),
        ((1500, 2500), (500, 500), False),  # 5x
        ((640, 640), (640, 640), False),  # 1x: a copy
        ((1280, 2560), (640, 640), True),  # 4x keeps INTER_LINEAR
    ],
)
def test_exact_factor_frames_match_ultralytics(
    ultralytics_letterbox,
    frame_hw: tuple[int, int],
    target: tuple[int, int],
    auto: bool,  # noqa: ANN001
) -> None:
    """Odd integer shrink factors take the pixel pick; the canvas must stay identical to ultralytics'."""
    image = np.random.default_rng(7).integers(0, 256, (*frame_hw, 3), dtype=np.uint8)
    expected = ultralytics_letterbox(target, auto=auto, stride=32)(image=image)
    canvas, _ = letterbox(image, target, stride=32, auto=auto)
    np.testing.assert_array_equal(canvas, expected)


@settings(max_examples=60, deadline=None)
@given(h=st.integers(1, 40), w=st.integers(1, 40), ky=st.integers(1, 9), kx=st.integers(1, 9))
def test_pixel_pick_is_used_only_where_it_equals_linear(h: int, w: int, ky: int, kx: int) -> None:
    image = np.random.default_rng(h * w).integers(0, 256, (h * ky, w * kx, 3), dtype=np.uint8)
    chosen = resize_interpolation(image.shape[:2], (h, w))
    linear = cv2.resize(image, (w, h), interpolation=cv2.INTER_LINEAR)
    assert (chosen == cv2.INTER_NEAREST_EXACT) == (ky % 2 == 1 and kx % 2 == 1)
    np.testing.assert_array_equal(cv2.resize(image, (w, h), interpolation=chosen), linear)


def test_tensor_into_batch_slot_and_bad_out() -> None:
    canvas = np.random.default_rng(2).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    batch = np.zeros((2, 3, 32, 48), np.float32)
    to_tensor(canvas, out=batch[1])
    expected = canvas[..., ::-1].transpose(2, 0, 1).astype(np.float32) / np.float32(255)
    np.testing.assert_array_equal(batch[1], expected)
    assert not batch[0].any()
    with pytest.raises(ValueError, match="C-contiguous"):
        to_tensor(canvas, out=np.zeros((3, 48, 32), np.float32).transpose(0, 2, 1))
    with pytest.raises(ValueError, match="float32"):
        to_tensor(canvas, out=np.zeros((3, 32, 48), np.float64))
    with pytest.raises(ValueError, match="planes"):
        to_tensor(canvas, planes=np.zeros((32, 48), np.uint8))


def test_tensor_from_a_view_with_reused_planes() -> None:
    """A crop view (not contiguous) and a scratch left over from another image still give exact floats."""
    frame = np.random.default_rng(4).integers(0, 256, (50, 70, 3), dtype=np.uint8)
    crop = frame[5:37, 10:58]
    planes = np.full((96, 48), 200, np.uint8)
    expected = crop[..., ::-1].transpose(2, 0, 1).astype(np.float32) / np.float32(255)
    for _ in range(2):
        np.testing.assert_array_equal(to_tensor(crop, planes=planes), expected)
