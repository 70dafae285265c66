"""`pothole serve`, `pothole keys create`, `pothole db upgrade`. Heavy imports happen inside commands."""

from __future__ import annotations

import os

import typer

ROLES = ("vehicle", "crew", "manager", "admin")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise SystemExit(2)  # also under standalone_mode=False (pothole_cli), where typer.Exit returns 0


def register(app: typer.Typer) -> None:
    keys = typer.Typer(help="API keys (stored hashed; a key is shown once).", no_args_is_help=True)
    db = typer.Typer(help="Database schema (alembic migrations).", no_args_is_help=True)
    app.add_typer(keys, name="keys")
    app.add_typer(db, name="db")

    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", help="interface to bind"),
        port: int = typer.Option(8000, help="TCP port"),
        workers: int = typer.Option(1, help="uvicorn worker processes (PostgreSQL for more than one)"),
    ) -> None:
        """Run the HTTP API (migrates the database first)."""
        import uvicorn

        from api.config import Settings
        from api.migrate import upgrade_head

        if not 1 <= port <= 65535:
            _fail(f"--port: {port} outside 1..65535")
        if workers < 1:
            _fail(f"--workers: {workers} must be >= 1")
        settings = Settings()
        if workers > 1 and settings.database_url.startswith("sqlite"):
            typer.echo(
                "note: several workers on SQLite serialise their writes; use PostgreSQL for a city", err=True
            )
        if settings.migrate_on_start != "off":
            upgrade_head(settings.database_url)
            os.environ["POTHOLE_MIGRATE_ON_START"] = "off"  # workers must not race to migrate again
        uvicorn.run(
            "api.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            proxy_headers=True,
        )

    @keys.command("create")
    def keys_create(
        role: str = typer.Option(..., help=f"one of {', '.join(ROLES)}"),
        name: str = typer.Option(..., help="vehicle_id for vehicles, crew id for crews"),
    ) -> None:
        """Create an API key and print it (only its hash is stored)."""
        from sqlmodel import Session

        from api.auth.service import create_key
        from api.config import Settings
        from api.db import make_engine
        from api.errors import InvalidInputError
        from api.migrate import upgrade_head

        if role not in ROLES:
            _fail(f"--role: {role!r} is not one of {', '.join(ROLES)}")
        settings = Settings()
        upgrade_head(settings.database_url)
        engine = make_engine(settings.database_url)
        try:
            with Session(engine) as session:
                key = create_key(session, role=role, name=name)
        except InvalidInputError as exc:
            _fail(f"--{exc}")
        finally:
            engine.dispose()
        typer.echo(key)

    @db.command("upgrade")
    def db_upgrade() -> None:
        """Apply every migration to POTHOLE_DATABASE_URL (run once before starting several workers)."""
        from api.config import Settings
        from api.migrate import upgrade_head

        upgrade_head(Settings().database_url)
        typer.echo("database at head")
