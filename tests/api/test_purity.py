"""The pure modules of the layers part stay pure: no web framework, no database (checked by AST)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE = [
    "api/layers/geojson.py",
    "api/layers/frame.py",
    "api/layers/registry.py",
    "api/layers/enrich.py",
    "api/layers/synthetic.py",
    "api/policy/model.py",
    "api/policy/score.py",
    "api/stats/compute.py",
    "api/publish/params.py",
]
FORBIDDEN = {"fastapi", "starlette", "sqlmodel", "sqlalchemy"}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_framework_or_database(module: str) -> None:
    assert not imported_roots(ROOT / module) & FORBIDDEN
