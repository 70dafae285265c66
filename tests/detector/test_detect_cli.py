"""`pothole detect`: JSON lines, overlays, exit codes and one-line errors, skipped unreadable images."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from pothole_cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["detect", *args, "--no-progress"])
    out, err = capsys.readouterr()
    return code, out, err


def test_missing_path_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], dynamic_onnx: Path, tmp_path: Path
) -> None:
    code, out, err = run(capsys, str(tmp_path / "nope.jpg"), "--weights", str(dynamic_onnx))
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "nope.jpg" in err and "Traceback" not in err


def test_non_model_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, dashcam_frames: list
) -> None:
    image = tmp_path / "a.jpg"
    cv2.imwrite(str(image), dashcam_frames[0][1])
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"\x00not a model")
    code, _, err = run(capsys, str(image), "--weights", str(fake))
    assert code == 2 and "--weights" in err and "model.onnx" in err and err.strip().count("\n") == 0


def test_bad_flag_value_names_the_flag(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, str(tmp_path), "--conf", "1.5")
    assert code == 2 and "--conf" in err
    code, _, err = run(capsys, str(tmp_path), "--roi", "0,0.5,1")
    assert code == 2 and "--roi" in err
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((32, 32, 3), np.uint8))
    code, _, err = run(capsys, str(tmp_path), "--providers", "no-such-provider")
    assert code == 2 and err.startswith("pothole detect: error: --providers:")


def test_folder_with_unreadable_image(
    capsys: pytest.CaptureFixture[str], dynamic_onnx: Path, tmp_path: Path, shared_dir: Path
) -> None:
    frames = tmp_path / "frames"
    frames.mkdir()
    for src in sorted((shared_dir / "datasets" / "dnit-rs-es" / "images" / "val").glob("*.jpg"))[:2]:
        shutil.copy(src, frames / src.name)
    (frames / "broken.jpg").write_bytes(b"\xff\xd8 truncated")
    save_dir = tmp_path / "out"
    code, out, err = run(
        capsys, str(frames), "--weights", str(dynamic_onnx), "--save-dir", str(save_dir), "--conf", "0.3"
    )
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 2 and all(r["frame_wh"] == [1024, 640] for r in records)
    assert {"source", "frame_index", "timestamp_s", "model_id", "detections"} <= set(records[0])
    assert all(d["confidence"] > 0.3 for r in records for d in r["detections"])
    assert "skipped" in err and "broken.jpg" in err and "1 unreadable skipped" in err
    assert len(list(save_dir.glob("*.jpg"))) == 2


def test_video_every_nth_frame(
    capsys: pytest.CaptureFixture[str], dynamic_onnx: Path, tmp_path: Path, dashcam_frames: list
) -> None:
    video = tmp_path / "drive.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (512, 320))
    base = cv2.resize(dashcam_frames[0][1], (512, 320))
    for i in range(10):
        writer.write(np.roll(base, i * 8, axis=1))
    writer.release()
    code, out, _ = run(
        capsys,
        str(video),
        "--weights",
        str(dynamic_onnx),
        "--every",
        "3",
        "--save-dir",
        str(tmp_path / "out"),
    )
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["frame_index"] for r in records] == [0, 3, 6, 9]
    assert [r["timestamp_s"] for r in records] == pytest.approx([0.0, 0.3, 0.6, 0.9])
    assert (tmp_path / "out" / "drive_annotated.mp4").stat().st_size > 0


def test_glob_tiles_and_roi(capsys: pytest.CaptureFixture[str], dynamic_onnx: Path, shared_dir: Path) -> None:
    pattern = str(shared_dir / "datasets" / "dnit-rs-es" / "images" / "val" / "10076*.jpg")
    code, out, _ = run(
        capsys, pattern, "--weights", str(dynamic_onnx), "--roi", "0,0.25,1,1", "--tile", "320"
    )
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and records
    for record in records:
        for det in record["detections"]:
            assert det["box_xyxy_px"][1] >= 160 - 1e-3


def test_no_weights_anywhere_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POTHOLE_WEIGHTS", str(tmp_path / "missing.onnx"))
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((32, 32, 3), np.uint8))
    code, _, err = run(capsys, str(tmp_path / "a.png"))
    assert code == 2 and "POTHOLE_WEIGHTS" in err
