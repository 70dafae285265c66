"""Keys can be listed (never their secret), revoked, rotated and given an expiry, over HTTP and the CLI; a
revoked or expired key is refused with a 401 that says so in plain words."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from key_support import key_for
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.auth.service import parse_duration
from api.auth.tables import ApiKey
from api.config import Settings
from api.errors import InvalidInputError
from api.main import create_app
from api.services import services_of

PUBLIC_FIELDS = {"id", "name", "role", "created_at", "last_used_at", "expires_at", "revoked", "revoked_at"}


def on_roster(client: TestClient, crew_id: str) -> None:
    """A crew key belongs to an active roster crew, so the crew is created first (as a manager would)."""
    response = client.post("/v1/crews", json={"crew_id": crew_id})
    assert response.status_code == 201, response.text


def create(client: TestClient, **body: object) -> dict[str, object]:
    response = client.post("/v1/admin/keys", json={"role": "crew", "name": "crew-1"} | body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def queue_status(client: TestClient, key: str) -> int:
    return client.get("/v1/queue", headers={"X-API-Key": key}).status_code


def test_create_list_revoke_over_http_and_the_revoked_key_is_refused(client: TestClient) -> None:
    on_roster(client, "crew-1")
    issued = create(client, expires_in="30d")
    key, info = str(issued["key"]), dict(issued["info"])  # type: ignore[call-overload]
    assert key.startswith("pw_") and info["role"] == "crew" and info["revoked"] is False
    expires_at = datetime.fromisoformat(str(info["expires_at"]))
    assert abs(expires_at - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=1)
    assert queue_status(client, key) == 200

    listing = client.get("/v1/admin/keys")
    assert listing.status_code == 200
    rows = listing.json()
    assert all(set(row) == PUBLIC_FIELDS for row in rows)
    assert key not in listing.text and "key_hash" not in listing.text
    mine = next(row for row in rows if row["id"] == info["id"])
    assert mine["last_used_at"] is not None  # the request above
    assert [r["name"] for r in client.get("/v1/admin/keys", params={"name": "crew-1"}).json()] == ["crew-1"]

    revoked = client.post(f"/v1/admin/keys/{info['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert revoked.json()["revoked_at"] is not None
    refused = client.get("/v1/queue", headers={"X-API-Key": key})
    assert refused.status_code == 401
    assert refused.json()["detail"] == "X-API-Key: this key was revoked; ask an administrator for a new one"
    assert refused.headers["www-authenticate"] == "X-API-Key"


def test_an_expired_key_is_refused_with_its_expiry(client: TestClient) -> None:
    key = key_for(client, "crew", "crew-2", expires_at=datetime.now(UTC) + timedelta(hours=1))
    assert queue_status(client, key) == 200
    with Session(services_of(client.app).engine) as session:  # an hour and a minute later
        row = session.exec(select(ApiKey).where(ApiKey.name == "crew-2")).one()
        row.expires_at = datetime(2020, 5, 1, 12, 30, tzinfo=UTC)
        session.add(row)
        session.commit()
    refused = client.get("/v1/queue", headers={"X-API-Key": key})
    assert refused.status_code == 401
    assert "this key expired at 2020-05-01 12:30 UTC" in refused.json()["detail"]


def test_rotation_replaces_a_key_at_once_or_after_a_grace_period(client: TestClient) -> None:
    on_roster(client, "crew-1")
    first = create(client, expires_in="10d")
    old_key, old_id = str(first["key"]), first["info"]["id"]  # type: ignore[index]
    rotated = client.post(f"/v1/admin/keys/{old_id}/rotate")
    assert rotated.status_code == 201, rotated.text
    new_key, new_info = rotated.json()["key"], rotated.json()["info"]
    assert (new_info["name"], new_info["role"]) == ("crew-1", "crew") and new_key != old_key
    lifetime = datetime.fromisoformat(new_info["expires_at"]) - datetime.fromisoformat(new_info["created_at"])
    assert abs(lifetime - timedelta(days=10)) < timedelta(minutes=1)  # as long as the old one was meant to
    assert queue_status(client, old_key) == 401 and queue_status(client, new_key) == 200

    again = client.post(f"/v1/admin/keys/{new_info['id']}/rotate", json={"grace": "1h"})
    assert again.status_code == 201
    assert queue_status(client, new_key) == 200  # still works for the hour the vehicle needs
    row = next(r for r in client.get("/v1/admin/keys").json() if r["id"] == new_info["id"])
    left = datetime.fromisoformat(row["expires_at"]) - datetime.now(UTC)
    assert timedelta(minutes=58) < left <= timedelta(hours=1) and row["revoked"] is False

    revoked_again = client.post(f"/v1/admin/keys/{old_id}/rotate")
    assert revoked_again.status_code == 409 and "revoked" in revoked_again.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    [
        ("post", "/v1/admin/keys", {"role": "crew", "name": "c", "expires_in": "30x"}, 422, "expires_in"),
        ("post", "/v1/admin/keys", {"role": "crew", "name": "c", "expires_in": "99999d"}, 422, "expires_in"),
        (
            "post",
            "/v1/admin/keys",
            {"role": "crew", "name": "c", "expires_at": "2001-01-01T00:00:00Z"},
            422,
            "expires_at",
        ),
        ("post", "/v1/admin/keys", {"role": "boss", "name": "c"}, 422, "role"),
        ("post", "/v1/admin/keys", {"role": "crew", "name": "crew-typo"}, 422, "name"),
        ("post", "/v1/admin/keys/99999/revoke", None, 404, "key_id"),
        ("post", "/v1/admin/keys/99999/rotate", None, 404, "key_id"),
        ("post", f"/v1/admin/keys/{2**63}/revoke", None, 422, "key_id"),
    ],
    ids=["unit", "too-long", "past", "role", "not-on-roster", "revoke-404", "rotate-404", "huge-id"],
)
def test_bad_key_requests_are_4xx_naming_the_field(
    client: TestClient, method: str, path: str, body: object, status: int, field: str
) -> None:
    response = client.request(method.upper(), path, json=body)
    assert response.status_code == status, response.text
    assert field in response.text and "Traceback" not in response.text


def test_only_an_admin_manages_keys_and_the_403_is_plain_words(client: TestClient) -> None:
    crew = key_for(client, "crew", "crew-3")
    refused = client.get("/v1/admin/keys", headers={"X-API-Key": crew})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "a crew key may not do this; it needs an admin key"


@pytest.mark.parametrize(
    ("text", "span"),
    [("90s", timedelta(seconds=90)), ("15m", timedelta(minutes=15)), ("30d", timedelta(days=30))],
)
def test_durations(text: str, span: timedelta) -> None:
    assert parse_duration(text) == span


@pytest.mark.parametrize("text", ["", "30", "d", "-1d", "0d", "1.5h", "٣d", "30 d x", "3651d"])
def test_bad_durations_name_the_field(text: str) -> None:
    with pytest.raises(InvalidInputError, match="^expires_in: "):
        parse_duration(text)


def test_cli_lists_revokes_and_rotates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from api.cli import register

    app = typer.Typer()
    register(app)
    url = f"sqlite:///{tmp_path / 'k.db'}"
    monkeypatch.setenv("POTHOLE_DATABASE_URL", url)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.output

    code, out = run("keys", "create", "--role", "vehicle", "--name", "bus-17", "--expires-in", "90d")
    assert code == 0, out
    first = out.strip()
    code, out = run("keys", "list")
    assert code == 0 and "bus-17" in out and "vehicle" in out and "active" in out and first not in out
    code, out = run("keys", "list", "--json")
    assert code == 0 and first not in out
    (row,) = [json.loads(line) for line in out.strip().splitlines()]
    assert set(row) == PUBLIC_FIELDS and row["expires_at"] is not None

    code, out = run("keys", "rotate", str(row["id"]), "--grace", "1h")
    assert code == 0, out
    second = out.strip()
    assert second.startswith("pw_") and second != first
    code, out = run("keys", "revoke", str(row["id"]))
    assert code == 0 and f"revoked key {row['id']} (vehicle bus-17)" in out

    settings = Settings(database_url=url, migrate_on_start="off", load_model=False, log_level="WARNING")
    with TestClient(create_app(settings)) as c:
        camera = {"height_m": 1.4, "pitch_down_deg": 4.0, "hfov_deg": 90.0, "image_wh": [1920, 1080]}
        put = lambda key: c.put("/v1/vehicles/bus-17/camera", json=camera, headers={"X-API-Key": key})  # noqa: E731
        assert put(first).status_code == 401 and put(second).status_code == 200

    for args, message in [
        (("keys", "revoke", "999"), "KEY_ID: no key 999"),
        (("keys", "create", "--role", "crew", "--name", "c", "--expires-in", "5 parsecs"), "--expires-in"),
        (("keys", "create", "--role", "crew", "--name", "c", "--expires-at", "yesterday"), "--expires-at"),
        (("keys", "rotate", str(row["id"])), "KEY_ID: key"),
    ]:
        code, out = run(*args)
        lines = out.strip().splitlines()
        assert code == 2 and len(lines) == 1 and message in lines[0] and "Traceback" not in out, out
