"""OnnxDetector: an ultralytics YOLO detection export run on ONNX Runtime, frame in, Detections out.

Sessions, providers and thread options live here; what the file says about itself is read in
`detector.metadata`. Calls are thread-safe: each thread gets its own preallocated canvases and tensors.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import onnxruntime as ort

from detector.errors import ModelLoadError
from detector.metadata import read_model_info
from detector.postprocess import Decoded, postprocess
from detector.preprocess import Letterbox, letterbox_geometry, paint_letterbox, to_tensor
from detector.tiling import Window, merge_windows, plan_windows, tiling_scale
from detector.types import Detection, InferenceSettings, ModelInfo
from detector.weights import current_weights_path

__all__ = [
    "PROVIDER_ALIASES",
    "OnnxDetector",
    "detections_of",
    "read_model_info",
    "resolve_providers",
    "session_options",
]

PROVIDER_ALIASES = {
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
    "openvino": "OpenVINOExecutionProvider",
}
_AUTO_ORDER = ("TensorrtExecutionProvider", "CUDAExecutionProvider", "OpenVINOExecutionProvider")
MAX_DYNAMIC_BATCH = 16


def resolve_providers(requested: str | Sequence[str] | None, available: Sequence[str]) -> list[str]:
    """None -> CPU only; "auto" -> the fastest installed of TensorRT/CUDA/OpenVINO, then CPU; else as asked.

    Asking for a provider this onnxruntime build lacks is an error naming what is installed, rather than
    a silent fall-back to CPU that would make every timing misleading.
    """
    if requested is None:
        return ["CPUExecutionProvider"]
    if isinstance(requested, str):
        if requested.lower() == "auto":
            return [p for p in _AUTO_ORDER if p in available] + ["CPUExecutionProvider"]
        requested = [part for part in requested.split(",") if part.strip()]
    chosen = [PROVIDER_ALIASES.get(name.strip().lower(), name.strip()) for name in requested]
    missing = [name for name in chosen if name not in available]
    if missing:
        raise ModelLoadError(
            f"providers={missing} are not in this onnxruntime build (available: {list(available)})"
        )
    return chosen + ([] if "CPUExecutionProvider" in chosen else ["CPUExecutionProvider"])


def session_options(threads: int | None = None, *, spin: bool | None = None) -> ort.SessionOptions:
    """Options for every session we open (the benchmark gives ultralytics the same ones).

    `threads` caps intra-op threads (None: ONNX Runtime's default, one per physical core). Spinning is
    off by default (POTHOLE_ORT_SPIN=1 turns it on): idle ORT workers that busy-wait after a run steal
    the cores our letterbox and NMS need next, and on a shared vehicle or server CPU they slow everyone.
    """
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    if spin is None:
        spin = os.environ.get("POTHOLE_ORT_SPIN", "0") == "1"
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    return options


class OnnxDetector:
    """Frame (HxWx3 uint8 BGR) -> tuple[Detection, ...] in frame pixels, through one ORT session."""

    def __init__(self, session: ort.InferenceSession, info: ModelInfo, path: Path) -> None:
        self._session = session
        self._info = info
        self.path = path
        self._input_name = session.get_inputs()[0].name
        self._output_name = session.get_outputs()[0].name
        self._local = threading.local()

    @classmethod
    def load(
        cls,
        path: Path | str | None = None,
        *,
        threads: int | None = None,
        providers: str | Sequence[str] | None = None,
        settings: InferenceSettings | None = None,
    ) -> OnnxDetector:
        """Open `path` (default: the project's current weights). `settings` replaces the model's own."""
        model_path = Path(path) if path is not None else current_weights_path()
        if not model_path.is_file():
            raise ModelLoadError(f"{model_path}: no such model file")
        if threads is not None and threads < 1:
            raise ModelLoadError(f"threads={threads} must be at least 1")
        options = session_options(threads)
        chosen = resolve_providers(providers, ort.get_available_providers())
        try:
            session = ort.InferenceSession(str(model_path), options, providers=chosen)
        except Exception as exc:  # ORT raises several pybind types for "not a loadable graph"
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelLoadError(f"{model_path}: not a loadable ONNX model ({first_line[:200]})") from exc
        info = read_model_info(session, model_path)
        detector = cls(session, info, model_path)
        return detector.with_settings(settings) if settings is not None else detector

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def settings(self) -> InferenceSettings:
        return self._info.settings

    def with_settings(self, settings: InferenceSettings) -> OnnxDetector:
        """A detector sharing this session with other settings (no reload)."""
        return OnnxDetector(self._session, replace(self._info, settings=settings), self.path)

    # --- public detection ------------------------------------------------------------------------------
    def __call__(self, image_bgr: np.ndarray) -> tuple[Detection, ...]:
        return self.detect_batch([image_bgr])[0]

    def detect_batch(self, images_bgr: Sequence[np.ndarray]) -> list[tuple[Detection, ...]]:
        """Detections per image; ROI and tiling from the settings apply to every image."""
        settings = self._info.settings
        if settings.roi_xyxy_frac is None and settings.tile_px is None:
            return [self._to_detections(d) for d in self.infer_arrays(images_bgr)]
        return [self._to_detections(self._detect_windows(image)) for image in images_bgr]

    # --- stages (public for tests, the benchmark and training's evaluation) --------------------------
    def prepare(self, image_bgr: np.ndarray) -> Letterbox:
        """Geometry the model will see for a frame of this shape."""
        _check_image(image_bgr)
        target = self._info.input_hw
        return letterbox_geometry(
            image_bgr.shape[:2], target, stride=self._info.stride, auto=self._info.dynamic
        )

    def run_model(self, tensor: np.ndarray) -> np.ndarray:
        """Model only: (B, 3, H, W) float32 -> (B, 4+nc, N), written into this thread's output buffer.

        ONNX Runtime writes the head output straight into a buffer bound once per input shape (I/O
        binding), instead of allocating an output and handing Python a copy on every run (1.6 MB for an
        80-class 384x640 head). The returned array is that buffer: it holds this result until the same
        thread runs the same shape again, so callers take what they need before the next run (postprocess
        copies its survivors); `.copy()` it to keep it.
        """
        tensor = np.ascontiguousarray(tensor, dtype=np.float32)
        buffers = self._buffers()
        key = ("output", tensor.shape)
        if key not in buffers:
            # The first run of a shape learns the output's shape (dynamic graphs); later runs are bound.
            output = self._session.run([self._output_name], {self._input_name: tensor})[0]
            buffers[key] = np.ascontiguousarray(output, dtype=np.float32)
            binding = self._session.io_binding()
            binding.bind_output(
                self._output_name, "cpu", 0, np.float32, list(output.shape), buffers[key].ctypes.data
            )
            self._bindings()[tensor.shape] = binding
            return buffers[key]
        binding = self._bindings()[tensor.shape]
        binding.bind_cpu_input(self._input_name, tensor)  # wraps the array's memory, no copy
        self._session.run_with_iobinding(binding)
        return buffers[key]

    def infer_arrays(
        self, images_bgr: Sequence[np.ndarray], *, settings: InferenceSettings | None = None
    ) -> list[Decoded]:
        """Whole images -> (xyxy frame px, scores, class_ids) per image, batched by canvas shape."""
        s = settings or self._info.settings
        geometries = [self.prepare(image) for image in images_bgr]
        results: list[Decoded | None] = [None] * len(images_bgr)
        for canvas_hw, indices in _group_by(geometries).items():
            for chunk in _chunks(indices, self._info.batch or MAX_DYNAMIC_BATCH):
                tensor = self._tensor(len(chunk) if self._info.batch is None else self._info.batch, canvas_hw)
                for slot, index in enumerate(chunk):
                    canvas = self._canvas(canvas_hw, slot)
                    paint_letterbox(images_bgr[index], geometries[index], out=canvas)
                    to_tensor(canvas, out=tensor[slot], planes=self._planes(canvas_hw))
                output = self.run_model(tensor)
                for slot, index in enumerate(chunk):
                    results[index] = postprocess(
                        output[slot], geometries[index], conf=s.conf, iou=s.iou, max_det=s.max_det
                    )
        return [r for r in results if r is not None]

    # --- internals --------------------------------------------------------------------------------------
    def window_detections(
        self, image_bgr: np.ndarray, *, settings: InferenceSettings | None = None
    ) -> tuple[list[Window], list[Decoded]]:
        """Windows of one frame and each window's boxes in original-frame pixels, not yet merged.

        Training's evaluation sweeps thresholds over this same stage, so it scores what the service runs.
        """
        _check_image(image_bgr)
        s = settings or self._info.settings
        scale = tiling_scale(image_bgr.shape[:2], s)
        if scale != 1.0:
            height, width = image_bgr.shape[:2]
            size_wh = (max(1, round(width * scale)), max(1, round(height * scale)))
            image_bgr = cv2.resize(image_bgr, size_wh, interpolation=cv2.INTER_AREA)
        windows = plan_windows(image_bgr.shape[:2], s)
        crops = [image_bgr[w.y0_px : w.y1_px, w.x0_px : w.x1_px] for w in windows]
        decoded = self.infer_arrays(crops, settings=s)
        per_window = [_shift(d, w) for d, w in zip(decoded, windows, strict=True)]
        if scale != 1.0:
            per_window = [(xyxy / np.float32(scale), scores, ids) for xyxy, scores, ids in per_window]
        return windows, per_window

    def _detect_windows(self, image_bgr: np.ndarray) -> Decoded:
        settings = self._info.settings
        windows, per_window = self.window_detections(image_bgr)
        if len(windows) == 1:
            return per_window[0]
        return merge_windows(per_window, windows, iou=settings.iou, max_det=settings.max_det)

    def _to_detections(self, decoded: Decoded) -> tuple[Detection, ...]:
        return detections_of(decoded, self._info.class_names)

    def _buffers(self) -> dict[tuple[Any, ...], np.ndarray]:
        """This thread's preallocated arrays (canvases, planes, tensors, bound outputs), by key."""
        buffers: dict[tuple[Any, ...], np.ndarray] | None = getattr(self._local, "buffers", None)
        if buffers is None:
            buffers = self._local.buffers = {}
        return buffers

    def _bindings(self) -> dict[tuple[int, ...], ort.IOBinding]:
        """This thread's I/O bindings, one per input shape, each bound to its output buffer above."""
        bindings: dict[tuple[int, ...], ort.IOBinding] | None = getattr(self._local, "bindings", None)
        if bindings is None:
            bindings = self._local.bindings = {}
        return bindings

    def _canvas(self, canvas_hw: tuple[int, int], slot: int) -> np.ndarray:
        key = ("canvas", canvas_hw, slot)
        buffers = self._buffers()
        if key not in buffers:
            buffers[key] = np.full((*canvas_hw, 3), 114, dtype=np.uint8)
        return buffers[key]

    def _planes(self, canvas_hw: tuple[int, int]) -> np.ndarray:
        key = ("planes", canvas_hw)
        buffers = self._buffers()
        if key not in buffers:
            buffers[key] = np.empty((3 * canvas_hw[0], canvas_hw[1]), dtype=np.uint8)
        return buffers[key]

    def _tensor(self, batch: int, canvas_hw: tuple[int, int]) -> np.ndarray:
        key = ("tensor", batch, canvas_hw)
        buffers = self._buffers()
        if key not in buffers:
            # A fixed-batch graph is always fed a full batch; the outputs of spare slots are ignored.
            buffers[key] = np.zeros((batch, 3, *canvas_hw), dtype=np.float32)
        return buffers[key]


def detections_of(decoded: Decoded, class_names: Sequence[str]) -> tuple[Detection, ...]:
    """(xyxy, scores, class ids) arrays -> Detection records, named by the model's classes."""
    xyxy, scores, class_ids = decoded
    return tuple(
        Detection(
            xyxy_px=(b[0], b[1], b[2], b[3]),
            confidence=score,
            class_id=cid,
            class_name=class_names[cid] if cid < len(class_names) else str(cid),
        )
        for b, score, cid in zip(xyxy.tolist(), scores.tolist(), class_ids.tolist(), strict=True)
    )


def _check_image(image: np.ndarray) -> None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        shape = getattr(image, "shape", None)
        raise ValueError(f"image must be an HxWx3 uint8 BGR array, got {type(image).__name__} shape={shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"image shape {image.shape} is empty")


def _group_by(geometries: Sequence[Letterbox]) -> dict[tuple[int, int], list[int]]:
    groups: dict[tuple[int, int], list[int]] = {}
    for index, geometry in enumerate(geometries):
        groups.setdefault(geometry.canvas_hw, []).append(index)
    return groups


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _shift(decoded: Decoded, window: Window) -> Decoded:
    xyxy, scores, class_ids = decoded
    if window.x0_px == 0 and window.y0_px == 0:
        return decoded
    offset = np.array([window.x0_px, window.y0_px] * 2, dtype=np.float32)
    return xyxy + offset, scores, class_ids
