"""Hostile inputs as plain functions: decompression bombs, a valid sighting to spoil, keys per role."""

from __future__ import annotations

import base64
import struct
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import cv2
import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.auth.roster import create_crew
from api.auth.service import create_key

ADMIN_KEY = "security-admin-key-0123456789"
VEHICLE_KEY = "security-vehicle-key-0123456789"
CREW_KEY = "security-crew-key-0123456789"
BOMB_SIDE_PX = 30_000
RECENT = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)


def add_keys(engine: Engine) -> None:
    """A vehicle key for bus-17 and a crew key for crew-1, which the roster must hold first."""
    with Session(engine) as session:
        create_key(session, role="vehicle", name="bus-17", key=VEHICLE_KEY)
        create_crew(session, crew_id="crew-1")
        create_key(session, role="crew", name="crew-1", key=CREW_KEY)


def jpeg(w: int = 64, h: int = 48) -> bytes:
    ok, buf = cv2.imencode(".jpg", np.full((h, w, 3), 90, dtype=np.uint8))
    assert ok
    return buf.tobytes()


def jpeg_bomb(side_px: int = BOMB_SIDE_PX) -> bytes:
    """A 16x16 JPEG whose frame header declares side x side: a few hundred bytes, 2.7 GB decoded."""
    data = bytearray(jpeg(16, 16))
    i = 2
    while data[i + 1] not in (0xC0, 0xC1, 0xC2):
        i += 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
    data[i + 5 : i + 9] = struct.pack(">HH", side_px, side_px)
    return bytes(data)


def png_bomb(side_px: int = BOMB_SIDE_PX) -> bytes:
    """A PNG declaring side x side whose IDAT is a few zlib bytes of a (much smaller) image."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    header = struct.pack(">IIBBBBB", side_px, side_px, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + 3 * 16) * 16)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def webp_bomb(side_px: int = BOMB_SIDE_PX) -> bytes:
    """An extended (VP8X) WebP whose canvas is side x side around a 16x16 lossy image."""
    ok, buf = cv2.imencode(".webp", np.full((16, 16, 3), 90, dtype=np.uint8))
    assert ok
    simple = buf.tobytes()  # RIFF <size> WEBP VP8 ...
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00"
    vp8x += (side_px - 1).to_bytes(3, "little") + (side_px - 1).to_bytes(3, "little")
    body = b"WEBP" + vp8x + simple[12:]
    return b"RIFF" + struct.pack("<I", len(body)) + body


BOMBS = {"jpeg": jpeg_bomb, "png": png_bomb, "webp": webp_bomb}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def item(**overrides: Any) -> dict[str, Any]:
    """A sighting the default camera places ~3 m ahead of a vehicle heading east in Hwaseong."""
    body: dict[str, Any] = {
        "client_id": str(uuid.uuid4()),
        "captured_at": RECENT.isoformat(),
        "gps": {"lat": 37.2, "lon": 126.83, "accuracy_m": 3.0, "heading_deg": 90.0, "speed_mps": 10.0},
        "frame_wh": [1920, 1080],
        "box_xyxy_px": [900.0, 820.0, 1020.0, 880.0],
        "confidence": 0.6,
        "pass_id": "bus-17/pass-1",
    }
    return body | overrides


def batch(*items: dict[str, Any], vehicle_id: str = "bus-17") -> dict[str, Any]:
    return {"vehicle_id": vehicle_id, "items": list(items) or [item()]}


def pass_body(**overrides: Any) -> dict[str, Any]:
    start = RECENT
    body: dict[str, Any] = {
        "client_id": str(uuid.uuid4()),
        "vehicle_id": "bus-17",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=5)).isoformat(),
        "track": [
            {"lat": 37.2, "lon": 126.83, "t": start.isoformat()},
            {"lat": 37.2005, "lon": 126.8312, "t": (start + timedelta(minutes=5)).isoformat()},
        ],
    }
    return body | overrides
