"""Per-vehicle camera profiles, GPS fixes (for headings) and patrol passes (for repair verification)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.types import JsonType, UtcDateTime, utc_now


class VehicleCamera(SQLModel, table=True):
    __tablename__ = "vehicle_camera"

    vehicle_id: str = Field(primary_key=True, max_length=128)
    height_m: float
    pitch_down_deg: float
    hfov_deg: float
    image_w: int
    image_h: int
    dist_coeffs: list[float] | None = Field(default=None, sa_column=Column(JsonType, nullable=True))
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class VehicleFix(SQLModel, table=True):
    """Where a vehicle was, from every fix it sent; headings are derived from these."""

    __tablename__ = "vehicle_fix"
    __table_args__ = (Index("ix_vehicle_fix_vehicle_t", "vehicle_id", "t"),)

    id: int | None = Field(default=None, primary_key=True)
    vehicle_id: str = Field(max_length=128)
    t: datetime = Field(sa_type=UtcDateTime)
    lat: float
    lon: float
    accuracy_m: float


class PatrolPass(SQLModel, table=True):
    __tablename__ = "patrol_pass"
    # idempotency is per vehicle: another vehicle's client_id is another pass
    __table_args__ = (UniqueConstraint("vehicle_id", "client_id", name="uq_patrol_pass_vehicle_client"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=128)
    vehicle_id: str = Field(max_length=128, index=True)
    started_at: datetime = Field(sa_type=UtcDateTime)
    ended_at: datetime = Field(sa_type=UtcDateTime)
    track: list[Any] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    verified_orders: list[Any] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
