"""Does the ONNX file, run through `detector/`, find what the .pt checkpoint finds on the same images?

Most "the ONNX model is worse" reports are preprocessing or NMS differences, so the check runs the real
production path (detector.OnnxDetector: its letterbox, its NMS) against ultralytics' own predictor on
the checkpoint, with the same input size, confidence and IoU. Boxes near the confidence threshold may
fall on either side of it through float noise, so each side is compared against the other's boxes
down to half the threshold, and a box matches when IoU >= MIN_IOU and the confidences agree within
CONF_TOLERANCE.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

__all__ = [
    "ParityReport",
    "QuantizedAgreement",
    "match_fraction",
    "check_parity",
    "check_int8_agreement",
    "sample_images",
]

MIN_IOU = 0.9
CONF_TOLERANCE = 0.02
MIN_AGREEMENT = 0.95
PARITY_CONF_CAP = 0.25
PARITY_CONF_FLOOR = 0.001
STRONG_BOXES_WANTED = 40


@dataclass(frozen=True, slots=True)
class ParityReport:
    images: int
    conf: float
    boxes_pt: int
    boxes_onnx: int
    matched_pt: int
    matched_onnx: int

    @property
    def agreement(self) -> float:
        total = self.boxes_pt + self.boxes_onnx
        return 1.0 if total == 0 else (self.matched_pt + self.matched_onnx) / total

    @property
    def ok(self) -> bool:
        return self.agreement >= MIN_AGREEMENT

    def __str__(self) -> str:
        return (
            f"parity on {self.images} images at conf>={self.conf:.3f}: {self.matched_pt}/{self.boxes_pt} "
            f"checkpoint boxes and {self.matched_onnx}/{self.boxes_onnx} ONNX boxes matched "
            f"(IoU>={MIN_IOU}, |dconf|<={CONF_TOLERANCE}): agreement {self.agreement:.3f}"
        )


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x1 = np.maximum(box[0], boxes[:, 0])
    y1 = np.maximum(box[1], boxes[:, 1])
    x2 = np.minimum(box[2], boxes[:, 2])
    y2 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def match_fraction(
    a_xyxy: np.ndarray,
    a_conf: np.ndarray,
    b_xyxy: np.ndarray,
    b_conf: np.ndarray,
    min_conf: float,
    *,
    min_iou: float = MIN_IOU,
    conf_tolerance: float = CONF_TOLERANCE,
) -> tuple[int, int]:
    """(matched, compared): boxes of `a` at >= min_conf that have a twin among all boxes of `b`."""
    strong = np.flatnonzero(a_conf >= min_conf)
    matched = 0
    for index in strong:
        if len(b_xyxy) == 0:
            continue
        ious = _iou(a_xyxy[index], b_xyxy)
        close = (ious >= min_iou) & (np.abs(b_conf - a_conf[index]) <= conf_tolerance)
        matched += bool(close.any())
    return matched, len(strong)


def sample_images(images: list[Path], count: int) -> list[Path]:
    """`count` images spread evenly over the list (a merged list puts each dataset in one block)."""
    if len(images) <= count:
        return list(images)
    step = len(images) / count
    return [images[int(i * step)] for i in range(count)]


def _pt_predict(
    model, image: np.ndarray, imgsz: tuple[int, int], conf: float, iou: float, rect: bool, max_det: int
) -> tuple[np.ndarray, np.ndarray]:
    result = model.predict(
        image,
        imgsz=list(imgsz),
        conf=conf,
        iou=iou,
        rect=rect,
        max_det=max_det,
        device="cpu",
        verbose=False,
        save=False,
    )[0]
    return result.boxes.xyxy.numpy().astype(np.float32), result.boxes.conf.numpy().astype(np.float32)


def _onnx_predict(detector, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    detections = detector(image)
    return (
        np.asarray([d.xyxy_px for d in detections], np.float32).reshape(-1, 4),
        np.asarray([d.confidence for d in detections], np.float32),
    )


def check_parity(
    checkpoint: Path, onnx_path: Path, images: list[Path], *, iou: float = 0.45, max_det: int = 300
) -> ParityReport:
    """Compare checkpoint and ONNX (whole frames, no tiling) on `images`.

    The confidence compared at is 0.25, or lower for a barely trained model whose scores never reach it
    (so the check still compares boxes): the level of the STRONG_BOXES_WANTED-th best checkpoint box.
    """
    from ultralytics import YOLO

    from detector import InferenceSettings, OnnxDetector

    model = YOLO(str(checkpoint))
    base = OnnxDetector.load(onnx_path, threads=None)
    imgsz = base.info.input_hw
    loaded = (cv2.imread(str(p), cv2.IMREAD_COLOR) for p in images)
    frames = [f for f in loaded if f is not None]
    floor = PARITY_CONF_FLOOR / 2
    pt = [_pt_predict(model, f, imgsz, floor, iou, base.info.dynamic, max_det) for f in frames]
    all_conf = np.sort(np.concatenate([c for _, c in pt]))[::-1] if pt else np.zeros(0)
    conf = PARITY_CONF_CAP
    if len(all_conf) and (all_conf >= conf).sum() < STRONG_BOXES_WANTED:
        conf = float(max(all_conf[min(STRONG_BOXES_WANTED, len(all_conf)) - 1], PARITY_CONF_FLOOR))
    detector = base.with_settings(InferenceSettings(conf=conf / 2, iou=iou, max_det=max_det))
    matched_pt = boxes_pt = matched_onnx = boxes_onnx = 0
    for frame, (pt_xyxy, pt_conf) in zip(frames, pt, strict=True):
        keep = pt_conf >= conf / 2
        pt_xyxy, pt_conf = pt_xyxy[keep], pt_conf[keep]
        onnx_xyxy, onnx_conf = _onnx_predict(detector, frame)
        m, n = match_fraction(pt_xyxy, pt_conf, onnx_xyxy, onnx_conf, conf)
        matched_pt, boxes_pt = matched_pt + m, boxes_pt + n
        m, n = match_fraction(onnx_xyxy, onnx_conf, pt_xyxy, pt_conf, conf)
        matched_onnx, boxes_onnx = matched_onnx + m, boxes_onnx + n
    return ParityReport(len(frames), conf, boxes_pt, boxes_onnx, matched_pt, matched_onnx)


INT8_MIN_IOU = 0.5
INT8_CONF_TOLERANCE = 0.1
# A broken quantization (a dynamic graph calibrated on the wrong shapes, the head's decode in one int8
# scale) loses nearly every box; a sound one still moves boxes near the operating confidence across it,
# and on ~30 boxes that alone swings agreement between 0.7 and 0.9 (measured on four GPU-trained models).
# Accuracy within 0.02 mAP50 is checked where it can be measured: the promoted model's card.
INT8_MIN_AGREEMENT = 0.5


@dataclass(frozen=True, slots=True)
class QuantizedAgreement:
    """How many of the FP32 model's boxes (at its operating confidence) the INT8 copy finds, and back."""

    images: int
    conf: float
    boxes_fp32: int
    boxes_int8: int
    matched_fp32: int
    matched_int8: int

    @property
    def agreement(self) -> float:
        total = self.boxes_fp32 + self.boxes_int8
        return 1.0 if total == 0 else (self.matched_fp32 + self.matched_int8) / total

    @property
    def ok(self) -> bool:
        return self.agreement >= INT8_MIN_AGREEMENT

    def __str__(self) -> str:
        return (
            f"int8 agreement on {self.images} images at conf>={self.conf:.3f}: "
            f"{self.matched_fp32}/{self.boxes_fp32} FP32 boxes and "
            f"{self.matched_int8}/{self.boxes_int8} INT8 boxes matched "
            f"(IoU>={INT8_MIN_IOU}, |dconf|<={INT8_CONF_TOLERANCE}): {self.agreement:.3f}"
        )


