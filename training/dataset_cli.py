"""`pothole dataset check | stats | merge | import-coco | import-voc`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

__all__ = ["dataset_app"]

dataset_app = typer.Typer(no_args_is_help=True, add_completion=False)


def _fail(command: str, message: str, code: int = 2) -> NoReturn:
    typer.echo(f"pothole dataset {command}: error: {message}", err=True)
    raise SystemExit(code)  # not typer.Exit: click drops its code under the hub's standalone_mode=False


def _console():
    """Wide enough for the stats table when piped (rich assumes 80 columns without a terminal)."""
    import sys

    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=160)


def _require_yaml(command: str, path: Path) -> None:
    if not path.is_file():
        _fail(command, f"DATA {path}: no such file")


@dataset_app.command("check", help="Decode every image, parse every label, find images shared by splits.")
def check(data: Annotated[Path, typer.Argument(help="YOLO data.yaml")]) -> None:
    from rich.table import Table

    from training.dataset_check import check_dataset
    from training.progress import progress_bar

    _require_yaml("check", data)
    try:
        report = check_dataset(data, progress=progress_bar)
    except (ValueError, KeyError, OSError) as error:
        _fail("check", f"{data}: {error}")
    table = Table(title=f"dataset check: {data}")
    for column in ("split", "images", "boxes", "negatives", "bad files"):
        table.add_column(column, justify="left" if column == "split" else "right")
    for s in report.summaries:
        table.add_row(s.split, str(s.images), str(s.boxes), str(s.negatives), str(s.bad_files))
    console = _console()
    console.print(table)
    for warning in report.warnings[:20]:
        console.print(f"warning: {warning}", markup=False)
    if len(report.warnings) > 20:
        console.print(f"... and {len(report.warnings) - 20} more warnings")
    for problem in report.problems:
        typer.echo(f"bad: {problem}", err=True)
    if not report.ok:
        _fail("check", f"{len(report.problems)} problem(s) in {data}", code=1)
    console.print(f"OK: {data}")


@dataset_app.command("stats", help="Images, boxes, negatives and box sizes per split.")
def stats(data: Annotated[Path, typer.Argument(help="YOLO data.yaml")]) -> None:
    from rich.table import Table

    from training.dataset_stats import dataset_stats

    _require_yaml("stats", data)
    try:
        rows = dataset_stats(data)
    except (ValueError, KeyError, OSError) as error:
        _fail("stats", f"{data}: {error}")
    table = Table(title=f"dataset stats: {data}")
    headers = (
        "split",
        "images",
        "boxes",
        "negatives",
        "w p50",
        "h p50",
        "area p10",
        "area p50",
        "area p90",
        "w px p50",
        "small <32²",
        "medium",
        "large >=96²",
    )
    for column in headers:
        table.add_column(column, justify="left" if column == "split" else "right")
    for s in rows:
        table.add_row(
            s.split,
            str(s.images),
            str(s.boxes),
            str(s.negatives),
            f"{s.box_width_frac_p50:.3f}",
            f"{s.box_height_frac_p50:.3f}",
            f"{s.box_area_frac_p10:.4f}",
            f"{s.box_area_frac_p50:.4f}",
            f"{s.box_area_frac_p90:.4f}",
            f"{s.box_width_px_p50:.1f}",
            str(s.small_boxes),
            str(s.medium_boxes),
            str(s.large_boxes),
        )
    _console().print(table)
    _console().print("w/h/area: share of the image; small/medium/large: COCO pixel-area buckets")


@dataset_app.command("merge", help="Combine datasets into OUT/data.yaml by file lists (no copies).")
def merge(
    data: Annotated[list[Path], typer.Argument(help="data.yaml files to combine")],
    out: Annotated[Path, typer.Option(help="Folder for the merged data.yaml and lists")],
) -> None:
    from training.merge import MergeError, merge_datasets

    for path in data:
        _require_yaml("merge", path)
    try:
        merged = merge_datasets(data, out)
    except MergeError as error:
        _fail("merge", str(error))
    typer.echo(str(merged))


@dataset_app.command("import-coco", help="COCO JSON (CVAT, Label Studio) -> YOLO dataset.")
def import_coco(
    coco_json: Annotated[Path, typer.Argument(help="COCO annotations .json")],
    images: Annotated[Path, typer.Option(help="Folder of the images the JSON names")],
    out: Annotated[Path, typer.Option(help="Output dataset folder")],
    split: Annotated[str, typer.Option(help="Split to put the images in")] = "train",
) -> None:
    from training.convert import ConversionError
    from training.convert import import_coco as run_import

    if not coco_json.is_file():
        _fail("import-coco", f"COCO_JSON {coco_json}: no such file")
    if not images.is_dir():
        _fail("import-coco", f"--images {images}: no such folder")
    try:
        summary = run_import(coco_json, images, out, split=split)
    except ConversionError as error:
        _fail("import-coco", str(error))
    _report(summary)


@dataset_app.command("import-voc", help="Pascal VOC folder (CVAT, Label Studio) -> YOLO dataset.")
def import_voc(
    voc_dir: Annotated[Path, typer.Argument(help="VOC folder (Annotations/, JPEGImages/ or images/)")],
    out: Annotated[Path, typer.Option(help="Output dataset folder")],
    names: Annotated[str | None, typer.Option(help="Class names in id order, comma-separated")] = None,
    split: Annotated[str, typer.Option(help="Split for images not listed in ImageSets/Main")] = "train",
) -> None:
    from training.convert import ConversionError
    from training.convert import import_voc as run_import

    if not voc_dir.is_dir():
        _fail("import-voc", f"VOC_DIR {voc_dir}: no such folder")
    class_names = [n.strip() for n in names.split(",") if n.strip()] if names else None
    try:
        summary = run_import(voc_dir, out, names=class_names, split=split)
    except ConversionError as error:
        _fail("import-voc", str(error))
    _report(summary)


def _report(summary) -> None:
    typer.echo(
        f"{summary.data_yaml}: {summary.images} images, {summary.boxes} boxes, {summary.negatives} "
        f"negatives, {summary.skipped_boxes} boxes skipped (crowd, unknown class or no area)"
    )
    for name in summary.missing_images:
        typer.echo(f"missing image: {name}", err=True)
