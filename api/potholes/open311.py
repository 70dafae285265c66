"""The Open311 GeoReport v2 service offered at /open311/v2: its one service (potholes), the jurisdiction,
the caller of a write, and the spec's error body.

A service request is a pothole with its citizen reports, so the protocol's vocabulary lives with that
noun. Both sides of the protocol speak it: `api/publish/open311.py` reads service requests and
`api/ingest/open311.py` files a citizen report; being below both, neither has to import the other.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.auth.deps import WORKING_ROLES, check_role, principal_for_key
from api.auth.service import Principal
from api.errors import AuthError, ForbiddenError
from api.services import services_of

__all__ = [
    "PREFIX",
    "SERVICE",
    "SERVICE_CODE",
    "TAGS",
    "Open311Error",
    "add_open311_error_handler",
    "check_jurisdiction",
    "principal_of",
]

PREFIX = "/open311/v2"
TAGS: tuple[str, ...] = ("Open311 GeoReport v2",)
SERVICE_CODE = "POTHOLE"
SERVICE: dict[str, Any] = {
    "service_code": SERVICE_CODE,
    "service_name": "Pothole",
    "description": "A hole in the road surface. Patrol vehicles detect them automatically; citizens may "
    "report one too (a report near a known pothole joins it).",
    "metadata": False,
    "type": "realtime",
    "keywords": "pothole, road, asphalt, 포트홀, 도로",
    "group": "Streets",
}


class Open311Error(Exception):
    """Answered as the spec's error list: [{"code": <http status>, "description": "..."}]."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


async def handle_open311_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Open311Error)
    return JSONResponse([{"code": exc.status, "description": exc.description}], status_code=exc.status)


def add_open311_error_handler(app: FastAPI) -> None:
    app.add_exception_handler(Open311Error, handle_open311_error)


def check_jurisdiction(request: Request, jurisdiction_id: str | None) -> None:
    ours = services_of(request.app).settings.open311_jurisdiction_id
    if jurisdiction_id not in (None, "", ours):
        raise Open311Error(404, f"jurisdiction_id: {jurisdiction_id!r} is not served here (this is {ours!r})")


def principal_of(request: Request, api_key: str | None) -> Principal:
    """The spec passes the key as a form field; the X-API-Key header works too. Any working key files a
    report (a metrics key is 403: it reads /metrics only)."""
    key = api_key or request.headers.get("x-api-key")
    if not key:
        raise Open311Error(401, "api_key: required to create a service request")
    try:
        return check_role(principal_for_key(request, key, field="api_key"), WORKING_ROLES)
    except AuthError as exc:
        raise Open311Error(401, str(exc)) from None
    except ForbiddenError as exc:
        raise Open311Error(403, str(exc)) from None
