"""Accuracy against cost for candidate detectors: time per frame and peak memory on this CPU.

Run: .venv/bin/python bench/models.py LABEL=model.onnx [LABEL=tiles.onnx+whole.onnx ...] [--repeats 12]

A `tiles.onnx+whole.onnx` pair runs as `detector.pair.PairedDetector` (the tile model's tiles plus the
whole-frame model's pass, merged), INT8 when both `-int8.onnx` siblings exist.

For every model (and its `-int8.onnx` sibling when present) a fresh child process loads the detector
through `detector.OnnxDetector.load(path, threads=N)` and runs the service's pipeline (the model's own
tiling, full-frame pass and merge) on one 1024x640 dnit-rs-es survey frame and on the same frame resized to
1920x1080 (a dashcam frame), 3 warm-ups then the median of `repeats`. The child reports its peak resident
memory (ru_maxrss) and the memory the loaded detector added, so models never share a heap. Children run
one after another; each prints one JSON line. Prints a table, then a last line of JSON (label -> numbers),
where each model's `vs_first` is its 1920x1080 time over the first model's in the same precision (the first
LABEL is the reference, e.g. the model in service).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("POTHOLE_SHARED_DIR", ROOT.parent / "shared"))
SURVEY_FRAME = SHARED / "datasets" / "dnit-rs-es" / "images" / "val"
DASHCAM_WH = (1920, 1080)


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def load(spec: str, threads: int):
    """One model, or a `tiles+whole` pair, as the service would load it."""
    from detector import OnnxDetector
    from detector.pair import PairedDetector

    tiles, _, whole = spec.partition("+")
    detector = OnnxDetector.load(tiles, threads=threads)
    return PairedDetector(detector, OnnxDetector.load(whole, threads=threads)) if whole else detector


def int8_of(spec: str) -> str:
    parts = [Path(p) for p in spec.split("+")]
    return "+".join(str(p.with_name(f"{p.stem}-int8.onnx")) for p in parts)


def child(model: str, threads: int, repeats: int) -> dict[str, float]:
    """Runs in the child process: load, warm up, time both frames, report memory."""
    import cv2

    frame_path = sorted(SURVEY_FRAME.glob("*.jpg"))[0]
    survey = cv2.imread(str(frame_path), cv2.IMREAD_COLOR)
    dashcam = cv2.resize(survey, DASHCAM_WH, interpolation=cv2.INTER_LINEAR)
    before = rss_mb()
    detector = load(model, threads)
    loaded = rss_mb()
    result: dict[str, float] = {"load_mb": round(loaded - before, 1)}
    for name, image in (("survey_1024x640_ms", survey), ("dashcam_1920x1080_ms", dashcam)):
        for _ in range(3):
            detector(image)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            detector(image)
            times.append((time.perf_counter() - start) * 1000)
        result[name] = round(statistics.median(times), 1)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["detector_mb"] = round(result["peak_rss_mb"] - before, 1)
    return result


def measure(model: str, threads: int, repeats: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", model, "--threads", str(threads),
               "--repeats", str(repeats)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench/models.py: {model}: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help="LABEL=path.onnx (its -int8.onnx sibling is also run)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=12)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.threads, args.repeats)))
        return
    if not args.models:
        current = json.loads((ROOT / "weights" / "current.json").read_text())
        args.models = [f"in-service={ROOT / 'weights' / current['onnx']}"]
    results: dict[str, dict[str, float]] = {}
    for spec in args.models:
        label, _, fp32 = spec.partition("=")
        if not all(Path(p).is_file() for p in fp32.split("+")):
            raise SystemExit(f"bench/models.py: {spec}: no such file")
        for variant, model in {"FP32": fp32, "INT8": int8_of(fp32)}.items():
            if all(Path(p).is_file() for p in model.split("+")):
                results[f"{label} {variant}"] = measure(model, args.threads, args.repeats)
                print(f"{label:28s} {variant}  " + "  ".join(
                    f"{k} {v}" for k, v in results[f'{label} {variant}'].items()), flush=True)
    for label, numbers in results.items():
        variant = label.rsplit(" ", 1)[1]
        first = next(v for k, v in results.items() if k.endswith(f" {variant}"))
        numbers["vs_first"] = round(numbers["dashcam_1920x1080_ms"] / first["dashcam_1920x1080_ms"], 3)
    print(json.dumps({"threads": args.threads, "repeats": args.repeats, "models": results}))


if __name__ == "__main__":
    main()
