"""The architecture as a test: imports only flow downstream (training -> detector <- edge, api; common
below them all and importing nothing of the project), inside api/ the domains depend one way
(API_DOMAIN_RANK) with no import resolved at run time, and each of the tables in WRITERS is written by one
module only.

Checked on the source (AST), so it holds for code that is never imported in tests; a package folder that
does not exist yet simply has nothing to check. Each rule is also run on a planted violation.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB_AND_SQL = {"fastapi", "starlette", "sqlmodel", "sqlalchemy"}
FORBIDDEN: dict[str, set[str]] = {
    "detector": WEB_AND_SQL | {"torch", "ultralytics", "api", "edge", "training"},
    "api": {"torch", "ultralytics", "training", "importlib"},
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


# A domain may import only domains of a lower rank (and itself). Top-level modules of api/ (config, db,
# errors, types, services, tables, main, cli) are not domains: the foundation and the composition root.
# Below every domain, rank 0 included, sits the top-level package `common` (WGS84 geodesy, the GPS fix
# and heading rule, the wire contract, image sniffing): any api module may import it, and it imports
# nothing of the project but itself (COMMON, checked by test_common_imports_nothing_of_the_project).
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
    _plant(api_dir, "geo/camera.py", "from common.geodesy import LatLon\n")  # common: below rank 0
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


COMMON = "common"


def project_roots(root: Path) -> set[str]:
    """The names the project's own code is imported by: its top-level packages and modules."""
    return {p.parent.name for p in root.glob("*/__init__.py")} | {p.stem for p in root.glob("*.py")}


def project_imports(package_dir: Path, roots: set[str]) -> dict[str, set[str]]:
    """{file: project packages it imports other than its own} for every file in package_dir."""
    found: dict[str, set[str]] = {}
    for path in sorted(package_dir.rglob("*.py")):
        bad = (imported_roots(path) & roots) - {package_dir.name}
        if bad:
            found[str(path.relative_to(package_dir.parent))] = bad
    return found


def test_common_imports_nothing_of_the_project() -> None:
    assert project_imports(ROOT / COMMON, project_roots(ROOT)) == {}


def test_common_check_catches_any_project_import(tmp_path: Path) -> None:
    _plant(tmp_path, "pothole_cli.py", "")
    _plant(tmp_path, "scripts/__init__.py", "")
    _plant(tmp_path, "common/__init__.py", "")
    _plant(tmp_path, "common/a.py", "from pothole_cli import main\n")
    _plant(tmp_path, "common/b.py", "def f():\n    import scripts.demo\n")
    _plant(tmp_path, "common/c.py", "import math\nfrom pydantic import BaseModel\nfrom common import gps\n")
    assert project_roots(tmp_path) == {"pothole_cli", "scripts", "common"}
    assert project_imports(tmp_path / COMMON, project_roots(tmp_path)) == {
        "common/a.py": {"pothole_cli"},
        "common/b.py": {"scripts"},
    }


# --- single writers: one module writes each table; everything else asks it -------------------------------
# (table class, owner module) pairs; the columns come from the mapped tables themselves
WRITERS: dict[str, str] = {
    "WorkOrder": "api/workorders/service.py",
    "WorkOrderEvent": "api/workorders/service.py",
    "Pothole": "api/potholes/repository.py",
    "Sighting": "api/potholes/repository.py",
    "ServiceRequest": "api/potholes/repository.py",
    "Crew": "api/auth/roster.py",
}
CORE_WRITES = {
    "insert",
    "update",
    "delete",
    "bulk_insert_mappings",
    "bulk_update_mappings",
    "bulk_save_objects",
}
SESSION_WRITES = {"delete", "merge"}  # session.delete(row) / session.merge(row): the object's type is unseen


def _columns() -> dict[str, set[str]]:
    from api.auth.tables import Crew
    from api.potholes.tables import Pothole, ServiceRequest, Sighting
    from api.workorders.tables import WorkOrder, WorkOrderEvent

    tables = (WorkOrder, WorkOrderEvent, Pothole, Sighting, ServiceRequest, Crew)
    return {t.__name__: set(t.__table__.columns.keys()) for t in tables}  # type: ignore[attr-defined]


def _names_table(node: ast.expr) -> str | None:
    """`T` or `T.__table__` (also `module.T`) for an owned table T."""
    if isinstance(node, ast.Attribute) and node.attr == "__table__":
        node = node.value
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
    return name if name in WRITERS else None


