"""API keys and their rate buckets (only the SHA-256 of a key is stored; the key is shown once), and the
crew roster."""

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
    METRICS = "metrics"  # a Prometheus scraper: GET /metrics and nothing else


class ApiKey(SQLModel, table=True):
    """A key is refused once `revoked` is set or `expires_at` has passed; rows are kept for the audit."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128, index=True)  # vehicle_id for vehicles, the crew id for crews
    role: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    revoked: bool = False
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # written at most once a minute per key (a write per request would serialise every reader on SQLite)
    last_used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class RateBucket(SQLModel, table=True):
    """One token bucket per (key, bucket name), shared by every worker on PostgreSQL.

    `tokens` as of `updated_s` (epoch seconds of the database clock, so workers on several machines
    agree); `granted` is the outcome of the last take, read back by the same atomic upsert.
    """

    __tablename__ = "rate_bucket"

    key_id: int = Field(primary_key=True, foreign_key="api_key.id", ondelete="CASCADE")
    bucket: str = Field(primary_key=True, max_length=16)
    tokens: float
    updated_s: float
    granted: bool = True


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
