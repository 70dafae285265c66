"""Request dependencies: who is calling (X-API-Key), whether their role may do this, and their rate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlmodel import Session

from api.auth.ratelimit import charge
from api.auth.service import KeyRefused, Principal, authenticate
from api.auth.tables import Role
from api.errors import AuthError, ForbiddenError, plain_list
from api.services import services_of

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key from `pothole keys create`"
)


def principal_for_key(request: Request, key: str, field: str = "X-API-Key") -> Principal:
    """Check the key in its own short session (so the route's transaction starts clean) and spend a token
    of its rate bucket; AuthError names `field` and says why a key is refused."""
    services = services_of(request.app)
    with Session(services.engine) as session:
        try:
            principal = authenticate(session, key)
        except KeyRefused as exc:
            raise AuthError(f"{field}: {exc}") from None
    if services.rate_limiter is not None:
        charge(services.rate_limiter, services.settings.rate_limits, principal, request.url.path)
    request.state.principal = principal
    return principal


def current_principal(request: Request, key: Annotated[str | None, Security(api_key_header)]) -> Principal:
    if not key:
        raise AuthError("X-API-Key: header missing")
    return principal_for_key(request, key)


def _a(words: str) -> str:
    return f"an {words}" if words[:1] in ("a", "e", "i", "o", "u") else f"a {words}"


# every role but the scraper's: a metrics key reads GET /metrics and nothing else, so a route open to "any
# key" (layers, exports, a vehicle's camera, the web session, a citizen report) still refuses it
WORKING_ROLES = frozenset({Role.VEHICLE, Role.CREW, Role.MANAGER, Role.ADMIN})


def check_role(principal: Principal, allowed: frozenset[Role]) -> Principal:
    """The principal, or a 403 in plain words naming the roles that may."""
    if principal.role not in allowed:
        needed = _a(f"{plain_list(allowed)} key")
        raise ForbiddenError(f"{_a(principal.role.value)} key may not do this; it needs {needed}")
    return principal


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    allowed = frozenset(roles)

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        return check_role(principal, allowed)

    return check


AnyCaller = Annotated[Principal, Depends(require_roles(*WORKING_ROLES))]
Ingester = Annotated[Principal, Depends(require_roles(Role.VEHICLE, Role.ADMIN))]
Staff = Annotated[Principal, Depends(require_roles(Role.CREW, Role.MANAGER, Role.ADMIN))]
Manager = Annotated[Principal, Depends(require_roles(Role.MANAGER, Role.ADMIN))]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
MetricsReader = Annotated[Principal, Depends(require_roles(Role.METRICS, Role.ADMIN))]


def check_vehicle(principal: Principal, vehicle_id: str) -> None:
    """A vehicle key ingests only as itself; an admin may ingest for any vehicle."""
    if principal.role == Role.VEHICLE and principal.name != vehicle_id:
        raise ForbiddenError(f"vehicle_id: key belongs to '{principal.name}', not '{vehicle_id}'")
