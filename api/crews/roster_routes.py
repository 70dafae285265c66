"""GET/POST /v1/crews, PATCH /v1/crews/{crew_id}: the crew roster, kept by managers and admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.auth.deps import Manager
from api.auth.roster import CREW_ID_PATTERN, create_crew, list_crews, update_crew
from api.crews.schemas import CrewIn, CrewPatch, CrewPublic, crew_public
from api.db import SessionDep
from api.workorders.service import assigned_counts

router = APIRouter(prefix="/v1/crews", tags=["crews"])
CrewIdPath = Annotated[str, Path(pattern=CREW_ID_PATTERN)]


@router.get("", response_model=list[CrewPublic])
def list_roster(session: SessionDep, _: Manager, active_only: bool = False) -> list[CrewPublic]:
    """Every crew (deactivated ones too, unless `active_only`), with the queued orders each holds."""
    counts = assigned_counts(session)
    return [crew_public(c, counts.get(c.crew_id, 0)) for c in list_crews(session, active_only=active_only)]


@router.post("", response_model=CrewPublic, status_code=201, responses={409: {"description": "id taken"}})
def create_roster_crew(crew_in: CrewIn, session: SessionDep, _: Manager) -> CrewPublic:
    crew = create_crew(
        session,
        crew_id=crew_in.crew_id,
        display_name=crew_in.display_name,
        sees_all_orders=crew_in.sees_all_orders,
    )
    return crew_public(crew, 0)


@router.patch("/{crew_id}", response_model=CrewPublic, responses={404: {"description": "not in the roster"}})
def patch_roster_crew(crew_id: CrewIdPath, change: CrewPatch, session: SessionDep, _: Manager) -> CrewPublic:
    """Deactivate (`active: false`: no new assignments, its keys stop working; its orders stay until a
    manager re-assigns them), reactivate, rename, or grant every crew's orders (`sees_all_orders`)."""
    crew = update_crew(
        session,
        crew_id,
        active=change.active,
        display_name=change.display_name,
        sees_all_orders=change.sees_all_orders,
    )
    return crew_public(crew, assigned_counts(session).get(crew.crew_id, 0))
