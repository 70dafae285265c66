"""Work order API shapes."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.workorders.tables import WorkOrder, WorkOrderEvent, WorkOrderStatus


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
            "a repair photo (JPEG or PNG, base64, <= 512 KiB decoded), kept with this change in the "
            "history and served at the event's `photo_url`"
        ),
    )

    @field_validator("photo_jpeg_b64")
    @classmethod
    def _photo_is_an_image(cls, value: str | None) -> str | None:
        if value is not None:
            decode_photo(value)
        return value

    def photo(self) -> tuple[bytes, str] | None:
        """(image bytes, media type) of the validated photo, or None."""
        return None if self.photo_jpeg_b64 is None else decode_photo(self.photo_jpeg_b64)


class EventPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    from_status: str | None
    to_status: str
    note: str | None
    photo_url: str | None = Field(default=None, description="the repair photo sent with this change")


MAX_PHOTO_BYTES = 512 * 1024
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def decode_photo(b64: str) -> tuple[bytes, str]:
    """base64 -> (bytes, media type); ValueError (a 422 naming the field) unless it is a whole JPEG/PNG."""
    try:
        data = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64") from None
    if len(data) > MAX_PHOTO_BYTES:
        raise ValueError(f"{len(data)} bytes decoded exceeds {MAX_PHOTO_BYTES} (512 KiB)")
    if data.startswith(JPEG_MAGIC):
        if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
            raise ValueError(f"a corrupt JPEG ({len(data)} bytes, no end-of-image marker)")
        media_type = "image/jpeg"
    elif data.startswith(PNG_MAGIC):
        media_type = "image/png"
    else:
        raise ValueError(f"not a JPEG or PNG image (first bytes {data[:8].hex()})")
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise ValueError(f"a corrupt image ({len(data)} bytes could not be decoded)")
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
