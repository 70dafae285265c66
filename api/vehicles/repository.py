"""Camera profiles and GPS fixes in the database."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from api.geo import DEFAULT_CAMERA, CameraProfile
from api.types import utc_now
from api.vehicles.tables import VehicleCamera, VehicleFix
from common.contract import utc_datetime
from common.gps import GpsFix


def get_camera(session: Session, vehicle_id: str) -> CameraProfile:
    """The vehicle's profile, or the documented default for a vehicle that never sent one."""
    row = session.get(VehicleCamera, vehicle_id)
    if row is None:
        return DEFAULT_CAMERA
    return CameraProfile(
        row.height_m,
        row.pitch_down_deg,
        row.hfov_deg,
        (row.image_w, row.image_h),
        tuple(row.dist_coeffs) if row.dist_coeffs else None,
    )


def put_camera(session: Session, vehicle_id: str, camera: CameraProfile) -> None:
    row = session.get(VehicleCamera, vehicle_id) or VehicleCamera(
        vehicle_id=vehicle_id, height_m=0, pitch_down_deg=0, hfov_deg=0, image_w=0, image_h=0
    )
    row.height_m, row.pitch_down_deg, row.hfov_deg = camera.height_m, camera.pitch_down_deg, camera.hfov_deg
    row.image_w, row.image_h = camera.image_wh
    row.dist_coeffs = list(camera.dist_coeffs) if camera.dist_coeffs else None
    row.updated_at = utc_now()
    session.add(row)


def recent_fixes(session: Session, vehicle_id: str, before: datetime, max_age_s: float) -> list[GpsFix]:
    query = (
        select(VehicleFix)
        .where(
            VehicleFix.vehicle_id == vehicle_id,
            VehicleFix.t < before,
            VehicleFix.t >= before - timedelta(seconds=max_age_s),
        )
        .order_by(col(VehicleFix.t).desc())
        .limit(50)
    )
    return [GpsFix(f.t.timestamp(), f.lat, f.lon, f.accuracy_m) for f in session.exec(query)]


def record_fixes(session: Session, vehicle_id: str, fixes: Iterable[GpsFix]) -> None:
    rows = [
        {
            "vehicle_id": vehicle_id,
            "t": utc_datetime(f.t_utc_s),
            "lat": f.lat,
            "lon": f.lon,
            "accuracy_m": f.accuracy_or_assumed_m,
        }
        for f in fixes
    ]
    if rows:
        # on the Table: a Core insert, without the ORM bulk-insert layer (it runs once per sighting)
        session.execute(insert(VehicleFix.__table__), rows)  # type: ignore[attr-defined]


def prune_fixes(session: Session, vehicle_id: str, older_than: datetime) -> None:
    """Fixes serve only to derive headings (seconds back); coverage lives in the pass tracks."""
    session.execute(
        delete(VehicleFix).where(col(VehicleFix.vehicle_id) == vehicle_id, col(VehicleFix.t) < older_than)
    )
