"""Build the folder that travels to a lent GPU machine for scripts/gpu_train.sh (64 MiB in all there).

Run: .venv/bin/python -m scripts.gpu_carry --out .gpu --start ../shared/models/gpu-v8n-416-tiles.pt

Holds: whl/ (ultralytics and its small pure-Python needs as wheels, downloaded here with pip for the GPU
image's Python 3.12), stub/polars (ultralytics reads results.csv with polars after each epoch; its 54 MB
runtime does not fit the transfer, a 30-line stand-in does), data/<set>/ (the TRAIN split only, with
labels, and a data.yaml; chitholian photos are downscaled to a 520 px long side at JPEG q90, which still
exceeds the 416 px training input by 1.25x: the 720 px originals do not fit beside the dnit-rs-es frames,
which travel byte for byte), and the starting checkpoint. Add `/.gpu/` to .git/info/exclude.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
WHEELS = ("ultralytics==8.4.190", "ultralytics-thop==2.2.3", "ultralytics-platform==0.1.99")
PHOTO_LONG_SIDE_PX = 520
POLARS_STUB = '''"""Stand-in for polars on the GPU machine: ultralytics reads results.csv with
`polars.read_csv(...).to_dict(as_series=False)` after every epoch; that is all it needs."""
import csv
import io


class _Frame:
    def __init__(self, columns):
        self._columns = columns

    def to_dict(self, as_series=True):
        return self._columns


def _number(text):
    try:
        return float(text)
    except ValueError:
        return text


def read_csv(source, **_):
    text = source.decode() if isinstance(source, bytes) else open(source).read()
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return _Frame({})
    header = [h.strip() for h in rows[0]]
    return _Frame({h: [_number(r[i].strip()) for r in rows[1:]] for i, h in enumerate(header)})
'''


def copy_train_split(name: str, out: Path, downscale: bool) -> None:
    source = SHARED / "datasets" / name
    images, labels = out / name / "images" / "train", out / name / "labels" / "train"
    images.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    for label in (source / "labels" / "train").glob("*.txt"):
        shutil.copy(label, labels / label.name)
    for image_path in (source / "images" / "train").iterdir():
        target = images / image_path.name
        if downscale:
            image = cv2.imread(str(image_path), cv2.IMREAD_COLOR)
            height, width = image.shape[:2]
            scale = PHOTO_LONG_SIDE_PX / max(height, width)
            if scale < 1:
                size = (round(width * scale), round(height * scale))
                image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            ok, encoded = cv2.imencode(target.suffix, image, [cv2.IMWRITE_JPEG_QUALITY, 90])
            if ok and len(encoded) < image_path.stat().st_size:
                target.write_bytes(encoded.tobytes())
                continue
        shutil.copy(image_path, target)
    data = {"path": ".", "train": "images/train", "val": "images/train", "names": {0: "pothole"}}
    (out / name / "data.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / ".gpu")
    parser.add_argument("--start", type=Path, action="append", default=[], help="checkpoint(s) to carry")
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    (args.out / "stub" / "polars").mkdir(parents=True)
    (args.out / "stub" / "polars" / "__init__.py").write_text(POLARS_STUB)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
         "--python-version", "3.12", "--implementation", "cp", "--platform", "manylinux2014_x86_64",
         "-d", str(args.out / "whl"), *WHEELS],
        check=True,
    )
    copy_train_split("chitholian-potholes", args.out / "data", downscale=True)
    copy_train_split("dnit-rs-es", args.out / "data", downscale=False)
    for checkpoint in args.start:
        shutil.copy(checkpoint, args.out / checkpoint.name)
    total = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"{args.out}: {total / 2**20:.1f} MiB (the working tree travels with it: keep both under 64 MiB)")


if __name__ == "__main__":
    main()
