"""The architecture as a test: imports only flow downstream (training -> detector <- edge, api; common
below them all).

Checked on the source (AST), so it holds for code that is never imported in tests; a package folder that
does not exist yet simply has nothing to check.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB_AND_SQL = {"fastapi", "starlette", "sqlmodel", "sqlalchemy"}
FORBIDDEN: dict[str, set[str]] = {
    "detector": WEB_AND_SQL | {"torch", "ultralytics", "api", "edge", "training"},
    "api": {"torch", "ultralytics", "training"},
    "api/geo": {"fastapi", "sqlmodel", "sqlalchemy"},
    "edge": WEB_AND_SQL | {"torch", "ultralytics", "api", "training"},
    "common": WEB_AND_SQL | {"cv2", "torch", "ultralytics", "api", "edge", "detector", "training", "sim"},
}


def imported_roots(path: Path) -> set[str]:
    """Top-level names of absolute imports (ast.Import / ImportFrom with level 0) anywhere in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize(("package", "forbidden"), FORBIDDEN.items(), ids=list(FORBIDDEN))
def test_layer_never_imports_upstream(package: str, forbidden: set[str]) -> None:
    offenders = {
        str(p.relative_to(ROOT)): imported_roots(p) & forbidden for p in (ROOT / package).rglob("*.py")
    }
    assert not {path: bad for path, bad in offenders.items() if bad}


def test_checker_sees_nested_and_function_level_imports(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text(
        "import os\ndef f():\n    import torch.nn\n    from ultralytics import YOLO\nfrom . import x\n"
    )
    assert imported_roots(sample) == {"os", "torch", "ultralytics"}


@pytest.mark.parametrize(
    ("package", "planted"),
    [
        ("detector", "from edge.agent import Agent"),
        ("edge", "from api.geo import geolocate_box"),
        ("common", "import sqlalchemy"),
        ("common", "from detector import Detection"),
    ],
    ids=["detector-edge", "edge-api", "common-sqlalchemy", "common-detector"],
)
def test_a_planted_upstream_import_is_caught(tmp_path: Path, package: str, planted: str) -> None:
    sample = tmp_path / "planted.py"
    sample.write_text(f"{planted}\n")
    assert imported_roots(sample) & FORBIDDEN[package]
