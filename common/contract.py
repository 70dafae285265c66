"""The wire contract of the ingest endpoints: what a vehicle sends and what the API answers.

The agent builds its bodies with these models and the API validates with them, so the OpenAPI schema,
the server's checks and what the vehicle sends cannot drift apart.

- `POST /v1/sightings`: `SightingBatchIn` -> `BatchResult` (200). Detections made on the vehicle; each item
  is applied in its own transaction, after the whole batch was checked (a 422 names `items[i].field` and
  nothing is applied).
- `POST /v1/frames` (multipart): a file `image` (JPEG or PNG, at most `MAX_FRAME_BYTES` by default) and a
  field `metadata`, a `FrameMetaIn` as a JSON string -> `FrameResult`: the server runs its detector; 201
  the first time, 200 with the first answer on a replay.
- `POST /v1/passes`: `PassIn` -> `PassResult` (201, 200 on a replay). Patrol coverage: a pass over a
  repaired pothole without a sighting verifies the repair. Send a pass after its sightings, with the
  pass's `client_id` as their `pass_id`.

Callers authenticate with `X-API-Key`: a vehicle key may send only its own `vehicle_id`; an admin key any.
Every body carries a client-generated `client_id` (its idempotency key): a retry answers what the first
call did, so a vehicle retries with the same ids until it gets an answer. Times carry an offset (UTC);
the service refuses times more than a few minutes in the future (`POTHOLE_MAX_FUTURE_S`, 300 s).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    PlainSerializer,
    model_validator,
)

from common.gps import ASSUMED_ACCURACY_M, GpsFix
from common.images import MAX_CROP_BYTES

__all__ = [
    "MAX_BATCH_ITEMS",
    "MAX_FRAME_SIDE_PX",
    "MIN_FRAME_SIDE_PX",
    "BatchResult",
    "Box",
    "FrameDetection",
    "FrameMetaIn",
    "FrameResult",
    "GpsIn",
    "ItemResult",
    "PassIn",
    "PassResult",
    "SightingBatchIn",
    "SightingIn",
    "TrackPoint",
    "box_inside_frame",
    "clip_box",
    "format_time_utc",
    "utc_datetime",
    "wire_json",
]

Box = tuple[float, float, float, float]
MAX_BATCH_ITEMS = 500
MAX_TRACK_POINTS = 50_000
MIN_FRAME_SIDE_PX, MAX_FRAME_SIDE_PX = 16, 20_000
MIN_YEAR, MAX_YEAR = 1970, 2200


def utc_datetime(t_utc_s: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(t_utc_s, tz=dt.UTC)


def _format_utc(stamp: dt.datetime) -> str:
    stamp = stamp.astimezone(dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def format_time_utc(t_utc_s: float) -> str:
    """Epoch seconds -> '2026-11-25T10:00:00.120Z' (milliseconds, UTC), the time format on the wire."""
    return _format_utc(utc_datetime(t_utc_s))


def _plausible_year(stamp: dt.datetime) -> dt.datetime:
    """Years outside MIN_YEAR..MAX_YEAR are a broken clock (or a probe): converting year 1 or 9999 to UTC
    overflows. The service bounds times more tightly around its own clock (POTHOLE_MAX_PAST_S, _FUTURE_S)."""
    if not MIN_YEAR <= stamp.year <= MAX_YEAR:
        raise ValueError(f"year {stamp.year} is outside {MIN_YEAR}..{MAX_YEAR}")
    return stamp


# Accepts any offset; written as UTC milliseconds with a Z.
UtcTime = Annotated[
    AwareDatetime,
    AfterValidator(_plausible_year),
    PlainSerializer(_format_utc, return_type=str, when_used="json"),
]

ClientId = Field(
    min_length=1,
    max_length=128,
    pattern=r"^[A-Za-z0-9._:@/+-]+$",
    description="client-generated idempotency key (a UUID is ideal)",
)
VehicleId = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@-]+$")

EXAMPLE_GPS: dict[str, JsonValue] = {
    "lat": 37.2,
    "lon": 126.83,
    "accuracy_m": 4.9,
    "heading_deg": 87.5,
    "speed_mps": 11.2,
}


def wire_json(model: BaseModel) -> dict[str, Any]:
    """The JSON body of a model as a vehicle sends it: fields left unset or None are not sent."""
    return model.model_dump(mode="json", exclude_unset=True, exclude_none=True)


def box_inside_frame(box_xyxy_px: Box, frame_wh: tuple[int, int]) -> bool:
    x1, y1, x2, y2 = box_xyxy_px
    return 0 <= x1 < x2 <= frame_wh[0] and 0 <= y1 < y2 <= frame_wh[1]


def clip_box(box_xyxy_px: Box, frame_wh: tuple[int, int], *, min_side_px: float = 1.0) -> Box | None:
    """The box cut to the frame, or None when under `min_side_px` of it is left on either axis.

    A detector's box may overhang the border (a replay, a tile); the contract takes only boxes inside
    the frame, and a sliver of a pixel has nothing to crop or measure.
    """
    width, height = float(frame_wh[0]), float(frame_wh[1])
    x1, y1, x2, y2 = (float(v) for v in box_xyxy_px)
    x1, x2 = min(max(x1, 0.0), width), min(max(x2, 0.0), width)
    y1, y2 = min(max(y1, 0.0), height), min(max(y2, 0.0), height)
    if x2 - x1 < min_side_px or y2 - y1 < min_side_px:
        return None
    return x1, y1, x2, y2


class GpsIn(BaseModel):
    """The fix a detection or frame was taken at; a missing heading is derived by the service."""

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, json_schema_extra={"examples": [EXAMPLE_GPS]}
    )

    lat: float = Field(ge=-90, le=90, description="WGS84 degrees")
    lon: float = Field(ge=-180, le=180, description="WGS84 degrees")
    accuracy_m: float = Field(
        default=ASSUMED_ACCURACY_M, ge=0, le=1000, description="horizontal accuracy (95 %), metres"
    )
    heading_deg: float | None = Field(
        default=None,
        ge=0,
        le=360,
        description="clockwise from true north; derived from earlier fixes if absent",
    )
    speed_mps: float | None = Field(default=None, ge=0, le=100)

    @classmethod
    def from_fix(cls, fix: GpsFix) -> GpsIn:
        """Only what the receiver measured (lat/lon to 1 mm, the rest to 3 decimals)."""
        measured = {"accuracy_m": fix.accuracy_m, "heading_deg": fix.heading_deg, "speed_mps": fix.speed_mps}
        known = {name: round(float(v), 3) for name, v in measured.items() if v is not None}
        return cls(lat=round(fix.lat, 8), lon=round(fix.lon, 8), **known)

    def to_fix(self, t_utc_s: float) -> GpsFix:
        return GpsFix(t_utc_s, self.lat, self.lon, self.accuracy_m, self.heading_deg, self.speed_mps)


class SightingIn(BaseModel):
    """One pothole seen from the vehicle: its best frame's box, time and fix (one per track and pass)."""

    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
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
    captured_at: UtcTime = Field(description="UTC capture time (an offset is required)")
    gps: GpsIn
    frame_wh: tuple[int, int] = Field(
        description=f"frame width and height, pixels ({MIN_FRAME_SIDE_PX}..{MAX_FRAME_SIDE_PX} each)"
    )
    box_xyxy_px: Box = Field(description="box corners in frame pixels, inside the frame")
    confidence: float = Field(ge=0, le=1)
    model_id: str | None = Field(default=None, max_length=128)
    pass_id: str | None = Field(
        default=None, max_length=128, description="one patrol pass (same id as POST /v1/passes)"
    )
    track_id: str | None = Field(default=None, max_length=64)
    crop_jpeg_b64: str | None = Field(
        default=None,
        description=f"JPEG crop of the pothole, <= {MAX_CROP_BYTES // 1024} KiB decoded "
        "(the service's POTHOLE_MAX_CROP_BYTES)",
    )

    @model_validator(mode="after")
    def _box_inside_frame(self) -> SightingIn:
        w, h = self.frame_wh
        if not (MIN_FRAME_SIDE_PX <= w <= MAX_FRAME_SIDE_PX and MIN_FRAME_SIDE_PX <= h <= MAX_FRAME_SIDE_PX):
            raise ValueError(
                f"frame_wh: {list(self.frame_wh)} must be two sizes in "
                f"{MIN_FRAME_SIDE_PX}..{MAX_FRAME_SIDE_PX} px"
            )
        if not box_inside_frame(self.box_xyxy_px, self.frame_wh):
            raise ValueError(f"box_xyxy_px: {list(self.box_xyxy_px)} is not a box inside the {w}x{h} frame")
        return self


