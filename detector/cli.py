"""`pothole detect SOURCE...`: frames -> JSON lines on stdout, annotated copies in --save-dir.

Bad input (a missing path, a file that is not a YOLO detection model, an out-of-range flag) is one line on
stderr and exit 2, with no traceback. An undecodable image in a batch is reported, skipped and counted.
Heavy imports (onnxruntime) happen inside the command, so `pothole --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

__all__ = ["detect", "parse_roi", "register"]


def register(app: typer.Typer) -> None:
    app.command("detect", help="Detect potholes in images, folders, globs or videos; JSON lines on stdout.")(
        detect
    )


def _fail(message: str) -> NoReturn:
    typer.echo(f"pothole detect: error: {message}", err=True)
    # SystemExit, not typer.Exit: click swallows Exit's code when the hub runs it with standalone_mode=False.
    raise SystemExit(2)


def parse_roi(text: str) -> tuple[float, float, float, float]:
    """ "x1,y1,x2,y2" as fractions of the frame -> tuple; ValueError names the flag and the value."""
    parts = [p.strip() for p in text.split(",")]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if (
        len(values) != 4
        or not all(0.0 <= v <= 1.0 for v in values)
        or values[2] <= values[0]
        or values[3] <= values[1]
    ):
        raise ValueError(f"--roi: {text!r} must be x1,y1,x2,y2 fractions in [0, 1] with x2>x1, y2>y1")
    return values


def detect(
    sources: Annotated[
        list[str], typer.Argument(help="Images, folders, globs or video files.", show_default=False)
    ],
    weights: Annotated[
        Path | None, typer.Option(help="ONNX model (default: POTHOLE_WEIGHTS or weights/current.json).")
    ] = None,
    conf: Annotated[
        float | None, typer.Option(help="Confidence threshold (default: the model's settings).")
    ] = None,
    iou: Annotated[
        float | None, typer.Option(help="NMS IoU threshold (default: the model's settings).")
    ] = None,
    every: Annotated[int, typer.Option(help="Use every Nth video frame.")] = 1,
    save_dir: Annotated[Path | None, typer.Option(help="Write annotated images / videos here.")] = None,
    roi: Annotated[
        str | None, typer.Option(help="Region of interest x1,y1,x2,y2 as frame fractions, e.g. 0,0.4,1,1.")
    ] = None,
    tile: Annotated[
        int | None, typer.Option(help="Tiled inference with square tiles of this many frame pixels.")
    ] = None,
    tile_overlap: Annotated[float | None, typer.Option(help="Tile overlap fraction (default 0.2).")] = None,
    full_frame: Annotated[
        bool | None,
        typer.Option("--full-frame/--no-full-frame", help="With --tile, also run the whole ROI once."),
    ] = None,
    threads: Annotated[
        int | None, typer.Option(help="ONNX Runtime intra-op threads (default: all cores).")
    ] = None,
    providers: Annotated[
        str | None, typer.Option(help="cpu (default), auto, cuda, tensorrt, openvino (comma list).")
    ] = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr.")
    ] = True,
) -> None:
    """Run the detector over every frame; exits 2 on bad input, 0 when frames were processed."""
    overrides = _overrides(
        conf=conf,
        iou=iou,
        every=every,
        roi=roi,
        tile=tile,
        tile_overlap=tile_overlap,
        threads=threads,
        full_frame=full_frame,
    )

    from detector.errors import ModelLoadError, SourceNotFoundError
    from detector.frames import count_frames, expand_sources

    try:
        files = expand_sources(sources)
    except SourceNotFoundError as exc:
        _fail(str(exc))

    import onnxruntime

    from detector.loading import load_detector
    from detector.onnx_runtime import resolve_providers

    try:
        chosen = resolve_providers(providers, onnxruntime.get_available_providers())
    except ModelLoadError as exc:
        _fail(f"--providers: {exc}")
    try:
        detector = load_detector(weights, threads=threads, providers=chosen)
    except ModelLoadError as exc:
        _fail(f"--weights: {exc}" if weights is not None else str(exc))
    try:
        detector = detector.with_settings(detector.info.settings.with_overrides(**overrides))
    except ValueError as exc:
        _fail(str(exc))
    total = count_frames(files, every) if progress else 0
    summary = _Run(detector, save_dir, every)
    summary.run(files, total=total, show_progress=progress)
    summary.report()
    if summary.frames == 0 and summary.skipped:
        raise SystemExit(1)


def _overrides(
    *,
    conf: float | None,
    iou: float | None,
    every: int,
    roi: str | None,
    tile: int | None,
    tile_overlap: float | None,
    threads: int | None,
    full_frame: bool | None,
) -> dict[str, Any]:
    """Validate flags before any work; each error names its flag."""
    if conf is not None and not 0.0 <= conf <= 1.0:
        _fail(f"--conf: {conf} is outside [0, 1]")
    if iou is not None and not 0.0 <= iou <= 1.0:
        _fail(f"--iou: {iou} is outside [0, 1]")
    if every < 1:
        _fail(f"--every: {every} must be at least 1")
    if tile is not None and tile < 32:
        _fail(f"--tile: {tile} must be at least 32 pixels")
    if tile_overlap is not None and not 0.0 <= tile_overlap < 1.0:
        _fail(f"--tile-overlap: {tile_overlap} is outside [0, 1)")
    if threads is not None and threads < 1:
        _fail(f"--threads: {threads} must be at least 1")
    try:
        roi_frac = parse_roi(roi) if roi is not None else None
    except ValueError as exc:
        _fail(str(exc))
    return {
        "conf": conf,
        "iou": iou,
        "roi_xyxy_frac": roi_frac,
        "tile_px": tile,
        "tile_overlap_frac": tile_overlap,
        "full_frame_pass": full_frame,
    }


class _Run:
    """One detect run: streams JSON lines, writes overlays, counts what was skipped."""

    def __init__(self, detector: Any, save_dir: Path | None, every: int) -> None:
        self.detector = detector
        self.save_dir = save_dir
        self.every = every
        self.frames = 0
        self.detections = 0
        self.skipped: list[str] = []
        self._writers: dict[str, Any] = {}
        self._saved_names: set[str] = set()

    def run(self, files: list[Path], *, total: int, show_progress: bool) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from detector.frames import Frame, iter_frames

        console = Console(stderr=True)
        columns = (TextColumn("detect"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console, transient=True, disable=not show_progress) as bar:
            task = bar.add_task("detect", total=total or None)
            try:
                for item in iter_frames(files, self.every):
                    if isinstance(item, Frame):
                        self._handle(item)
                    else:
                        self.skipped.append(item.source)
                        console.print(f"skipped {item.source}: {item.reason}", markup=False, highlight=False)
                    bar.advance(task)
            finally:
                for writer in self._writers.values():
                    writer.release()

    def _handle(self, frame: Any) -> None:
        detections = self.detector(frame.image)
        self.frames += 1
        self.detections += len(detections)
        height, width = frame.image.shape[:2]
        record = {
            "source": frame.source,
            "frame_index": frame.index,
            "timestamp_s": None if frame.timestamp_s is None else round(frame.timestamp_s, 3),
            "frame_wh": [width, height],
            "model_id": self.detector.info.model_id,
            "detections": [d.to_json() for d in detections],
        }
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()
        if self.save_dir is not None:
            self._save(frame, detections)

    def _save(self, frame: Any, detections: Any) -> None:
        import cv2

        from detector.draw import draw_detections
        from detector.frames import is_video

        self.save_dir.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
        annotated = draw_detections(frame.image, detections)
        source = Path(frame.source)
        if is_video(source):
            writer = self._writers.get(frame.source)
            if writer is None:
                fps = max(cv2.VideoCapture(frame.source).get(cv2.CAP_PROP_FPS) / self.every, 1.0)
                out_path = self._unique(f"{source.stem}_annotated", ".mp4")
                height, width = annotated.shape[:2]
                writer = cv2.VideoWriter(str(out_path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
                self._writers[frame.source] = writer
            writer.write(annotated)
        else:
            cv2.imwrite(str(self._unique(source.stem, ".jpg")), annotated)

    def _unique(self, stem: str, suffix: str) -> Path:
        """Same-named images from different folders must not overwrite each other."""
        name, counter = f"{stem}{suffix}", 1
        while name in self._saved_names:
            name, counter = f"{stem}_{counter}{suffix}", counter + 1
        self._saved_names.add(name)
        return self.save_dir / name  # type: ignore[operator]

    def report(self) -> None:
        skipped = f", {len(self.skipped)} unreadable skipped" if self.skipped else ", 0 unreadable"
        typer.echo(f"pothole detect: {self.frames} frames, {self.detections} detections{skipped}", err=True)
