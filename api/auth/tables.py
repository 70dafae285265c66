"""API keys (only the SHA-256 of a key is stored; the key itself is shown once at creation) and the crew
roster."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from api.types import UtcDateTime, utc_now


class Role(StrEnum):
    VEHICLE = "vehicle"
    CREW = "crew"
    MANAGER = "manager"
    ADMIN = "admin"


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128, index=True)  # vehicle_id for vehicles, the crew id for crews
    role: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    revoked: bool = False


class Crew(SQLModel, table=True):
    """A crew in the roster: work orders are assigned to its `crew_id`, and its keys are named after it.

    A crew is deactivated, never deleted, so the orders and history that name it keep their meaning.
    """

    __tablename__ = "crew"

    crew_id: str = Field(primary_key=True, max_length=128)
    display_name: str | None = Field(default=None, max_length=200)
    active: bool = True
    sees_all_orders: bool = False  # a manager's grant: every crew's orders, not only its own
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
