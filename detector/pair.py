"""Two models as one detector: a tile model's native-resolution tiles plus a whole-frame model's pass.

The tile model finds small, distant potholes at the scale it was trained on; a model trained on whole
frames sees large ones and context that tiles cut. Their boxes are merged exactly as one model's tiles and
full-frame pass are (`merge_windows`): a pothole seen by both becomes one box. One set of settings (the
pair's operating confidence, chosen on val, and the tile model's tiling) governs both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from detector.onnx_runtime import OnnxDetector, detections_of
from detector.postprocess import Decoded
from detector.tiling import Window, merge_windows, roi_window_px
from detector.types import Detection, InferenceSettings, ModelInfo

__all__ = ["PairedDetector"]


class PairedDetector:
    """Frame -> detections of `tiles` (its tiles, no full pass of its own) and `whole` (one pass), merged."""

    def __init__(
        self,
        tiles: OnnxDetector,
        whole: OnnxDetector,
        settings: InferenceSettings | None = None,
        model_id: str | None = None,
    ) -> None:
        if tiles.settings.tile_px is None:
            raise ValueError(f"{tiles.path}: the tile model has no tile_px in its settings")
        self.tiles = tiles
        self.whole = whole
        self._settings = settings or tiles.settings
        self._model_id = model_id or f"{tiles.info.model_id}+{whole.info.model_id}"

    @property
    def settings(self) -> InferenceSettings:
        return self._settings

    @property
    def info(self) -> ModelInfo:
        """The tile model's facts under the pair's id and settings (what /readyz and outputs report)."""
        return replace(self.tiles.info, model_id=self._model_id, settings=self._settings)

    def with_settings(self, settings: InferenceSettings) -> PairedDetector:
        return PairedDetector(self.tiles, self.whole, settings, self._model_id)

    def window_detections(
        self, image_bgr: np.ndarray, *, settings: InferenceSettings | None = None
    ) -> tuple[list[Window], list[Decoded]]:
        """The tile model's windows and the whole-frame model's ROI pass, each in frame pixels, unmerged."""
        s = settings or self._settings
        tile_settings = replace(s, full_frame_pass=False)
        windows, per_window = self.tiles.window_detections(image_bgr, settings=tile_settings)
        roi = roi_window_px(image_bgr.shape[:2], s.roi_xyxy_frac)
        crop = image_bgr[roi.y0_px : roi.y1_px, roi.x0_px : roi.x1_px]
        whole_settings = replace(self.whole.settings, conf=s.conf, iou=s.iou, max_det=s.max_det)
        xyxy, scores, class_ids = self.whole.infer_arrays([crop], settings=whole_settings)[0]
        shifted = xyxy + np.array([roi.x0_px, roi.y0_px] * 2, dtype=np.float32)
        return [*windows, roi], [*per_window, (shifted, scores, class_ids)]

    def __call__(self, image_bgr: np.ndarray) -> tuple[Detection, ...]:
        windows, per_window = self.window_detections(image_bgr)
        xyxy, scores, class_ids = merge_windows(
            per_window, windows, iou=self._settings.iou, max_det=self._settings.max_det
        )
        return detections_of((xyxy, scores, class_ids), self.tiles.info.class_names)

    def detect_batch(self, images_bgr: Sequence[np.ndarray]) -> list[tuple[Detection, ...]]:
        return [self(image) for image in images_bgr]
