"""`pothole serve`, `pothole keys create`, `pothole crews create|list|deactivate`, `pothole db upgrade`.
Heavy imports happen inside commands."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import typer

if TYPE_CHECKING:
    from sqlmodel import Session

T = TypeVar("T")

ROLES = ("vehicle", "crew", "manager", "admin")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise SystemExit(2)  # also under standalone_mode=False (pothole_cli), where typer.Exit returns 0


@contextmanager
def _session() -> Iterator[Session]:
    """A session on POTHOLE_DATABASE_URL, migrated to head first."""
    from sqlmodel import Session

    from api.config import Settings
    from api.db import make_engine
    from api.migrate import upgrade_head

    settings = Settings()
    upgrade_head(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _run(action: Callable[[Session], T], option_for: dict[str, str] | None = None) -> T:
    """`action` in a session; a domain error is one line naming the option (`option_for`: field -> option)."""
    from api.errors import PotholeWatchError

    try:
        with _session() as session:
            return action(session)
    except PotholeWatchError as exc:
        field, colon, rest = str(exc).partition(":")
        _fail(f"{(option_for or {}).get(field, field)}{colon}{rest}")
        raise  # unreachable: _fail exits


def register(app: typer.Typer) -> None:
    keys = typer.Typer(help="API keys (stored hashed; a key is shown once).", no_args_is_help=True)
    crews = typer.Typer(
        help="The crew roster: work orders are assigned to its active crews.", no_args_is_help=True
    )
    db = typer.Typer(help="Database schema (alembic migrations).", no_args_is_help=True)
    app.add_typer(keys, name="keys")
    app.add_typer(crews, name="crews")
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

    @crews.command("create")
    def crews_create(
        crew_id: str = typer.Argument(..., help="the id orders are assigned to (A-Z a-z 0-9 . _ : @ -)"),
        display_name: str | None = typer.Option(None, "--name", help="what people read, e.g. '보수 3조'"),
        sees_all_orders: bool = typer.Option(False, help="the crew sees every crew's orders"),
    ) -> None:
        """Add an active crew to the roster (then `pothole keys create --role crew --name CREW_ID`)."""
        from api.auth.roster import create_crew

        crew = _run(
            lambda s: create_crew(
                s, crew_id=crew_id, display_name=display_name, sees_all_orders=sees_all_orders
            ),
            {"crew_id": "CREW_ID", "display_name": "--name"},
        )
        typer.echo(f"crew {crew.crew_id} created")

    @crews.command("list")
    def crews_list(active_only: bool = typer.Option(False, help="leave deactivated crews out")) -> None:
        """The roster: id, active or deactivated, grants, name (tab-separated)."""
        from api.auth.roster import list_crews

        rows = _run(
            lambda s: [
                (c.crew_id, "active" if c.active else "deactivated", c.sees_all_orders, c.display_name or "")
                for c in list_crews(s, active_only=active_only)
            ]
        )
        for crew_id, state, sees_all, name in rows:
            typer.echo(f"{crew_id}\t{state}\t{'sees all orders' if sees_all else 'own orders'}\t{name}")

    @crews.command("deactivate")
    def crews_deactivate(crew_id: str = typer.Argument(..., help="a crew of the roster")) -> None:
        """No new assignments to the crew and its keys stop working; its orders wait for a manager."""
        from api.auth.roster import update_crew

        _run(lambda s: update_crew(s, crew_id, active=False), {"crew_id": "CREW_ID"})
        typer.echo(f"crew {crew_id} deactivated")

    @db.command("upgrade")
    def db_upgrade() -> None:
        """Apply every migration to POTHOLE_DATABASE_URL (run once before starting several workers)."""
        from api.config import Settings
        from api.migrate import upgrade_head

        upgrade_head(Settings().database_url)
        typer.echo("database at head")
