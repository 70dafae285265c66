"""Operations: health, readiness, metrics, OpenAPI, migrations, CLI, and the start-up bootstrap key."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from backend_factories import make_item, post_items
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from api.config import Settings
from api.main import create_app
from api.migrate import upgrade_head
from api.services import services_of


def test_health_and_readiness_report_model(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503  # no model loaded in tests
    assert ready.json()["database"] == "ok" and ready.json()["model"].startswith("not loaded")
    services = services_of(client.app)
    relaxed = services.settings.model_copy(update={"require_model": False})
    client.app.state.services = replace(services, settings=relaxed)  # type: ignore[attr-defined]
    assert client.get("/readyz").status_code == 200


def test_metrics_count_requests_and_sightings(client: TestClient) -> None:
    post_items(client, make_item())
    text = client.get("/metrics").text
    assert 'pothole_sightings_ingested_total{status="created"}' in text
    assert 'pothole_http_requests_total{method="POST",route="/v1/sightings",status="200"}' in text
    assert "pothole_detector_seconds_bucket" in text


def test_openapi_documents_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/v1/sightings",
        "/v1/frames",
        "/v1/passes",
        "/v1/queue",
        "/v1/potholes",
        "/v1/work-orders/{work_order_id}",
        "/v1/vehicles/{vehicle_id}/camera",
    ):
        assert path in spec["paths"], path
    assert "examples" in str(spec["components"]["schemas"]["SightingIn"])
    assert "X-API-Key" in str(spec["components"]["securitySchemes"])


def test_migrations_match_the_models_on_sqlite(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import api.tables  # noqa: F401

    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade_head(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    ours = [d for d in diff if not any(t in str(d) for t in ("layer", "policy", "citizen"))]
    assert ours == []


def test_migrations_match_the_models_on_postgres(pg_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(pg_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    ours = [d for d in diff if not any(t in str(d) for t in ("layer", "policy", "citizen"))]
    assert ours == []


def test_start_up_migrates_and_bootstraps_the_admin_key(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'demo.db'}",
        migrate_on_start="upgrade",
        load_model=False,
        bootstrap_admin_key="bootstrap-key-0123456789",
    )
    for _ in range(2):  # twice: idempotent
        with TestClient(create_app(settings)) as c:
            assert c.get("/v1/queue", headers={"X-API-Key": "bootstrap-key-0123456789"}).status_code == 200


def test_model_load_failure_is_reported_not_fatal(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        migrate_on_start="create_all",
        weights=tmp_path / "missing.onnx",
    )
    with TestClient(create_app(settings)) as c:
        body = c.get("/readyz").json()
    assert body["database"] == "ok" and body["model"].startswith("not loaded")


def test_cli_keys_create_and_bad_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import typer

    from api.cli import register

    app = typer.Typer()
    register(app)
    monkeypatch.setenv("POTHOLE_DATABASE_URL", f"sqlite:///{tmp_path / 'k.db'}")
    from typer.testing import CliRunner

    runner = CliRunner()
    assert runner.invoke(app, ["crews", "create", "crew-3"]).exit_code == 0  # a crew key needs its crew
    ok = runner.invoke(app, ["keys", "create", "--role", "crew", "--name", "crew-3"])
    assert ok.exit_code == 0 and ok.stdout.strip().startswith("pw_")
    bad = runner.invoke(app, ["keys", "create", "--role", "boss", "--name", "x"])
    assert bad.exit_code == 2 and "--role" in bad.output
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'k.db'}", migrate_on_start="off", load_model=False
    )
    with TestClient(create_app(settings)) as c:
        key = ok.stdout.strip()
        assert c.get("/v1/queue", headers={"X-API-Key": key}).status_code == 200


def test_serve_rejects_a_bad_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer
    from typer.testing import CliRunner

    from api.cli import register

    app = typer.Typer()
    register(app)
    monkeypatch.setenv("POTHOLE_DATABASE_URL", f"sqlite:///{tmp_path / 's.db'}")
    result = CliRunner().invoke(app, ["serve", "--port", "70000"])
    assert result.exit_code == 2 and "--port" in result.output


def test_a_failure_inside_an_item_leaves_nothing_behind(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hook that raises mid-transaction (after the pothole and sighting rows were written): rolled back."""
    from backend_factories import SITE

    from common.geodesy import offset_latlon

    def broken(*args: object) -> object:
        raise RuntimeError("policy exploded")

    first = post_items(client, make_item())[0]  # applied in its own transaction before the failure
    runtime = services_of(client.app).layers
    monkeypatch.setattr(runtime, "score", broken)
    with pytest.raises(RuntimeError, match="policy exploded"):
        client.post(
            "/v1/sightings",
            json={
                "vehicle_id": "bus-17",
                "items": [make_item(offset_latlon(SITE, 80.0, 0.0, 0.0), confidence=0.95)],
            },
        )
    body = client.get("/v1/potholes").json()
    assert [f["id"] for f in body["features"]] == [first["pothole_id"]]
    assert body["features"][0]["properties"]["sightings"] == 1
    monkeypatch.undo()
    assert post_items(client, make_item(offset_latlon(SITE, 80.0, 0.0, 0.0)))[0]["status"] == "created"


def test_engines_opening_a_new_sqlite_file_at_once_all_connect(tmp_path: Path) -> None:
    """Switching a new file to WAL races between openers (workers, the CLI beside the server)."""
    import threading

    from sqlalchemy import text

    from api.db import make_engine

    errors: list[Exception] = []
    for round_no in range(100):
        url = f"sqlite:///{tmp_path / f'new-{round_no}.db'}"
        barrier = threading.Barrier(3)

        def connect(barrier: threading.Barrier = barrier, url: str = url) -> None:
            engine = make_engine(url)
            barrier.wait()
            try:
                with engine.connect() as conn:
                    assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                engine.dispose()

        threads = [threading.Thread(target=connect) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
