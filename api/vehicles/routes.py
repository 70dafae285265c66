"""PUT/GET /v1/vehicles/{vehicle_id}/camera: each vehicle's camera profile."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.auth.deps import AnyCaller, check_vehicle
from api.auth.tables import Role
from api.db import SessionDep, begin_write
from api.errors import ForbiddenError
from api.geo import CameraProfile
from api.geo.camera import DEFAULT_HEIGHT_M, DEFAULT_HFOV_DEG, DEFAULT_IMAGE_WH, DEFAULT_PITCH_DOWN_DEG
from api.vehicles.repository import get_camera, put_camera
from common.contract import MAX_FRAME_SIDE_PX, MIN_FRAME_SIDE_PX

router = APIRouter(prefix="/v1/vehicles", tags=["vehicles"])


MAX_DIST_COEFF = 100.0  # |k| of real lenses stays far below; 1e300 projects every box to a point


class CameraIn(BaseModel):
    """A camera profile; every number finite and in range, and the lens model must keep the image in order
    (a profile that folds the frame over itself would put every sighting of the vehicle in the wrong place).
    """

    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        json_schema_extra={
            "examples": [
                {
                    "height_m": 2.8,
                    "pitch_down_deg": 12,
                    "hfov_deg": 120,
                    "image_wh": [1920, 1080],
                    "dist_coeffs": [-0.32, 0.11, 0.0, 0.0, -0.015],
                }
            ]
        },
    )

    height_m: float = Field(default=DEFAULT_HEIGHT_M, ge=0.2, le=10, description="camera above the road")
    pitch_down_deg: float = Field(default=DEFAULT_PITCH_DOWN_DEG, ge=-10, le=60)
    hfov_deg: float = Field(default=DEFAULT_HFOV_DEG, ge=20, lt=179, description="horizontal field of view")
    image_wh: tuple[int, int] = DEFAULT_IMAGE_WH
    dist_coeffs: list[Annotated[float, Field(ge=-MAX_DIST_COEFF, le=MAX_DIST_COEFF)]] | None = Field(
        default=None, max_length=8, description="OpenCV k1, k2, p1, p2[, k3[, k4..k6]]"
    )

    @model_validator(mode="after")
    def _shape(self) -> CameraIn:
        if not all(MIN_FRAME_SIDE_PX <= side <= MAX_FRAME_SIDE_PX for side in self.image_wh):
            raise ValueError(
                f"image_wh: {list(self.image_wh)} must be two sizes in "
                f"{MIN_FRAME_SIDE_PX}..{MAX_FRAME_SIDE_PX} px"
            )
        if self.dist_coeffs is not None and len(self.dist_coeffs) not in (4, 5, 8):
            raise ValueError(f"dist_coeffs: {len(self.dist_coeffs)} values; OpenCV takes 4, 5 or 8")
        if self.dist_coeffs and not _keeps_order(self.profile()):
            raise ValueError("dist_coeffs: undistorting the frame with them gives no finite, ordered image")
        return self

    def profile(self) -> CameraProfile:
        return CameraProfile(
            self.height_m,
            self.pitch_down_deg,
            self.hfov_deg,
            self.image_wh,
            tuple(self.dist_coeffs) if self.dist_coeffs else None,
        )


def _keeps_order(camera: CameraProfile) -> bool:
    """A 5x5 grid over the frame, undistorted, is finite and still ordered along its rows and columns."""
    w, h = camera.image_wh
    steps = [0.02, 0.25, 0.5, 0.75, 0.98]
    grid = [(fx * w, fy * h) for fy in steps for fx in steps]
    points = camera.undistort_px(grid)
    if not all(math.isfinite(x) and math.isfinite(y) for x, y in points):
        return False
    rows = [points[r * 5 : r * 5 + 5] for r in range(5)]
    return all(a[0] < b[0] for row in rows for a, b in zip(row, row[1:], strict=False)) and all(
        rows[r][c][1] < rows[r + 1][c][1] for r in range(4) for c in range(5)
    )


def _out(vehicle_id: str, c: CameraProfile) -> dict[str, Any]:
    return {
        "vehicle_id": vehicle_id,
        "height_m": c.height_m,
        "pitch_down_deg": c.pitch_down_deg,
        "hfov_deg": c.hfov_deg,
        "image_wh": list(c.image_wh),
        "dist_coeffs": list(c.dist_coeffs) if c.dist_coeffs else None,
    }


VehiclePath = Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@-]+$")


@router.put("/{vehicle_id}/camera")
def put_vehicle_camera(
    camera: CameraIn, session: SessionDep, principal: AnyCaller, vehicle_id: str = VehiclePath
) -> dict[str, Any]:
    if principal.role not in (Role.VEHICLE, Role.MANAGER, Role.ADMIN):
        raise ForbiddenError(f"role '{principal.role}' may not set camera profiles")
    check_vehicle(principal, vehicle_id)
    profile = camera.profile()
    begin_write(session)  # read-then-write
    put_camera(session, vehicle_id, profile)
    session.commit()
    return _out(vehicle_id, profile)


@router.get("/{vehicle_id}/camera")
def get_vehicle_camera(
    session: SessionDep, principal: AnyCaller, vehicle_id: str = VehiclePath
) -> dict[str, Any]:
    check_vehicle(principal, vehicle_id)
    return _out(vehicle_id, get_camera(session, vehicle_id))
