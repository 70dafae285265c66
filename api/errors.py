"""Domain errors (raised by services, never HTTPException) and the one table of HTTP codes."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class PotholeWatchError(Exception):
    """A failure the client can act on; the message names the field and the value."""


class NotFoundError(PotholeWatchError): ...


class TransitionError(PotholeWatchError): ...


class ConflictError(PotholeWatchError): ...


class AuthError(PotholeWatchError): ...


class ForbiddenError(PotholeWatchError): ...


class InvalidInputError(PotholeWatchError): ...


class PayloadTooLargeError(PotholeWatchError): ...


class UnsupportedMediaError(PotholeWatchError): ...


class UnavailableError(PotholeWatchError): ...


STATUS_FOR: dict[type[PotholeWatchError], int] = {
    NotFoundError: 404,
    TransitionError: 409,
    ConflictError: 409,
    AuthError: 401,
    ForbiddenError: 403,
    InvalidInputError: 422,
    PayloadTooLargeError: 413,
    UnsupportedMediaError: 415,
    UnavailableError: 503,
}


async def handle_domain_error(request: Request, exc: Exception) -> JSONResponse:
    code = next((c for t, c in STATUS_FOR.items() if isinstance(exc, t)), 400)
    headers = {"WWW-Authenticate": "X-API-Key"} if code == 401 else None
    return JSONResponse({"detail": str(exc)}, status_code=code, headers=headers)


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PotholeWatchError, handle_domain_error)
