"""The crew roster: managers keep it (HTTP and CLI), orders go only to its active crews, a crew key
belongs to one, and a deactivated crew's keys stop working."""

from __future__ import annotations

from pathlib import Path

import pytest
from backend_factories import confirmed_pothole, make_crew, make_key
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.auth.service import create_key
from api.errors import InvalidInputError
from api.services import services_of


def test_managers_create_list_and_deactivate_crews(client: TestClient) -> None:
    manager = {"X-API-Key": make_key(client, "manager", "boss")}
    created = client.post(
        "/v1/crews", json={"crew_id": "crew-3", "display_name": "보수 3조"}, headers=manager
    )
    assert created.status_code == 201 and created.json()["active"] and not created.json()["sees_all_orders"]
    assert client.post("/v1/crews", json={"crew_id": "crew-3"}, headers=manager).status_code == 409
    bad = client.post("/v1/crews", json={"crew_id": "crew 3/x"}, headers=manager)
    assert bad.status_code == 422 and "crew_id" in bad.text
    _, order_id = confirmed_pothole(client)
    client.patch(f"/v1/work-orders/{order_id}", json={"status": "assigned", "assignee": "crew-3"})
    listed = client.get("/v1/crews", headers=manager).json()
    assert [(c["crew_id"], c["display_name"], c["active_orders"]) for c in listed] == [
        ("crew-3", "보수 3조", 1)
    ]
    off = client.patch("/v1/crews/crew-3", json={"active": False}, headers=manager)
    assert off.status_code == 200 and off.json()["active"] is False
    assert client.get("/v1/crews", params={"active_only": True}, headers=manager).json() == []
    assert client.patch("/v1/crews/crew-9", json={"active": False}, headers=manager).status_code == 404


@pytest.mark.parametrize("role", ["vehicle", "crew"])
def test_only_managers_and_admins_keep_the_roster(client: TestClient, role: str) -> None:
    key = {"X-API-Key": make_key(client, role, f"{role}-1")}
    assert client.get("/v1/crews", headers=key).status_code == 403
    assert client.post("/v1/crews", json={"crew_id": "crew-5"}, headers=key).status_code == 403
    assert client.patch(f"/v1/crews/{role}-1", json={"sees_all_orders": True}, headers=key).status_code == 403


@pytest.mark.parametrize("assignee", ["crew-typo", "bus-17", "crew-gone"])
def test_orders_go_only_to_active_crews_of_the_roster(client: TestClient, assignee: str) -> None:
    make_crew(client, "crew-1")
    make_crew(client, "crew-gone")
    client.patch("/v1/crews/crew-gone", json={"active": False})
    _, order_id = confirmed_pothole(client)
    answer = client.patch(f"/v1/work-orders/{order_id}", json={"status": "assigned", "assignee": assignee})
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("assignee: no active crew") and assignee not in answer.text
    assert client.get(f"/v1/work-orders/{order_id}").json()["status"] == "open"  # nothing changed
    ok = client.patch(f"/v1/work-orders/{order_id}", json={"status": "assigned", "assignee": "crew-1"})
    assert ok.status_code == 200 and ok.json()["assignee"] == "crew-1"
    moved = client.patch(f"/v1/work-orders/{order_id}", json={"status": "assigned", "assignee": assignee})
    assert (
        moved.status_code == 422 and client.get(f"/v1/work-orders/{order_id}").json()["assignee"] == "crew-1"
    )


def test_a_crew_key_belongs_to_a_crew_of_the_roster_and_stops_with_it(client: TestClient) -> None:
    with Session(services_of(client.app).engine) as session, pytest.raises(InvalidInputError, match="^name:"):
        create_key(session, role="crew", name="crew-typo")
    key = {"X-API-Key": make_key(client, "crew", "crew-4")}
    assert client.get("/v1/queue", headers=key).status_code == 200
    client.patch("/v1/crews/crew-4", json={"active": False})
    refused = client.get("/v1/queue", headers=key)
    assert refused.status_code == 403 and "crew-4" in refused.json()["detail"]
    client.patch("/v1/crews/crew-4", json={"active": True})
    assert client.get("/v1/queue", headers=key).status_code == 200


def test_cli_crews_create_list_deactivate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer
    from typer.testing import CliRunner

    from api.cli import register

    app = typer.Typer()
    register(app)
    monkeypatch.setenv("POTHOLE_DATABASE_URL", f"sqlite:///{tmp_path / 'crews.db'}")
    runner = CliRunner()
    assert runner.invoke(app, ["crews", "create", "crew-1", "--name", "보수 1조"]).exit_code == 0
    assert runner.invoke(app, ["crews", "create", "crew-2", "--sees-all-orders"]).exit_code == 0
    listed = runner.invoke(app, ["crews", "list"])
    assert listed.exit_code == 0
    assert listed.stdout.splitlines() == [
        "crew-1\tactive\town orders\t보수 1조",
        "crew-2\tactive\tsees all orders\t",
    ]
    for argv, option in (
        (["crews", "create", "crew-1"], "CREW_ID:"),
        (["crews", "create", "bad id"], "CREW_ID:"),
        (["crews", "deactivate", "crew-9"], "CREW_ID:"),
        (["keys", "create", "--role", "crew", "--name", "crew-9"], "--name:"),
    ):
        failed = runner.invoke(app, argv)
        assert failed.exit_code == 2 and failed.output.startswith(f"error: {option}"), failed.output
        assert len(failed.output.strip().splitlines()) == 1 and "Traceback" not in failed.output
    assert runner.invoke(app, ["crews", "deactivate", "crew-1"]).exit_code == 0
    assert runner.invoke(app, ["crews", "list", "--active-only"]).stdout.splitlines() == [
        "crew-2\tactive\tsees all orders\t"
    ]
