"""`pothole serve`, `pothole keys create | list | revoke | rotate`,
`pothole crews create | list | deactivate`, `pothole db upgrade`. Heavy imports happen inside commands."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from datetime import datetime

    from sqlmodel import Session

ROLES = ("vehicle", "crew", "manager", "admin", "metrics")
T = TypeVar("T")


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise SystemExit(2)  # also under standalone_mode=False (pothole_cli), where typer.Exit returns 0


def _checked(action: Callable[[], T], option_for: dict[str, str] | None = None) -> T:
    """Run an operation; a refusal (bad input, no such key or crew) is one line naming the option, exit 2.
    `option_for` maps a domain field to the option or argument a person typed (default `--field`)."""
    from api.errors import PotholeWatchError

    try:
        return action()
    except PotholeWatchError as exc:
        field, sep, rest = str(exc).partition(":")
        if not sep:
            _fail(str(exc))
        named = {"key_id": "KEY_ID", **(option_for or {})}
        _fail(f"{named.get(field, '--' + field.replace('_', '-'))}:{rest}")


def _with_session(action: Callable[[Session], T], option_for: dict[str, str] | None = None) -> T:
    """Migrate POTHOLE_DATABASE_URL to head, run `action` in one session, dispose of the engine."""
    from sqlmodel import Session

    from api.config import Settings
    from api.db import make_engine
    from api.migrate import upgrade_head

    settings = Settings()
    upgrade_head(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            return _checked(lambda: action(session), option_for)
    finally:
        engine.dispose()


def _expiry(expires_in: str | None, expires_at: str | None) -> datetime | None:
    from datetime import datetime

    from api.auth.service import parse_duration
    from api.types import utc_now

    if expires_in is not None and expires_at is not None:
        _fail("--expires-in: give --expires-in or --expires-at, not both")
    if expires_in is not None:
        return utc_now() + _checked(lambda: parse_duration(expires_in))
    if expires_at is None:
        return None
    try:
        return datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    except ValueError:
        _fail("--expires-at: not an ISO 8601 time (e.g. 2027-01-01T00:00:00Z)")


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else f"{moment:%Y-%m-%d %H:%M}Z"


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
        expires_in: str | None = typer.Option(None, help="lifetime, e.g. 90d, 12h (units s m h d w)"),
        expires_at: str | None = typer.Option(None, help="expiry time, ISO 8601 with a zone"),
    ) -> None:
        """Create an API key and print it (only its hash is stored)."""
        from api.auth.service import issue_key

        if role not in ROLES:
            _fail(f"--role: {role!r} is not one of {', '.join(ROLES)}")
        expiry = _expiry(expires_in, expires_at)
        issued = _with_session(lambda s: issue_key(s, role=role, name=name, expires_at=expiry))
        typer.echo(issued.key)

    @keys.command("list")
    def keys_list(
        name: str | None = typer.Option(None, help="only the keys of this vehicle or crew"),
        as_json: bool = typer.Option(False, "--json", help="one JSON object per line"),
    ) -> None:
        """Every key: id, name, role, created, last used, expiry, revoked. Never a key itself."""
        from api.auth.service import list_keys

        for info in _with_session(lambda s: list_keys(s, name=name)):
            if as_json:
                typer.echo(info.model_dump_json())
                continue
            state = "revoked" if info.revoked else "active"
            typer.echo(
                f"{info.id}\t{info.name}\t{info.role}\t{state}\tcreated {_when(info.created_at)}"
                f"\tlast used {_when(info.last_used_at)}\texpires {_when(info.expires_at)}"
            )

    @keys.command("revoke")
    def keys_revoke(key_id: int = typer.Argument(..., help="the key's id (pothole keys list)")) -> None:
        """Revoke a key: every worker refuses it from its next request on."""
        from api.auth.service import revoke_key

        info = _with_session(lambda s: revoke_key(s, key_id))
        typer.echo(f"revoked key {info.id} ({info.role} {info.name})")

    @keys.command("rotate")
    def keys_rotate(
        key_id: int = typer.Argument(..., help="the key's id (pothole keys list)"),
        grace: str | None = typer.Option(None, help="the old key keeps working this long, e.g. 1h"),
        expires_in: str | None = typer.Option(None, help="the new key's lifetime (default: the old one's)"),
        expires_at: str | None = typer.Option(None, help="the new key's expiry, ISO 8601 with a zone"),
    ) -> None:
        """Print a new key for the same name and role; the old one is revoked (or expires after --grace)."""
        from datetime import timedelta

        from api.auth.service import parse_duration, rotate_key

        span = _checked(lambda: parse_duration(grace, "grace")) if grace else timedelta(0)
        expiry = _expiry(expires_in, expires_at)
        issued = _with_session(lambda s: rotate_key(s, key_id, grace=span, expires_at=expiry))
        typer.echo(issued.key)

    @crews.command("create")
    def crews_create(
        crew_id: str = typer.Argument(..., help="the id orders are assigned to (A-Z a-z 0-9 . _ : @ -)"),
        display_name: str | None = typer.Option(None, "--name", help="what people read, e.g. '보수 3조'"),
        sees_all_orders: bool = typer.Option(False, help="the crew sees every crew's orders"),
    ) -> None:
        """Add an active crew to the roster (then `pothole keys create --role crew --name CREW_ID`)."""
        from api.auth.roster import create_crew

        crew = _with_session(
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

        rows = _with_session(
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

        _with_session(lambda s: update_crew(s, crew_id, active=False), {"crew_id": "CREW_ID"})
        typer.echo(f"crew {crew_id} deactivated")

    @db.command("upgrade")
    def db_upgrade() -> None:
        """Apply every migration to POTHOLE_DATABASE_URL (run once before starting several workers)."""
        from api.config import Settings
        from api.migrate import upgrade_head

        upgrade_head(Settings().database_url)
        typer.echo("database at head")
