"""Ingest request and response shapes, with the bounds that make bad input a 422 naming the field."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

ClientId = Field(
    min_length=1,
    max_length=128,
    pattern=r"^[A-Za-z0-9._:@/+-]+$",
    description="client-generated idempotency key (a UUID is ideal)",
)
VehicleId = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@-]+$")

EXAMPLE_GPS = {"lat": 37.2, "lon": 126.83, "accuracy_m": 4.9, "heading_deg": 87.5, "speed_mps": 11.2}


class GpsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_GPS]})

    lat: float = Field(ge=-90, le=90, description="WGS84 degrees")
    lon: float = Field(ge=-180, le=180, description="WGS84 degrees")
    accuracy_m: float = Field(default=4.9, ge=0, le=1000, description="horizontal accuracy (95 %), metres")
    heading_deg: float | None = Field(
        default=None,
        ge=0,
        le=360,
        description="clockwise from true north; derived from earlier fixes if absent",
    )
    speed_mps: float | None = Field(default=None, ge=0, le=100)


class SightingIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "client_id": "9b2f6c1e-0d7a-4a52-9a55-0c1f3e0b7a11",
                    "captured_at": "2026-11-25T10:00:00.120Z",
                    "gps": EXAMPLE_GPS,
                    "frame_wh": [1920, 1080],
                    "box_xyxy_px": [812.0, 790.5, 941.0, 842.0],
                    "confidence": 0.81,
                    "model_id": "pw-20261125-v8n",
                    "pass_id": "bus-17/2026-11-25T09:58Z",
                    "track_id": "17",
                }
            ]
        },
    )

    client_id: str = ClientId
    captured_at: AwareDatetime = Field(description="UTC capture time (an offset is required)")
    gps: GpsIn
    frame_wh: tuple[int, int] = Field(description="frame width and height, pixels")
    box_xyxy_px: tuple[float, float, float, float] = Field(description="box corners in frame pixels")
    confidence: float = Field(ge=0, le=1)
    model_id: str | None = Field(default=None, max_length=128)
    pass_id: str | None = Field(
        default=None, max_length=128, description="one patrol pass (same id as POST /v1/passes)"
    )
    track_id: str | None = Field(default=None, max_length=64)
    crop_jpeg_b64: str | None = Field(
        default=None, description="JPEG crop of the pothole, <= 512 KiB decoded"
    )

    @model_validator(mode="after")
    def _box_inside_frame(self) -> SightingIn:
        w, h = self.frame_wh
        if not (16 <= w <= 20000 and 16 <= h <= 20000):
            raise ValueError(f"frame_wh: {list(self.frame_wh)} must be two sizes in 16..20000 px")
        x1, y1, x2, y2 = self.box_xyxy_px
        if not (0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h):
            raise ValueError(f"box_xyxy_px: {list(self.box_xyxy_px)} is not a box inside the {w}x{h} frame")
        return self


class SightingBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vehicle_id: str = VehicleId
    items: list[SightingIn] = Field(min_length=1, max_length=500)


class ItemResult(BaseModel):
    client_id: str
    status: Literal["created", "duplicate", "rejected"]
    sighting_id: int | None = None
    pothole_id: int | None = None
    detail: str | None = None


class BatchResult(BaseModel):
    results: list[ItemResult]


class FrameMetaIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "client_id": "f-0001",
                    "vehicle_id": "bus-17",
                    "captured_at": "2026-11-25T10:00:00Z",
                    "gps": EXAMPLE_GPS,
                }
            ]
        },
    )

    client_id: str = ClientId
    vehicle_id: str = VehicleId
    captured_at: AwareDatetime
    gps: GpsIn
    pass_id: str | None = Field(default=None, max_length=128)


class FrameDetection(BaseModel):
    box_xyxy_px: list[float]
    confidence: float
    sighting_id: int | None
    pothole_id: int | None
    detail: str | None = None


class FrameResult(BaseModel):
    client_id: str
    frame_id: int
    model_id: str | None = None
    detections: list[FrameDetection]


class TrackPoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    t: AwareDatetime


class PassIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "client_id": "bus-17/2026-11-25T09:58Z",
                    "vehicle_id": "bus-17",
                    "started_at": "2026-11-25T09:58:00Z",
                    "ended_at": "2026-11-25T10:30:00Z",
                    "track": [
                        {"lat": 37.2, "lon": 126.83, "t": "2026-11-25T09:58:00Z"},
                        {"lat": 37.2005, "lon": 126.8312, "t": "2026-11-25T09:58:20Z"},
                    ],
                }
            ]
        },
    )

    client_id: str = ClientId
    vehicle_id: str = VehicleId
    started_at: AwareDatetime
    ended_at: AwareDatetime
    track: list[TrackPoint] = Field(min_length=1, max_length=50_000)

    @model_validator(mode="after")
    def _ordered(self) -> PassIn:
        if self.ended_at < self.started_at:
            raise ValueError(f"ended_at: {self.ended_at.isoformat()} is before started_at")
        return self


class PassResult(BaseModel):
    client_id: str
    pass_id: int
    status: Literal["created", "duplicate"]
    verified_work_orders: list[int]
