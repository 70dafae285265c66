"""`make fuzz`: schemathesis against the live API (uvicorn, SQLite) once per role; prints requests and 5xx.

Every operation in /openapi.json gets `--examples` generated cases, valid and invalid, sent with the
role's key (none for the public). A 5xx is a failure: bad input must get a 4xx naming the field. The
permanent suite (tests/security/test_schemathesis_live.py) runs the same campaign with a few examples each.

    python -m scripts.fuzz --examples 70            # about 5,000 requests per role
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import hypothesis
from hypothesis import HealthCheck, Phase
from sqlalchemy import create_engine
from sqlmodel import Session

from sim.harness import ApiServer

__all__ = ["ROLES", "RoleReport", "fuzz_roles", "live_server", "main"]

ADMIN_KEY = "fuzz-admin-key-0123456789"
ROLES: dict[str, str | None] = {
    "public": None,
    "vehicle": "fuzz-vehicle-key-0123456789",
    "crew": "fuzz-crew-key-0123456789",
    "manager": "fuzz-manager-key-0123456789",
    "admin": ADMIN_KEY,
}
NAMES = {"vehicle": "bus-17", "crew": "crew-1", "manager": "manager-1"}


@dataclass
class RoleReport:
    role: str
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"{self.role:8s} requests={self.requests:6d} 5xx={len(self.server_errors):4d} "
            f"({self.seconds:.0f} s)"
        )


def live_server(directory: Path) -> ApiServer:
    """The API on a fresh SQLite file, with one key per role (not started)."""
    url = f"sqlite:///{directory / 'fuzz.db'}"
    return ApiServer(url, admin_key=ADMIN_KEY, inherit_pothole_env=False, log_path=directory / "api.log")


def add_role_keys(database_url: str) -> None:
    """One key per role but admin (the server's bootstrap key); the crew key's crew joins the roster."""
    from api.auth.roster import create_crew
    from api.auth.service import create_key

    engine = create_engine(database_url)
    with Session(engine) as session:
        create_crew(session, crew_id=NAMES["crew"])
        for role, key in ROLES.items():
            if key is not None and role != "admin":
                create_key(session, role=role, name=NAMES[role], key=key)
    engine.dispose()


def fuzz_role(base_url: str, role: str, key: str | None, examples: int) -> RoleReport:
    """Every operation, `examples` positive and `examples` negative cases, with this role's key."""
    import schemathesis
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    report = RoleReport(role)
    headers = {"X-API-Key": key} if key else {}
    started = time.perf_counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            label = operation.label

            @hypothesis.settings(
                max_examples=examples,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
                derandomize=True,
            )
            @hypothesis.given(strategy)
            def send(case: schemathesis.Case) -> None:
                case.headers = {**(case.headers or {}), **headers}
                if not key:
                    case.headers.pop("X-API-Key", None)
                response = case.call(base_url=base_url, timeout=60)
                report.requests += 1
                if response.status_code >= 500:
                    report.server_errors.append(f"{response.status_code} {label}")  # noqa: B023

            try:
                send()
            except hypothesis.errors.Unsatisfiable:
                continue
    report.seconds = time.perf_counter() - started
    return report


def fuzz_roles(base_url: str, roles: Sequence[str], examples: int) -> list[RoleReport]:
    return [fuzz_role(base_url, role, ROLES[role], examples) for role in roles]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=70, help="cases per operation and mode (default 70)")
    parser.add_argument("--roles", default=",".join(ROLES), help=f"comma-separated, of {','.join(ROLES)}")
    args = parser.parse_args(argv)
    roles = [r for r in args.roles.split(",") if r]
    unknown = set(roles) - set(ROLES)
    if unknown or args.examples < 1:
        parser.error(f"--roles: {sorted(unknown)} unknown" if unknown else "--examples: must be >= 1")
    with tempfile.TemporaryDirectory(prefix="pw-fuzz-") as tmp, live_server(Path(tmp)) as server:
        add_role_keys(server.database_url)
        reports = fuzz_roles(server.url, roles, args.examples)
    for report in reports:
        print(report.line())
        for error in sorted(set(report.server_errors))[:20]:
            print(f"    {error}")
    print(json.dumps({r.role: {"requests": r.requests, "5xx": len(r.server_errors)} for r in reports}))
    return 1 if any(r.server_errors for r in reports) else 0


if __name__ == "__main__":
    raise SystemExit(main())
