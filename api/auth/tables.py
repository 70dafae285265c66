"""API keys: only the SHA-256 of a key is stored; the key itself is shown once at creation."""

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
