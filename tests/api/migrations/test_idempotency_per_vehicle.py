"""Migration 0105 on a database with data: every frame, sighting and pass is kept, client_ids become unique
per vehicle, and stored pass keys name their vehicle (a time-bucketed key is already the vehicle's)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, create_engine, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from api.migrate import alembic_config, upgrade_head

BEFORE = "0104_key_lifecycle"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC).replace(tzinfo=None)
POTHOLE = {
    "lat": 37.2,
    "lon": 127.07,
    "cell_y": 0,
    "cell_x": 0,
    "status": "candidate",
    "uncertainty_m": 1.0,
    "min_uncertainty_m": 1.0,
    "weight_sum": 1.0,
    "width_m": 0.3,
    "length_m": 0.3,
    "sighting_count": 2,
    "pass_count": 1,
    "first_seen": T0,
    "last_seen": T0,
    "max_confidence": 0.9,
    "context": {},
    "created_at": T0,
    "updated_at": T0,
}


def _sighting(
    client_id: str, vehicle_id: str, pass_key: str, pothole_id: int, frame_id: int
) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "vehicle_id": vehicle_id,
        "pothole_id": pothole_id,
        "frame_id": frame_id,
        "captured_at": T0,
        "gps_lat": 37.2,
        "gps_lon": 127.07,
        "gps_accuracy_m": 3.0,
        "heading_used_deg": 90.0,
        "frame_w": 1920,
        "frame_h": 1080,
        "box_xyxy_px": [1, 2, 3, 4],
        "confidence": 0.9,
        "pass_key": pass_key,
        "lat": 37.2,
        "lon": 127.07,
        "uncertainty_m": 1.0,
        "width_m": 0.3,
        "length_m": 0.3,
        "negative": False,
        "created_at": T0,
    }


def _frame(client_id: str, vehicle_id: str) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "vehicle_id": vehicle_id,
        "captured_at": T0,
        "frame_w": 1920,
        "frame_h": 1080,
        "detections": [],
        "created_at": T0,
    }


def _pass(client_id: str, vehicle_id: str) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "vehicle_id": vehicle_id,
        "started_at": T0,
        "ended_at": T0,
        "track": [],
        "verified_orders": [],
        "created_at": T0,
    }


def check_keys_become_per_vehicle(url: str) -> None:
    command.downgrade(alembic_config(url), BEFORE)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        tables = {n: Table(n, MetaData(), autoload_with=conn) for n in ("pothole", "frame", "sighting")}
        pothole_id = conn.execute(
            insert(tables["pothole"]).values(POTHOLE).returning(tables["pothole"].c.id)
        ).scalar_one()
        frame_id = conn.execute(
            insert(tables["frame"]).values(_frame("f-1", "bus-17")).returning(tables["frame"].c.id)
        ).scalar_one()
        conn.execute(
            insert(tables["sighting"]),
            [
                _sighting("s-1", "bus-17", "p-1", pothole_id, frame_id),
                _sighting("s-2", "bus-17", "bus-17@29512345", pothole_id, frame_id),
            ],
        )
        conn.execute(
            insert(Table("patrol_pass", MetaData(), autoload_with=conn)).values(_pass("p-1", "bus-17"))
        )
    upgrade_head(url)
    with engine.begin() as conn:
        sighting = Table("sighting", MetaData(), autoload_with=conn)
        rows = conn.execute(select(sighting.c.client_id, sighting.c.pass_key, sighting.c.frame_id)).all()
        assert sorted(tuple(r) for r in rows) == [
            ("s-1", "bus-17/p-1", frame_id),
            ("s-2", "bus-17@29512345", frame_id),
        ]
        # another vehicle may now use the same ids
        frame = Table("frame", MetaData(), autoload_with=conn)
        conn.execute(insert(frame).values(_frame("f-1", "bus-18")))
        conn.execute(insert(sighting).values(_sighting("s-1", "bus-18", "bus-18/p-1", pothole_id, frame_id)))
        conn.execute(
            insert(Table("patrol_pass", MetaData(), autoload_with=conn)).values(_pass("p-1", "bus-18"))
        )
    with pytest.raises(IntegrityError), engine.begin() as conn:  # but one vehicle never twice
        conn.execute(insert(Table("frame", MetaData(), autoload_with=conn)).values(_frame("f-1", "bus-17")))
    with engine.begin() as conn:  # the downgrade needs globally unique ids again
        for name in ("sighting", "frame", "patrol_pass"):
            table = Table(name, MetaData(), autoload_with=conn)
            conn.execute(table.delete().where(table.c.vehicle_id == "bus-18"))
    command.downgrade(alembic_config(url), BEFORE)
    with engine.begin() as conn:
        sighting = Table("sighting", MetaData(), autoload_with=conn)
        keys = conn.execute(select(sighting.c.pass_key).order_by(sighting.c.client_id)).scalars().all()
        assert keys == ["p-1", "bus-17@29512345"]
    upgrade_head(url)
    engine.dispose()


def test_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    upgrade_head(url)
    check_keys_become_per_vehicle(url)


@pytest.mark.postgres
def test_postgres(private_postgres_database: Callable[[str], AbstractContextManager[str]]) -> None:
    with private_postgres_database("pw_migration") as url:
        check_keys_become_per_vehicle(url)
