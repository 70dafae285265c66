"""The promotion rule: not worse by the margin (mAP50) on every dataset; first model goes in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.metrics import Metrics
from training.promote import dataset_name, decide, read_current


def m(map50: float) -> Metrics:
    return Metrics(map50, map50 / 2, 0.5, 0.5, 0.5, 0.25, 10, 20)


@pytest.mark.parametrize(
    ("candidate", "current", "margin", "promote"),
    [
        ({"a": 0.6, "b": 0.3}, {"a": 0.5, "b": 0.3}, 0.0, True),     # better on one, equal on the other
        ({"a": 0.7, "b": 0.29}, {"a": 0.5, "b": 0.3}, 0.0, False),   # a gain does not buy a loss elsewhere
        ({"a": 0.7, "b": 0.29}, {"a": 0.5, "b": 0.3}, 0.02, True),   # within the margin
        ({"a": 0.7, "b": 0.27}, {"a": 0.5, "b": 0.3}, 0.02, False),
        ({"a": 0.7}, {"a": 0.5, "b": 0.3}, 0.0, False),              # not evaluated on every dataset
    ],
)
def test_decide(candidate: dict, current: dict, margin: float, promote: bool) -> None:
    decision = decide({k: m(v) for k, v in candidate.items()}, {k: m(v) for k, v in current.items()}, margin)
    assert decision.promote is promote
    assert len(decision.reasons) == len(set(candidate) | set(current))
    assert any("WORSE" in r or "only one" in r for r in decision.reasons) is not promote


def test_first_model_is_promoted() -> None:
    assert decide({"a": m(0.0)}, None, 0.0).promote


def test_negative_margin_is_refused() -> None:
    with pytest.raises(ValueError, match="margin"):
        decide({"a": m(0.1)}, {"a": m(0.1)}, -0.1)


def test_dataset_names() -> None:
    assert dataset_name(Path("datasets/dnit-rs-es.yaml")) == "dnit-rs-es"
    assert dataset_name(Path("/x/chitholian-potholes/data.yaml")) == "chitholian-potholes"


def test_read_current(tmp_path: Path) -> None:
    assert read_current(tmp_path) is None
    (tmp_path / "current.json").write_text(json.dumps({"model_id": "pw-x", "onnx": "pw-x.onnx"}))
    with pytest.raises(FileNotFoundError, match="pw-x.onnx"):
        read_current(tmp_path)
    (tmp_path / "pw-x.onnx").write_bytes(b"")
    assert read_current(tmp_path)["model_id"] == "pw-x"
