"""Schema migrations (alembic under api/migrations), driven from code: `pothole db upgrade`, start-up."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    return config


def upgrade_head(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def revision(url: str, message: str) -> None:
    """Autogenerate a new revision against the database at `url` (a developer tool)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
