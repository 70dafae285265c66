"""Work order API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.workorders.tables import WorkOrder, WorkOrderEvent, WorkOrderStatus
from common.images import MAX_CROP_BYTES, MAX_IMAGE_PIXELS, decode_base64, inspect_image


class WorkOrderPublic(BaseModel):
    id: int
    pothole_id: int
    status: str
    priority: int
    category: str
    due_at: datetime
    score: float
    score_terms: list[dict[str, Any]]
    assignee: str | None
    created_at: datetime
    updated_at: datetime
    repaired_at: datetime | None
    lat: float | None = None
    lon: float | None = None


class WorkOrderPatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"status": "assigned", "assignee": "crew-3", "note": "Tuesday round"},
                {"status": "rejected", "note": "not a pothole: manhole cover"},
            ]
        },
    )

    status: WorkOrderStatus
    note: str | None = Field(default=None, max_length=2000)
    assignee: str | None = Field(default=None, min_length=1, max_length=128)
    photo_jpeg_b64: str | None = Field(
        default=None,
        description=(
            f"a repair photo (JPEG or PNG, base64, <= {MAX_CROP_BYTES // 1024} KiB decoded), kept with "
            "this change in the history and served at the event's `photo_url`"
        ),
    )

    @field_validator("photo_jpeg_b64")
    @classmethod
    def _photo_is_an_image(cls, value: str | None) -> str | None:
        """Cheap checks only (base64, bytes, type, header): validation runs on the event loop, so the
        pixels are decoded later, in the route's worker thread (`api.images.reencode`)."""
        if value is not None:
            decode_photo(value)
        return value

    def photo(self) -> tuple[bytes, str] | None:
        """(image bytes, media type) of the validated photo as sent, or None."""
        return None if self.photo_jpeg_b64 is None else decode_photo(self.photo_jpeg_b64)


class EventPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    from_status: str | None
    to_status: str
    note: str | None
    photo_url: str | None = Field(default=None, description="the repair photo sent with this change")


def decode_photo(b64: str) -> tuple[bytes, str]:
    """base64 -> (bytes, media type); ValueError (a 422 naming the field) unless it is a whole JPEG/PNG
    whose header declares a size of at most `MAX_IMAGE_PIXELS` (POTHOLE_MAX_IMAGE_PIXELS may lower it)."""
    data, media_type = decode_base64(b64, "photo_jpeg_b64", max_bytes=MAX_CROP_BYTES)
    inspect_image(data, "photo_jpeg_b64", max_pixels=MAX_IMAGE_PIXELS)
    return data, media_type


def order_public(o: WorkOrder, lat: float | None = None, lon: float | None = None) -> WorkOrderPublic:
    assert o.id is not None
    return WorkOrderPublic(
        id=o.id,
        pothole_id=o.pothole_id,
        status=o.status,
        priority=o.priority,
        category=o.category,
        due_at=o.due_at,
        score=o.score,
        score_terms=list(o.score_terms),
        assignee=o.assignee,
        created_at=o.created_at,
        updated_at=o.updated_at,
        repaired_at=o.repaired_at,
        lat=lat,
        lon=lon,
    )


def event_public(e: WorkOrderEvent) -> EventPublic:
    assert e.id is not None
    photo_url = f"/v1/work-orders/{e.work_order_id}/history/{e.id}/photo" if e.photo_type else None
    return EventPublic(
        id=e.id,
        at=e.at,
        actor=e.actor,
        from_status=e.from_status,
        to_status=e.to_status,
        note=e.note,
        photo_url=photo_url,
    )
