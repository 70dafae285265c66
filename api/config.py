"""Every knob of the service, from POTHOLE_* environment variables (or .env); defaults run the demo."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.contract import MAX_BATCH_ITEMS
from common.gps import HEADING_MAX_AGE_S, HEADING_MIN_BASELINE_M
from common.images import MAX_CROP_BYTES, MAX_FRAME_BYTES, MAX_IMAGE_PIXELS


class RateLimit(BaseModel):
    """A token bucket: `burst` requests at once, refilled at `per_s` a second."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    per_s: float = Field(gt=0, le=1e6)
    burst: float = Field(ge=1, le=1e6)


# Keyed by role, or "role.bucket" for a bucket of its own (api/auth/ratelimit.py names the buckets); a role
# without an entry (or with null) is not limited. Frames have their own bucket, so a vehicle streaming
# frames never spends the tokens its sightings need.
DEFAULT_RATE_LIMITS: dict[str, RateLimit | None] = {
    "vehicle": RateLimit(per_s=10, burst=200),
    "vehicle.frames": RateLimit(per_s=2, burst=20),
    "crew": RateLimit(per_s=5, burst=100),
    "manager": RateLimit(per_s=20, burst=400),
    "metrics": RateLimit(per_s=1, burst=10),
    "admin": None,
}


class Settings(BaseSettings):
    """Read in `create_app` (never at import); each field is the env var POTHOLE_<FIELD NAME>."""

    model_config = SettingsConfigDict(env_prefix="POTHOLE_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./pothole-watch.db"
    # "upgrade": alembic upgrade head at start-up (demo convenience); "create_all": tests; "off": ops run
    # `pothole db upgrade` themselves (several workers on PostgreSQL)
    migrate_on_start: Literal["upgrade", "create_all", "off"] = "upgrade"
    weights: Path | None = None
    layers_dir: Path | None = None
    bootstrap_admin_key: str | None = None
    load_model: bool = True
    require_model: bool = True
    detector_threads: int | None = Field(default=None, ge=1, le=64)

    # ingest limits
    max_upload_bytes: int = Field(default=MAX_FRAME_BYTES, gt=0)
    max_batch_bytes: int = Field(default=64 * 1024 * 1024, gt=0)  # a sightings batch with crops, a pass
    max_crop_bytes: int = Field(default=MAX_CROP_BYTES, gt=0)
    ingest_concurrency: int | None = Field(default=None, ge=1, le=64)  # batches at once; None: 2 SQLite, 8 PG
    max_batch_items: int = Field(default=MAX_BATCH_ITEMS, ge=1)
    max_future_s: float = Field(default=300.0, ge=0)
    # how old a capture or a pass may be when it arrives (a vehicle offline longer dead-letters it)
    max_past_s: float = Field(default=30 * 86_400.0, gt=0)
    # every other POST/PUT/PATCH body (layers, policies, work orders, cameras, Open311 reports)
    max_body_bytes: int = Field(default=8 * 1024 * 1024, gt=0)
    # an uploaded image's width x height, read from its header before any pixel is decoded
    max_image_pixels: int = Field(default=MAX_IMAGE_PIXELS, gt=0)
    image_decode_concurrency: int = Field(default=2, ge=1, le=64)  # decodes in flight per worker

    # geolocation and de-duplication
    dedup_radius_m: float = Field(default=5.0, gt=0, le=50)
    max_join_radius_m: float = Field(default=12.0, gt=0, le=50)
    grid_cell_m: float = Field(default=10.0, gt=1, le=100)
    max_range_m: float = Field(default=60.0, gt=1, le=500)
    heading_min_baseline_m: float = Field(default=HEADING_MIN_BASELINE_M, gt=0)
    fix_retention_s: float = Field(default=86_400.0, gt=0)  # GPS fixes kept for headings (pruned per pass)
    heading_max_age_s: float = Field(default=HEADING_MAX_AGE_S, gt=0)
    confirm_passes: int = Field(default=2, ge=1)
    confirm_confidence: float = Field(default=0.85, ge=0, le=1)
    pass_gap_s: float = Field(default=1800.0, gt=0)
    # a pass's GPS bias is estimated from its sightings this close in time (GNSS bias drifts over minutes)
    pass_bias_window_s: float = Field(default=30.0, ge=0, le=600)

    # repair verification: a pass track within this distance of a repaired pothole verifies it
    verify_radius_m: float = Field(default=10.0, gt=0, le=100)

    # the queue
    queue_limit_default: int = Field(default=100, ge=1, le=1000)
    route_max_stops: int = Field(default=60, ge=2, le=500)

    # city layers and the priority policy
    policy_path: Path | None = None  # None: api/policy/default_policy.yaml
    layer_max_bytes: int = Field(default=32 * 1024 * 1024, gt=0)  # the cap parse_layer applies by default
    layers_refresh_s: float = Field(default=2.0, ge=0)  # each worker checks the database this often
    # demo only: at start-up, add a SYNTHETIC street grid (layer `roads_synthetic`) inside this district
    # (a name or code of the policy's district layer) when no such layer exists yet
    synthetic_roads_district: str | None = None

    # publishing: `public_read` opens OGC API and Open311 *reads* without a key
    public_read: bool = True
    open311_jurisdiction_id: str = "hwaseong.go.kr"
    open311_join_radius_m: float = Field(default=25.0, gt=0, le=200)
    open311_report_uncertainty_m: float = Field(default=15.0, gt=0)
    agency_responsible: str = "Hwaseong-si road maintenance"

    # per-key rate limits: POTHOLE_RATE_LIMITS='{"vehicle": {"per_s": 5, "burst": 50}}' replaces the
    # entries it names and keeps the other defaults; shared by every worker on PostgreSQL
    rate_limits_enabled: bool = True
    rate_limits: dict[str, RateLimit | None] = Field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))

    log_json: bool = True
    log_level: str = "INFO"

    @field_validator("rate_limits", mode="after")
    @classmethod
    def _over_defaults(cls, given: dict[str, RateLimit | None]) -> dict[str, RateLimit | None]:
        return DEFAULT_RATE_LIMITS | given


@lru_cache
def get_settings() -> Settings:
    return Settings()
