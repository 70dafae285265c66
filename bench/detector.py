"""Detector benchmark: our ONNX Runtime pipeline vs ultralytics' predictor vs the bare model, one run.

Run: .venv/bin/python bench/detector.py [--frames 40] [--rounds 5] [--threads N] [--classes 1]

Real-sized 1920x1080 frames (dnit-rs-es frames cropped to 16:9 and upscaled), ONE ONNX (the published
weights/current.json model if it is dynamic or fixed-rectangular, else yolov8n.yaml with one class, the
pothole head, exported at imgsz 640 dynamic into a cache), so both pipelines run the same rectangle
(640x1024 for the fixed-rectangle model in service, 384x640 for the fallback). Both ORT sessions
(ours, ultralytics') get the same SessionOptions (same intra-op threads).
The three measurements are interleaved frame by frame so a busy machine slows them alike. Prints a
table, then a last line of JSON: ours_ms, ultralytics_ms, model_only_ms (medians), speedup_vs_ultralytics
(median of per-step ultralytics/ours ratios), overhead_share (median per-frame share of
letterbox+decode+NMS in our staged run), plus the plain ratio-of-medians versions of both for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# This file is bench/detector.py: drop bench/ from the path so `import detector` finds the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("POTHOLE_SHARED_DIR", ROOT.parent / "shared"))
CACHE = Path(os.environ.get("POTHOLE_BENCH_CACHE", "/tmp/pothole-bench-cache"))
FRAME_WH = (1920, 1080)
# OpenCV's own thread count, read before anything imports ultralytics: ultralytics calls
# cv2.setNumThreads(0) at import (for its torch DataLoader workers), which would otherwise also switch
# off OpenCV's threads for our pipeline, as it never is in our service (no ultralytics there).
OPENCV_THREADS_DEPLOYED = cv2.getNumThreads()


def offline_ultralytics() -> None:
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ.setdefault("YOLO_CONFIG_DIR", str(CACHE / "ultralytics-config"))
    os.environ.setdefault("YOLO_VERBOSE", "False")


def pick_model(classes: int = 1) -> tuple[Path, str]:
    """weights/current.json's model when it runs a 1080p frame as a rectangle, else a cached yolov8n export.

    A dynamic export runs the stride-aligned rectangle (384x640 at imgsz 640) in both pipelines; a fixed
    rectangular export (e.g. 384x640) does the same by construction. A fixed square one would not. The
    fallback is yolov8n built from its .yaml with `classes` classes: 1 by default, the pothole head we ship
    (its output is (1, 5, 5040)); `--classes 80` gives COCO's (1, 84, 5040) head, whose 1.6 MB of class
    scores make decoding the larger part of the post-processing, in both pipelines.
    """
    from detector import OnnxDetector
    from detector.errors import ModelLoadError
    from detector.weights import current_weights_path

    try:
        published = current_weights_path()
        info = OnnxDetector.load(published).info
        if info.dynamic or info.input_hw[0] != info.input_hw[1]:
            kind = "dynamic" if info.dynamic else f"fixed {info.input_hw[0]}x{info.input_hw[1]}"
            return published, f"published {published.name} ({kind})"
    except ModelLoadError:
        pass
    folder = CACHE / f"ultralytics-{version('ultralytics')}"
    target = folder / f"yolov8n-nc{classes}-640-dynamic.onnx"
    if not target.is_file():
        import yaml
        from ultralytics import YOLO
        from ultralytics.utils import ROOT as ULTRALYTICS_ROOT

        folder.mkdir(parents=True, exist_ok=True)
        config = yaml.safe_load((ULTRALYTICS_ROOT / "cfg" / "models" / "v8" / "yolov8.yaml").read_text())
        config["nc"] = classes
        config_path = folder / f"yolov8n-nc{classes}.yaml"  # "yolov8n" in the name picks the n scale
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        exported = YOLO(str(config_path)).export(format="onnx", imgsz=640, dynamic=True, simplify=True)
        Path(exported).replace(target)
    return target, f"yolov8n.yaml with {classes} class(es) (untrained) exported at imgsz 640, dynamic"


def load_frames(count: int) -> list[np.ndarray]:
    paths = sorted((SHARED / "datasets" / "dnit-rs-es" / "images" / "val").glob("*.jpg"))[:count]
    if not paths:
        sys.exit(f"bench/detector.py: no frames under {SHARED}/datasets/dnit-rs-es/images/val")
    frames = []
    for path in paths:
        image = cv2.imread(str(path))
        h, w = image.shape[:2]
        crop_h = round(w * 9 / 16)  # 1024x640 -> 1024x576 (16:9), then up to 1920x1080
        top = (h - crop_h) // 2
        frames.append(cv2.resize(image[top : top + crop_h], FRAME_WH, interpolation=cv2.INTER_LINEAR))
    return frames


def timed_ms(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn(*args)
    return (time.perf_counter() - start) * 1e3, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40, help="distinct frames (after warm-up)")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the frames (200 paired samples)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--threads", type=int, default=os.cpu_count() or 1, help="ORT intra-op threads for all"
    )
    parser.add_argument(
        "--classes", type=int, default=1, help="classes of the fallback yolov8n (1: pothole, 80: COCO)"
    )
    args = parser.parse_args(argv)
    offline_ultralytics()

    import onnxruntime as ort
    from ultralytics import YOLO

    from detector import OnnxDetector
    from detector.onnx_runtime import session_options
    from detector.postprocess import postprocess
    from detector.preprocess import letterbox, to_tensor

    model_path, model_label = pick_model(args.classes)
    frames = load_frames(args.frames)
    detector = OnnxDetector.load(model_path, threads=args.threads)
    settings = detector.settings
    imgsz = list(detector.info.input_hw)

    options = session_options(args.threads)
    reference = YOLO(str(model_path), task="detect")
    predict_kwargs = {
        "imgsz": imgsz,
        "conf": settings.conf,
        "iou": settings.iou,
        "max_det": settings.max_det,
        "device": "cpu",
        "verbose": False,
    }
    reference.predict(frames[0], **predict_kwargs)  # builds the predictor and its AutoBackend
    # Same thread count for ultralytics: give its backend a session built with our SessionOptions.
    reference.predictor.model.backend.session = ort.InferenceSession(
        str(model_path), options, providers=["CPUExecutionProvider"]
    )

    geometry = detector.prepare(frames[0])
    info = detector.info
    canvas = np.full((*geometry.canvas_hw, 3), 114, np.uint8)
    tensor = np.empty((1, 3, *geometry.canvas_hw), np.float32)
    planes = np.empty((3 * geometry.canvas_hw[0], geometry.canvas_hw[1]), np.uint8)

    def staged(frame: np.ndarray) -> tuple[float, float, float]:
        """Our pipeline's own stages, timed one by one: (pre_ms, model_ms, post_ms)."""
        t0 = time.perf_counter()
        _, frame_geometry = letterbox(frame, info.input_hw, stride=info.stride, auto=info.dynamic, out=canvas)
        to_tensor(canvas, out=tensor[0], planes=planes)
        t1 = time.perf_counter()
        output = detector.run_model(tensor)
        t2 = time.perf_counter()
        postprocess(output[0], frame_geometry, conf=settings.conf, iou=settings.iou, max_det=settings.max_det)
        t3 = time.perf_counter()
        return (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3

    for frame in frames[: args.warmup]:
        detector(frame)
        reference.predict(frame, **predict_kwargs)
        staged(frame)

    ours, ours_cv1, theirs, pre, model_only, post, share = [], [], [], [], [], [], []
    boxes_ours = boxes_theirs = 0

    # Each pipeline runs with the OpenCV threading of its own deployment, set outside the timed call:
    # ours with OpenCV's default (one thread per core), ultralytics' with the 0 its import sets.
    def time_ours(frame: np.ndarray) -> None:
        nonlocal boxes_ours
        cv2.setNumThreads(OPENCV_THREADS_DEPLOYED)
        t, dets = timed_ms(detector, frame)
        ours.append(t)
        boxes_ours += len(dets)

    def time_ours_opencv_single(frame: np.ndarray) -> None:
        """Ours as it runs in a process that imported ultralytics (training's evaluation): for reference."""
        cv2.setNumThreads(0)
        t, _ = timed_ms(detector, frame)
        ours_cv1.append(t)

    def time_theirs(frame: np.ndarray) -> None:
        nonlocal boxes_theirs
        cv2.setNumThreads(0)
        t, results = _predict_ms(reference, frame, predict_kwargs)
        theirs.append(t)
        boxes_theirs += len(results[0].boxes)

    def time_stages(frame: np.ndarray) -> None:
        cv2.setNumThreads(OPENCV_THREADS_DEPLOYED)
        pre_ms, model_ms, post_ms = staged(frame)
        pre.append(pre_ms)
        model_only.append(model_ms)
        post.append(post_ms)
        share.append((pre_ms + post_ms) / (pre_ms + model_ms + post_ms))

    # Interleaved, order rotated every frame, so background load and "who runs first" hit all alike.
    runners = [time_ours, time_theirs, time_stages, time_ours_opencv_single]
    schedule = [frame for _ in range(args.rounds) for frame in frames]
    for step, frame in enumerate(schedule):
        for k in range(len(runners)):
            runners[(step + k) % len(runners)](frame)

    ours_ms, theirs_ms, model_ms = (statistics.median(v) for v in (ours, theirs, model_only))
    speed = reference.predictor.speed or {}
    canvas = f"{geometry.canvas_hw[0]}x{geometry.canvas_hw[1]}"
    rows = [
        ("ours end-to-end (letterbox, ORT, decode+NMS)", ours),
        ("ultralytics YOLO(onnx).predict end-to-end", theirs),
        (f"ONNX Runtime model only (same {canvas} tensor)", model_only),
        ("ours, OpenCV single-threaded (ultralytics imported)", ours_cv1),
        ("  ours: letterbox + tensor", pre),
        ("  ours: decode + NMS + unletterbox", post),
    ]
    print(f"model: {model_label} ({model_path})")
    print(
        f"frames: {len(frames)} x {FRAME_WH[0]}x{FRAME_WH[1]}, {args.rounds} rounds = {len(ours)} samples, "
        f"model input {geometry.canvas_hw[0]}x"
        f"{geometry.canvas_hw[1]}, ORT intra-op threads {args.threads}, cpu_count {os.cpu_count()}, "
        f"onnxruntime {ort.__version__}, ultralytics {version('ultralytics')}, OpenCV threads: ours "
        f"{OPENCV_THREADS_DEPLOYED} (default), ultralytics' 0 (set by its import)"
    )
    print(f"boxes found: ours {boxes_ours}, ultralytics {boxes_theirs}")
    print(f"{'pipeline':<54} {'median ms':>10} {'p90 ms':>8}")
    for label, series in rows:
        print(f"{label:<54} {statistics.median(series):>10.2f} {np.percentile(series, 90):>8.2f}")
    if speed:
        print(
            "ultralytics' own split (last frame, ms): " + ", ".join(f"{k} {v:.2f}" for k, v in speed.items())
        )
    difference_share = max(ours_ms - model_ms, 0.0) / ours_ms
    # Paired: the three runs of one step are ~0.3 s apart, so a load spike from other processes hits a
    # pair alike; the median of per-step ratios is far steadier than a ratio of medians on a busy CPU.
    paired_speedup = statistics.median(t / o for t, o in zip(theirs, ours, strict=True))
    print(
        f"speedup vs ultralytics: median of per-step ratios {paired_speedup:.4f}; "
        f"ratio of medians {theirs_ms / ours_ms:.4f}"
    )
    print(
        f"overhead share: per-frame (pre+post)/(pre+model+post) median {statistics.median(share):.4f}; "
        f"(ours - model_only)/ours from medians {difference_share:.4f} (noisier on a shared CPU)"
    )
    result = {
        "ours_ms": round(ours_ms, 3),
        "ultralytics_ms": round(theirs_ms, 3),
        "model_only_ms": round(model_ms, 3),
        "speedup_vs_ultralytics": round(paired_speedup, 4),
        "speedup_ratio_of_medians": round(theirs_ms / ours_ms, 4),
        "overhead_share": round(statistics.median(share), 4),
        "overhead_share_from_medians": round(difference_share, 4),
        "ours_opencv_single_thread_ms": round(statistics.median(ours_cv1), 3),
        "frames": len(frames),
        "samples": len(ours),
        "threads": args.threads,
        "input_hw": list(geometry.canvas_hw),
    }
    print(json.dumps(result))
    return 0


def _predict_ms(reference: Any, frame: np.ndarray, kwargs: dict[str, Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    results = reference.predict(frame, **kwargs)
    return (time.perf_counter() - start) * 1e3, results


if __name__ == "__main__":
    raise SystemExit(main())