class SightingBatchIn(BaseModel):
    """One vehicle's sightings; at most `MAX_BATCH_ITEMS` per request."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    vehicle_id: str = VehicleId
    items: list[SightingIn] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)


class ItemResult(BaseModel):
    """What became of one item: `created`, `duplicate` (a retry: the first ids), or `rejected`.

    A rejected item was valid but cannot be placed on the road (box above the horizon, beyond the
    service's range, no heading given and none derivable, a position past a pole); `detail` says why and
    `index` is its place in the batch. A rejected item wrote nothing but its GPS fix; the others stand.
    """

    client_id: str
    index: int | None = Field(default=None, description="the item's position in the batch (0-based)")
    status: Literal["created", "duplicate", "rejected"]
    sighting_id: int | None = None
    pothole_id: int | None = None
    detail: str | None = None


class BatchResult(BaseModel):
    results: list[ItemResult]


class FrameMetaIn(BaseModel):
    """The `metadata` field of POST /v1/frames, as a JSON string beside the image file."""

    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
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
    captured_at: UtcTime
    gps: GpsIn
    pass_id: str | None = Field(default=None, max_length=128)


class FrameDetection(BaseModel):
    """One box the server's detector found; `detail` says why it has no pothole, else null."""

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
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    t: UtcTime

    @classmethod
    def from_fix(cls, fix: GpsFix) -> TrackPoint:
        """A driven point to 1 cm."""
        return cls(lat=round(fix.lat, 7), lon=round(fix.lon, 7), t=utc_datetime(fix.t_utc_s))


class PassIn(BaseModel):
    """Where one patrol pass drove, from its first to its last frame."""

    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
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
    started_at: UtcTime
    ended_at: UtcTime
    track: list[TrackPoint] = Field(min_length=1, max_length=MAX_TRACK_POINTS)

    @model_validator(mode="after")
    def _ordered(self) -> PassIn:
        if self.ended_at < self.started_at:
            raise ValueError(f"ended_at: {self.ended_at.isoformat()} is before started_at")
        return self


class PassResult(BaseModel):
    """`verified_work_orders`: repaired potholes this pass drove over without seeing them again."""

    client_id: str
    pass_id: int
    status: Literal["created", "duplicate"]
    verified_work_orders: list[int]
