"""The policy document (YAML) as validated pydantic models; errors name the key path and value."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from api.errors import PolicyError

__all__ = [
    "DEFAULT_POLICY_PATH",
    "Category",
    "Due",
    "EnrichmentConfig",
    "Policy",
    "Term",
    "load_policy",
    "parse_policy",
]

DEFAULT_POLICY_PATH = Path(__file__).with_name("default_policy.yaml")
FIELDS = ("width_m", "length_m", "age_days", "sightings", "passes", "citizen_reports", "max_confidence")


@dataclass(frozen=True, slots=True)
class EnrichmentConfig:
    """How enrichment reads the layers (the policy's `enrichment` section).

    `district_layer` None: the area layer whose features all carry code+name, with the most features.
    """

    district_layer: str | None = None
    district_fallback_m: float = 200.0
    road_search_m: float = 60.0
    nearby_radius_m: float = 300.0
    nearby_limit: int = 3
    keep_properties: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (layer glob, property names) pairs

    def __post_init__(self) -> None:
        for name in ("district_fallback_m", "road_search_m", "nearby_radius_m"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name}={getattr(self, name)} must be > 0")
        if self.nearby_limit < 1:
            raise ValueError(f"nearby_limit={self.nearby_limit} must be >= 1")


class _Strict(BaseModel):
    """Unknown keys and non-finite numbers (YAML's .nan, .inf) are refused: a NaN score never sorts."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


MAX_DUE_DAYS = 3650  # ten years: past that the due time is no SLA, and far enough out it overflows a date


class Due(_Strict):
    """Exactly one of hours, days (calendar) or working_days (Mon-Fri)."""

    hours: float | None = Field(default=None, gt=0, le=MAX_DUE_DAYS * 24)
    days: float | None = Field(default=None, gt=0, le=MAX_DUE_DAYS)
    working_days: int | None = Field(default=None, gt=0, le=MAX_DUE_DAYS)

    @model_validator(mode="after")
    def _one(self) -> Due:
        if sum(v is not None for v in (self.hours, self.days, self.working_days)) != 1:
            raise ValueError("due: give exactly one of hours, days, working_days")
        return self


class Category(_Strict):
    name: str
    priority: int = Field(ge=1, le=5)
    min_score: float
    due: Due
    label: str = ""


class Term(_Strict):
    """One score rule; exactly one of field / road_class / near / area says what it looks at."""

    group: str
    reason: str
    points: float = 0.0
    field: (
        Literal["width_m", "length_m", "age_days", "sightings", "passes", "citizen_reports", "max_confidence"]
        | None
    ) = None
    min: float | None = None
    max: float | None = None
    road_class: dict[str, float] | None = None
    near: str | None = None
    within_m: float | None = Field(default=None, gt=0)
    property: str | None = None
    area: str | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> Term:
        subjects = [s for s in ("field", "road_class", "near", "area") if getattr(self, s) is not None]
        if len(subjects) != 1:
            raise ValueError(
                f"term {self.group!r}: give exactly one of field, road_class, near, area (got {subjects})"
            )
        if self.near is not None and self.within_m is None:
            raise ValueError(f"term {self.group!r}: 'near' needs within_m")
        if self.field is not None and self.min is None and self.max is None:
            raise ValueError(f"term {self.group!r}: 'field' needs min and/or max")
        return self


class Intervention(_Strict):
    min_width_m: float = Field(default=0.2, ge=0)
    best_category_below: str | None = None


class EnrichmentSection(_Strict):
    district_layer: str | None = None
    district_fallback_m: float = Field(default=200.0, gt=0)
    road_search_m: float = Field(default=60.0, gt=0)
    nearby_radius_m: float = Field(default=300.0, gt=0)
    nearby_limit: int = Field(default=3, ge=1, le=20)
    keep_properties: dict[str, list[str]] = Field(default_factory=dict)


class Policy(_Strict):
    version: int = 1
    name: str = "policy"
    enrichment: EnrichmentSection = EnrichmentSection()
    intervention: Intervention = Intervention()
    terms: tuple[Term, ...] = ()
    categories: tuple[Category, ...]

    @model_validator(mode="after")
    def _categories_ordered(self) -> Policy:
        if not self.categories:
            raise ValueError("categories: at least one category is required")
        scores = [c.min_score for c in self.categories]
        if scores != sorted(scores, reverse=True):
            raise ValueError(f"categories: min_score must go from high to low, got {scores}")
        names = {c.name for c in self.categories}
        below = self.intervention.best_category_below
        if below is not None and below not in names:
            raise ValueError(f"intervention.best_category_below: {below!r} is not one of {sorted(names)}")
        return self

    @property
    def enrichment_config(self) -> EnrichmentConfig:
        section = self.enrichment
        return EnrichmentConfig(
            district_layer=section.district_layer,
            district_fallback_m=section.district_fallback_m,
            road_search_m=section.road_search_m,
            nearby_radius_m=section.nearby_radius_m,
            nearby_limit=section.nearby_limit,
            keep_properties=tuple((k, tuple(v)) for k, v in section.keep_properties.items()),
        )


def parse_policy(text: str | dict[str, Any]) -> Policy:
    """YAML (or JSON, which is YAML) text or an already-parsed mapping -> Policy."""
    try:
        doc = yaml.safe_load(text) if isinstance(text, str) else text
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy: not valid YAML ({exc})") from exc
    if not isinstance(doc, dict):
        raise PolicyError(f"policy: a mapping is required, got {type(doc).__name__}")
    try:
        return Policy.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        if not first["loc"]:
            raise PolicyError(f"policy: {first['msg'].removeprefix('Value error, ')}") from exc
        where = ".".join(str(p) for p in first["loc"])
        got = repr(first.get("input"))[:200]
        raise PolicyError(
            f"policy.{where}: {first['msg'].removeprefix('Value error, ')} (got {got})"
        ) from exc


def load_policy(path: Path | None = None) -> Policy:
    path = path or DEFAULT_POLICY_PATH
    try:
        return parse_policy(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"policy path {path}: {exc.strerror}") from exc
