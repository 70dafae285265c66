"""The architecture as a test: imports only flow downstream (training -> detector <- api), and inside
api/ the domains depend one way (API_DOMAIN_RANK) with no import resolved at run time.

Checked on the source (AST), so it holds for code that is never imported in tests; a package folder that
does not exist yet simply has nothing to check. Each rule is also run on a planted violation.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN: dict[str, set[str]] = {
    "detector": {"fastapi", "starlette", "sqlmodel", "sqlalchemy", "torch", "ultralytics", "api", "training"},
    "api": {"torch", "ultralytics", "training", "importlib"},
    "api/geo": {"fastapi", "sqlmodel", "sqlalchemy"},
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


# A domain may import only domains of a lower rank (and itself). Top-level modules of api/ (config, db,
# errors, types, services, tables, main, cli) are not domains: the foundation and the composition root.
API_DOMAIN_RANK: dict[str, int] = {
    # leaves: pure geometry, the priority policy (document and scoring), keys and roles, operations
    "geo": 0,
    "policy": 0,
    "auth": 0,
    "system": 0,
    # what a pothole is placed with (vehicles' cameras and fixes) and enriched and scored with (layers)
    "layers": 1,
    "vehicles": 1,
    "potholes": 2,
    "workorders": 3,
    # the edges: each composes the domains below and none imports another
    "ingest": 4,
    "crews": 4,
    "publish": 4,
    "stats": 4,
    "admin": 4,
    "static": 4,
}


def imported_modules(path: Path) -> set[str]:
    """Dotted names of absolute imports; `from api import x` counts as importing `api.x`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def domain_order_violations(api_dir: Path, ranks: dict[str, int]) -> dict[str, set[str]]:
    """{file: domains it imports that are not below its own} for every file inside a ranked domain."""
    found: dict[str, set[str]] = {}
    for path in sorted(api_dir.rglob("*.py")):
        parts = path.relative_to(api_dir).parts
        if len(parts) < 2 or parts[0] not in ranks:
            continue
        own = parts[0]
        imported = {m.split(".")[1] for m in imported_modules(path) if m.startswith("api.")}
        bad = {d for d in imported if d in ranks and d != own and ranks[d] >= ranks[own]}
        if bad:
            found[str(path.relative_to(api_dir.parent))] = bad
    return found


def dynamic_imports(path: Path) -> list[int]:
    """Lines that import by name at run time: importlib (any use) or a call of `__import__`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__"
    ]
    if "importlib" in imported_roots(path):
        lines.append(0)
    return sorted(lines)


def test_every_api_package_has_a_place_in_the_domain_order() -> None:
    packages = {p.parent.name for p in (ROOT / "api").glob("*/__init__.py")}
    assert packages == set(API_DOMAIN_RANK)


def test_api_domains_depend_one_way() -> None:
    assert domain_order_violations(ROOT / "api", API_DOMAIN_RANK) == {}


def test_api_imports_nothing_by_name_at_run_time() -> None:
    offenders = {str(p.relative_to(ROOT)): dynamic_imports(p) for p in (ROOT / "api").rglob("*.py")}
    assert {path: lines for path, lines in offenders.items() if lines} == {}


def _plant(root: Path, relative: str, source: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)


def test_domain_order_checker_catches_upstream_and_sibling_imports(tmp_path: Path) -> None:
    api_dir = tmp_path / "api"
    _plant(api_dir, "layers/rescore.py", "from api.workorders.service import rescore\n")
    _plant(api_dir, "potholes/routes.py", "def f():\n    from api import workorders\n")
    _plant(api_dir, "ingest/fold.py", "import api.crews.queue\n")
    _plant(api_dir, "workorders/service.py", "from api.potholes.tables import Pothole\nimport api.geo\n")
    _plant(api_dir, "main.py", "from api.ingest.routes import router\n")
    assert domain_order_violations(api_dir, API_DOMAIN_RANK) == {
        "api/layers/rescore.py": {"workorders"},
        "api/potholes/routes.py": {"workorders"},
        "api/ingest/fold.py": {"crews"},
    }


def test_dynamic_import_checker_catches_importlib_and_dunder_import(tmp_path: Path) -> None:
    _plant(tmp_path, "a.py", "import importlib\nplugin = importlib.import_module('api.layers.plugin')\n")
    _plant(tmp_path, "b.py", "from importlib import import_module\n")
    _plant(tmp_path, "c.py", "def load(name):\n    return __import__(name)\n")
    _plant(tmp_path, "d.py", "import api.layers.routes\n")
    assert [dynamic_imports(tmp_path / n) for n in ("a.py", "b.py", "c.py", "d.py")] == [[0], [0], [2], []]
    assert imported_roots(tmp_path / "a.py") & FORBIDDEN["api"] == {"importlib"}
