"""Request dependencies: who is calling (X-API-Key) and whether their role may do this."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlmodel import Session

from api.auth.service import Principal, authenticate
from api.auth.tables import Role
from api.errors import AuthError, ForbiddenError
from api.services import services_of

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key from `pothole keys create`"
)


def current_principal(request: Request, key: Annotated[str | None, Security(api_key_header)]) -> Principal:
    """Looks the key up in its own short session, so the route's transaction starts clean."""
    if not key:
        raise AuthError("X-API-Key: header missing")
    with Session(services_of(request.app).engine) as session:
        principal = authenticate(session, key)
    if principal is None:
        raise AuthError("X-API-Key: unknown or revoked key")
    request.state.principal = principal
    return principal


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    allowed = frozenset(roles)

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in allowed:
            raise ForbiddenError(
                f"role '{principal.role}' may not do this (needs one of {sorted(r.value for r in allowed)})"
            )
        return principal

    return check


AnyCaller = Annotated[Principal, Depends(current_principal)]
Ingester = Annotated[Principal, Depends(require_roles(Role.VEHICLE, Role.ADMIN))]
Staff = Annotated[Principal, Depends(require_roles(Role.CREW, Role.MANAGER, Role.ADMIN))]
Manager = Annotated[Principal, Depends(require_roles(Role.MANAGER, Role.ADMIN))]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


def check_vehicle(principal: Principal, vehicle_id: str) -> None:
    """A vehicle key ingests only as itself; an admin may ingest for any vehicle."""
    if principal.role == Role.VEHICLE and principal.name != vehicle_id:
        raise ForbiddenError(f"vehicle_id: key belongs to '{principal.name}', not '{vehicle_id}'")
