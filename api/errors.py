"""Domain errors (raised by services, never HTTPException) and the one table of HTTP codes.

A domain names its own failures as subclasses of the generic ones here (a malformed layer is an
InvalidInputError), so routes let them through and the table answers with the code of the nearest
ancestor it names.
"""

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


class LayerValidationError(InvalidInputError):
    """The GeoJSON is not an acceptable RFC 7946 layer; the message names the feature and the problem."""


class LayerTooLargeError(PayloadTooLargeError):
    """The layer exceeds the size cap (bytes or features)."""


class PolicyError(InvalidInputError):
    """A priority policy document is malformed; the message names the key and the value."""


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


def status_for(exc: PotholeWatchError) -> int:
    """The code of the nearest class in the error's ancestry that the table names (400 for the base)."""
    return next((STATUS_FOR[t] for t in type(exc).__mro__ if t in STATUS_FOR), 400)


async def handle_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PotholeWatchError)
    code = status_for(exc)
    headers = {"WWW-Authenticate": "X-API-Key"} if code == 401 else None
    return JSONResponse({"detail": str(exc)}, status_code=code, headers=headers)


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PotholeWatchError, handle_domain_error)