def check_int8_agreement(fp32_path: Path, int8_path: Path, images: list[Path]) -> QuantizedAgreement:
    """Run both ONNX files through the production detector (their own settings: tiles, shapes) and match
    boxes. Quantization moves scores by a few hundredths and boxes by a pixel or two, so the tolerances are
    wider than the checkpoint parity's; a broken quantization (a dynamic graph calibrated wrongly, a head
    quantized into one scale) loses most boxes and fails this check.
    """
    from detector import OnnxDetector

    fp32 = OnnxDetector.load(fp32_path, threads=None)
    int8 = OnnxDetector.load(int8_path, threads=None)
    conf = fp32.settings.conf
    int8 = int8.with_settings(int8.settings.with_overrides(conf=conf / 2))
    fp32 = fp32.with_settings(fp32.settings.with_overrides(conf=conf / 2))
    tolerances = {"min_iou": INT8_MIN_IOU, "conf_tolerance": INT8_CONF_TOLERANCE}
    frames = boxes_fp32 = boxes_int8 = matched_fp32 = matched_int8 = 0
    for path in images:
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if frame is None:
            continue
        frames += 1
        a_xyxy, a_conf = _onnx_predict(fp32, frame)
        b_xyxy, b_conf = _onnx_predict(int8, frame)
        m, n = match_fraction(a_xyxy, a_conf, b_xyxy, b_conf, conf, **tolerances)
        matched_fp32, boxes_fp32 = matched_fp32 + m, boxes_fp32 + n
        m, n = match_fraction(b_xyxy, b_conf, a_xyxy, a_conf, conf, **tolerances)
        matched_int8, boxes_int8 = matched_int8 + m, boxes_int8 + n
    return QuantizedAgreement(frames, conf, boxes_fp32, boxes_int8, matched_fp32, matched_int8)
