"""The layers part's tables: city layers and priority policies, versioned, shared by every worker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from api.types import JsonType, UtcDateTime, utc_now


class CityLayer(SQLModel, table=True):
    """One layer's current GeoJSON; `revision` is a counter across all layers (a worker compares its max)."""

    __tablename__ = "city_layer"

    name: str = Field(primary_key=True, max_length=64)
    version: int = 1
    revision: int = Field(index=True)
    kind: str = Field(max_length=8)
    origin: str = Field(max_length=200)  # "dir:<file name>" (seeded at start-up) or "api:<key name>"
    sha256: str = Field(max_length=64)
    feature_count: int
    title: str | None = Field(default=None, max_length=300)
    repairs: list[Any] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    geojson: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class PriorityPolicy(SQLModel, table=True):
    """Every policy ever applied; the one with the highest id is in force."""

    __tablename__ = "priority_policy"

    id: int | None = Field(default=None, primary_key=True)
    origin: str = Field(max_length=200)
    sha256: str = Field(max_length=64)
    document: str = Field(sa_column=Column(Text, nullable=False))  # YAML as sent
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
