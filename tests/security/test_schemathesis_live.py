"""schemathesis against the live API with a vehicle key and an admin key: every operation, valid and
invalid cases, and no answer is a 5xx. `make fuzz` runs the longer campaign for every role."""

from __future__ import annotations

from pathlib import Path

from scripts.fuzz import add_role_keys, fuzz_roles, live_server

EXAMPLES = 3  # per operation and generation mode: about a minute for both roles on two cores


def test_no_operation_answers_5xx_to_generated_input(tmp_path: Path) -> None:
    with live_server(tmp_path) as server:
        add_role_keys(server.database_url)
        reports = fuzz_roles(server.url, ["vehicle", "admin"], EXAMPLES)
    for report in reports:
        assert report.requests > 100, report.line()
        assert report.server_errors == [], f"{report.line()}: {sorted(set(report.server_errors))}"
