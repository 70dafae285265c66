"""Crew roster API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.auth.roster import CREW_ID_PATTERN, MAX_DISPLAY_NAME
from api.auth.tables import Crew


class CrewIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"crew_id": "crew-3", "display_name": "보수 3조 (Repair crew 3)"}]},
    )

    crew_id: str = Field(pattern=CREW_ID_PATTERN, description="the id orders are assigned to and keys named")
    display_name: str | None = Field(default=None, min_length=1, max_length=MAX_DISPLAY_NAME)
    sees_all_orders: bool = Field(default=False, description="see every crew's orders, not only its own")


class CrewPatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"active": False}, {"sees_all_orders": True}]}
    )

    active: bool | None = Field(default=None, description="false: deactivate (its keys stop working)")
    display_name: str | None = Field(default=None, min_length=1, max_length=MAX_DISPLAY_NAME)
    sees_all_orders: bool | None = None


class CrewPublic(BaseModel):
    crew_id: str
    display_name: str | None
    active: bool
    sees_all_orders: bool
    active_orders: int = Field(description="orders in the queue assigned to this crew")
    created_at: datetime
    updated_at: datetime


def crew_public(crew: Crew, active_orders: int) -> CrewPublic:
    return CrewPublic(
        crew_id=crew.crew_id,
        display_name=crew.display_name,
        active=crew.active,
        sees_all_orders=crew.sees_all_orders,
        active_orders=active_orders,
        created_at=crew.created_at,
        updated_at=crew.updated_at,
    )
