"""The crew roster, and its only writer: who the crews are, which are active, and what a manager granted.

Work orders are assigned only to an active crew of the roster, and a crew key belongs to one, so a typo
(`crew-typo`) or a vehicle's name (`bus-17`) is refused where it is typed instead of filing work nobody
sees. A crew is deactivated, never deleted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.auth.tables import Crew
from api.errors import ConflictError, InvalidInputError, NotFoundError
from api.types import utc_now

__all__ = [
    "CREW_ID_PATTERN",
    "MAX_DISPLAY_NAME",
    "create_crew",
    "get_crew",
    "list_crews",
    "require_active_crew",
    "update_crew",
]

CREW_ID_PATTERN = r"^[A-Za-z0-9._:@-]{1,128}$"  # the vehicle id's alphabet: safe in URLs, logs and CSV
MAX_DISPLAY_NAME = 200


def _check_crew_id(crew_id: str, field: str) -> None:
    if not re.fullmatch(CREW_ID_PATTERN, crew_id):
        raise InvalidInputError(f"{field}: must be 1..128 of A-Z a-z 0-9 . _ : @ -")


def _check_display_name(display_name: str | None) -> None:
    if display_name is not None and not 1 <= len(display_name) <= MAX_DISPLAY_NAME:
        raise InvalidInputError(f"display_name: must be 1..{MAX_DISPLAY_NAME} characters")


def get_crew(session: Session, crew_id: str) -> Crew | None:
    return session.get(Crew, crew_id)


def list_crews(session: Session, *, active_only: bool = False) -> Sequence[Crew]:
    query = select(Crew).order_by(col(Crew.crew_id))
    if active_only:
        query = query.where(col(Crew.active).is_(True))
    return session.exec(query).all()


def require_active_crew(session: Session, crew_id: str, field: str) -> Crew:
    """The active roster crew `crew_id`, or a 422 naming `field` (the value is not echoed)."""
    crew = session.get(Crew, crew_id)
    if crew is None or not crew.active:
        raise InvalidInputError(
            f"{field}: no active crew with that id in the roster (GET /v1/crews, `pothole crews list`)"
        )
    return crew


def create_crew(
    session: Session, *, crew_id: str, display_name: str | None = None, sees_all_orders: bool = False
) -> Crew:
    """Add an active crew and commit; ConflictError when the id is taken (also by a deactivated crew)."""
    _check_crew_id(crew_id, "crew_id")
    _check_display_name(display_name)
    now = utc_now()
    crew = Crew(
        crew_id=crew_id,
        display_name=display_name,
        sees_all_orders=sees_all_orders,
        created_at=now,
        updated_at=now,
    )
    session.add(crew)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError("crew_id: a crew with that id exists (deactivated crews keep their id)") from None
    session.refresh(crew)
    return crew


def update_crew(
    session: Session,
    crew_id: str,
    *,
    active: bool | None = None,
    display_name: str | None = None,
    sees_all_orders: bool | None = None,
) -> Crew:
    """Change what is given (None: unchanged) and commit; NotFoundError for an id not in the roster."""
    _check_display_name(display_name)
    crew = session.get(Crew, crew_id, with_for_update=True)
    if crew is None:
        raise NotFoundError("crew_id: no crew with that id in the roster")
    if active is not None:
        crew.active = active
    if display_name is not None:
        crew.display_name = display_name
    if sees_all_orders is not None:
        crew.sees_all_orders = sees_all_orders
    crew.updated_at = utc_now()
    session.add(crew)
    session.commit()
    session.refresh(crew)
    return crew
