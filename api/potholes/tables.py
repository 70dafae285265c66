"""Potholes (one physical hole), the evidence that joined them (patrol sightings, citizen reports) and
frames analysed on the server."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.types import JsonType, UtcDateTime, utc_now


class PotholeStatus(StrEnum):
    CANDIDATE = "candidate"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    REPAIRED = "repaired"


class Pothole(SQLModel, table=True):
    __tablename__ = "pothole"
    __table_args__ = (Index("ix_pothole_cell", "cell_y", "cell_x"), Index("ix_pothole_lat_lon", "lat", "lon"))

    id: int | None = Field(default=None, primary_key=True)
    lat: float
    lon: float
    cell_y: int
    cell_x: int
    status: str = Field(default=PotholeStatus.CANDIDATE, max_length=16, index=True)
    uncertainty_m: float
    min_uncertainty_m: float
    weight_sum: float  # sum of 1 / u^2 over the PASSES (one observation each): the mean's denominator
    width_m: float
    length_m: float
    sighting_count: int = 0
    pass_count: int = 0
    # Open311 reports that joined or started it (its rows in service_request)
    citizen_report_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    first_seen: datetime = Field(sa_type=UtcDateTime)
    last_seen: datetime = Field(sa_type=UtcDateTime, index=True)
    max_confidence: float
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonType, nullable=False))
    verified_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # closed: never joined again
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class Frame(SQLModel, table=True):
    """A frame analysed on the server; the image itself is not kept (privacy), only the answer."""

    __tablename__ = "frame"
    # idempotency is per vehicle: another vehicle's client_id is another frame
    __table_args__ = (UniqueConstraint("vehicle_id", "client_id", name="uq_frame_vehicle_client"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=128)
    vehicle_id: str = Field(max_length=128, index=True)
    captured_at: datetime = Field(sa_type=UtcDateTime)
    frame_w: int
    frame_h: int
    model_id: str | None = Field(default=None, max_length=128)
    detections: list[Any] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class Sighting(SQLModel, table=True):
    __tablename__ = "sighting"
    __table_args__ = (
        Index("ix_sighting_pothole_pass", "pothole_id", "pass_key"),
        Index("ix_sighting_pass_time", "pass_key", "captured_at"),  # the pass's bias from its neighbours
        # idempotency is per vehicle: another vehicle's client_id is another sighting
        UniqueConstraint("vehicle_id", "client_id", name="uq_sighting_vehicle_client"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=160)
    vehicle_id: str = Field(max_length=128, index=True)
    pothole_id: int | None = Field(default=None, foreign_key="pothole.id")
    frame_id: int | None = Field(default=None, foreign_key="frame.id", index=True)
    captured_at: datetime = Field(sa_type=UtcDateTime)
    gps_lat: float
    gps_lon: float
    gps_accuracy_m: float
    gps_heading_deg: float | None = None
    heading_used_deg: float
    speed_mps: float | None = None
    frame_w: int
    frame_h: int
    box_xyxy_px: list[float] = Field(sa_column=Column(JsonType, nullable=False))
    confidence: float
    model_id: str | None = Field(default=None, max_length=128)
    pass_key: str = Field(max_length=300)  # the vehicle's own: `api.ingest.placement.pass_key_for`
    track_id: str | None = Field(default=None, max_length=64)
    lat: float
    lon: float
    uncertainty_m: float
    width_m: float
    length_m: float
    crop_jpeg: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    negative: bool = False  # joined a rejected pothole: a negative example for retraining
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class ServiceRequest(SQLModel, table=True):
    """One citizen report (Open311 POST), linked to the pothole it joined or started."""

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
