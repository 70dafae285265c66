"""The layers/publishing knobs, from POTHOLE_* environment variables like the backend's Settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.layers.geojson import DEFAULT_MAX_BYTES


class LayersSettings(BaseSettings):
    """Read in the lifespan (never at import). `public_read` opens OGC and Open311 *reads* without a key."""

    model_config = SettingsConfigDict(env_prefix="POTHOLE_", env_file=".env", extra="ignore")

    policy_path: Path | None = None  # None: api/policy/default_policy.yaml
    public_read: bool = True
    layer_max_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=0)
    layers_refresh_s: float = Field(default=2.0, ge=0)
    open311_jurisdiction_id: str = "hwaseong.go.kr"
    open311_join_radius_m: float = Field(default=25.0, gt=0, le=200)
    open311_report_uncertainty_m: float = Field(default=15.0, gt=0)
    agency_responsible: str = "Hwaseong-si road maintenance"
    # demo only: at start-up, add a SYNTHETIC street grid (layer `roads_synthetic`) inside this district
    # (a name or code of the policy's district layer) when no such layer exists yet
    synthetic_roads_district: str | None = None