def table_writes(path: Path, columns: dict[str, set[str]], owner: str = "") -> set[tuple[str, str]]:
    """(table, how) for every write to an owned table the file makes, seen on the source (AST).

    A write is a row built (`T(...)`), a Core or bulk statement on `T` / `T.__table__` (`update(T)`,
    `delete(T)`, `insert(T.__table__)`, `bulk_insert_mappings(T, ...)`), and, in a module that names `T`,
    an assignment to one of its columns (`order.due_at = ...`, never `self.x`) or `session.delete(...)` /
    `session.merge(...)`. The object's type is unseen, so a column store in the owner of a table with that
    column (`owner`: the file's path from the root) is taken as its own table's; and an attribute store in a
    module that never names the table goes unseen (a heuristic, on purpose cheap).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    named = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in WRITERS}
    named |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names} & set(WRITERS)
    own_columns = set().union(*(columns[t] for t, o in WRITERS.items() if o == owner))
    found: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            verb = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            table = _names_table(func)
            if table is not None:
                found.add((table, f"builds a {table} row (line {node.lineno})"))
            if verb in CORE_WRITES and node.args and (table := _names_table(node.args[0])):
                found.add((table, f"{verb}({table}) (line {node.lineno})"))
            if isinstance(func, ast.Attribute) and verb in SESSION_WRITES and node.args:
                found |= {(t, f".{verb}(...) in a module naming {t} (line {node.lineno})") for t in named}
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = [t for target in node.targets for t in ast.walk(target)]
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.ctx, ast.Store)
                and not (isinstance(target.value, ast.Name) and target.value.id == "self")
                and target.attr not in own_columns
            ):
                found |= {
                    (t, f"sets .{target.attr} (line {target.lineno})")
                    for t in named
                    if target.attr in columns[t]
                }
    return found


def writes_outside_owners(root: Path) -> dict[str, list[str]]:
    """Files under root/api (migrations aside) that write a table they do not own, and how."""
    columns, found = _columns(), {}
    for path in sorted((root / "api").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if "migrations" in path.parts:
            continue
        hows = sorted({how for table, how in table_writes(path, columns, rel) if WRITERS[table] != rel})
        if hows:
            found[rel] = hows
    return found


def test_only_the_owner_writes_each_table() -> None:
    assert writes_outside_owners(ROOT) == {}


ROGUE_WRITES = {
    "orm-row": "from api.workorders.tables import WorkOrderEvent\n"
    "def f(s):\n    s.add(WorkOrderEvent(note='x'))\n",
    "core-update": "from sqlalchemy import update\nfrom api.workorders.tables import WorkOrder\n"
    "def f(s):\n    s.execute(update(WorkOrder).values(due_at=None))\n",
    "core-delete": "from sqlalchemy import delete\nfrom api.workorders import tables\n"
    "def f(s):\n    s.execute(delete(tables.WorkOrderEvent))\n",
    "core-insert-table": "from sqlalchemy import insert\nfrom api.potholes.tables import Sighting\n"
    "INSERT = insert(Sighting.__table__)\n",
    "column-store": "from api.workorders.tables import WorkOrder\n"
    "def f(order: WorkOrder):\n    order.status, order.due_at = 'open', None\n",
    "column-augassign": "from api.potholes.tables import Pothole\n"
    "def f(p: Pothole):\n    p.citizen_report_count += 1\n",
    "session-delete": "from api.potholes.tables import Pothole\ndef f(s, p):\n    s.delete(p)\n",
}


@pytest.mark.parametrize("source", ROGUE_WRITES.values(), ids=list(ROGUE_WRITES))
def test_single_writer_check_sees_a_planted_write(tmp_path: Path, source: str) -> None:
    rogue = tmp_path / "api" / "ingest" / "rogue.py"
    rogue.parent.mkdir(parents=True)
    rogue.write_text(source)
    assert list(writes_outside_owners(tmp_path)) == ["api/ingest/rogue.py"]


def test_the_owner_may_write_its_own_tables(tmp_path: Path) -> None:
    owner = tmp_path / "api" / "workorders" / "service.py"
    owner.parent.mkdir(parents=True)
    owner.write_text(ROGUE_WRITES["core-update"] + ROGUE_WRITES["column-store"] + ROGUE_WRITES["orm-row"])
    assert writes_outside_owners(tmp_path) == {}


def test_single_writer_check_leaves_reads_alone(tmp_path: Path) -> None:
    reader = tmp_path / "reader.py"
    reader.write_text(
        "from sqlmodel import select\nfrom api.workorders.tables import WorkOrder\n"
        "def f(s, row):\n    row.verified_orders = [1]\n    return s.exec(select(WorkOrder)).all()\n"
    )
    assert table_writes(reader, _columns()) == set()


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
