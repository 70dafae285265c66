"""Open311 service requests: one row per citizen report, linked to the pothole it joined or started."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from api.types import UtcDateTime, utc_now


class ServiceRequest(SQLModel, table=True):
    __tablename__ = "service_request"

    id: int | None = Field(default=None, primary_key=True)
    pothole_id: int = Field(foreign_key="pothole.id", index=True)
    joined_existing: bool  # True: the report joined a pothole already known; False: it started a candidate
    service_code: str = Field(max_length=32)
    description: str | None = Field(default=None, max_length=4000)
    lat: float
    lon: float
    address_string: str | None = Field(default=None, max_length=500)
    media_url: str | None = Field(default=None, max_length=1000)
    email: str | None = Field(default=None, max_length=200)
    device_id: str | None = Field(default=None, max_length=200)
    account_id: str | None = Field(default=None, max_length=200)
    submitted_by: str = Field(max_length=160)  # the API key's name
    requested_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime, index=True)
