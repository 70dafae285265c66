"""Domain errors (raised by services, never HTTPException) and the one table of HTTP codes.

A domain names its own failures as subclasses of the generic ones here (a malformed layer is an
InvalidInputError), so routes let them through and the table answers with the code of the nearest
ancestor it names.

A request the schema refuses (FastAPI's RequestValidationError) is answered 422 with each error's `loc`,
`msg` and `type` only: never the `input` or `ctx` pydantic attaches, which may be a 40 MB array or a NaN
that JSON cannot even write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
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


class RateLimitedError(PotholeWatchError):
    """Too many requests for this key: answered 429 with Retry-After (whole seconds, at least 1)."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = max(1, retry_after_s)


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
    RateLimitedError: 429,
}


def plain_list(values: Iterable[object]) -> str:
    """'a, b or c' from enums or strings, sorted: a message lists choices as words, never as reprs."""
    words = sorted(str(v) for v in values)
    if len(words) <= 1:
        return "".join(words) or "none"
    return f"{', '.join(words[:-1])} or {words[-1]}"


def status_for(exc: PotholeWatchError) -> int:
    """The code of the nearest class in the error's ancestry that the table names (400 for the base)."""
    return next((STATUS_FOR[t] for t in type(exc).__mro__ if t in STATUS_FOR), 400)


async def handle_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PotholeWatchError)
    code = status_for(exc)
    headers = {"WWW-Authenticate": "X-API-Key"} if code == 401 else None
    if isinstance(exc, RateLimitedError):
        headers = {"Retry-After": str(exc.retry_after_s)}
    return JSONResponse({"detail": str(exc)}, status_code=code, headers=headers)


MAX_VALIDATION_ERRORS = 20  # a 500-item batch of bad items answers the first ones, and how many there were
MAX_MESSAGE_CHARS = 300
MAX_LOC_PART_CHARS = 64


def public_validation_error(error: Mapping[str, Any]) -> dict[str, Any]:
    """One pydantic error as a client may see it: where (loc), why (msg) and its kind (type)."""
    loc = [p if isinstance(p, int) else str(p)[:MAX_LOC_PART_CHARS] for p in error.get("loc", ())]
    return {
        "loc": loc,
        "msg": str(error.get("msg", ""))[:MAX_MESSAGE_CHARS],
        "type": str(error.get("type", ""))[:MAX_LOC_PART_CHARS],
    }


async def handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    body: dict[str, Any] = {"detail": [public_validation_error(e) for e in errors[:MAX_VALIDATION_ERRORS]]}
    if len(errors) > MAX_VALIDATION_ERRORS:
        body["errors_total"] = len(errors)
    return JSONResponse(body, status_code=422)


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PotholeWatchError, handle_domain_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
