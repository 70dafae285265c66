"""Admin endpoints for API keys, the same operations as `pothole keys`: list (never a secret), create,
revoke, rotate. A key is in the answer of create and rotate only, once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api.auth.deps import Admin
from api.auth.service import IssuedKey, KeyInfo, issue_key, list_keys, parse_duration, revoke_key, rotate_key
from api.db import SessionDep
from api.errors import InvalidInputError
from api.types import utc_now

router = APIRouter(prefix="/v1/admin/keys", tags=["admin: keys"])

KeyId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the key's id from GET /v1/admin/keys")]
DURATION = r"^[0-9]{1,6}[smhdw]$"


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(max_length=16, examples=["vehicle"])
    name: str = Field(min_length=1, max_length=128, examples=["bus-17"])
    expires_in: str | None = Field(default=None, pattern=DURATION, examples=["90d"])
    expires_at: datetime | None = None


class KeyRotate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace: str | None = Field(
        default=None, pattern=DURATION, description="the old key keeps working this long", examples=["1h"]
    )
    expires_in: str | None = Field(default=None, pattern=DURATION)
    expires_at: datetime | None = None


class KeyIssued(BaseModel):
    """`key` is shown this once: store it where the vehicle or person reads it (an environment variable)."""

    key: str
    info: KeyInfo

    @classmethod
    def of(cls, issued: IssuedKey) -> KeyIssued:
        return cls(key=issued.key, info=issued.info)


def expiry(expires_in: str | None, expires_at: datetime | None) -> datetime | None:
    if expires_in is not None and expires_at is not None:
        raise InvalidInputError("expires_in: give expires_in or expires_at, not both")
    return utc_now() + parse_duration(expires_in) if expires_in is not None else expires_at


@router.get("", response_model=list[KeyInfo], summary="Every key (or one name's): never the secret")
def get_keys(
    session: SessionDep, _: Admin, name: Annotated[str | None, Query(max_length=128)] = None
) -> list[KeyInfo]:
    return list_keys(session, name=name)


@router.post("", status_code=201, response_model=KeyIssued, summary="Create a key (shown once)")
def post_key(body: KeyCreate, session: SessionDep, _: Admin) -> KeyIssued:
    expires_at = expiry(body.expires_in, body.expires_at)
    return KeyIssued.of(issue_key(session, role=body.role, name=body.name, expires_at=expires_at))


@router.post(
    "/{key_id}/revoke",
    response_model=KeyInfo,
    summary="Revoke a key: every worker refuses it from its next request",
    responses={404: {"description": "no such key"}},
)
def post_revoke(key_id: KeyId, session: SessionDep, _: Admin) -> KeyInfo:
    return revoke_key(session, key_id)


@router.post(
    "/{key_id}/rotate",
    status_code=201,
    response_model=KeyIssued,
    summary="A new key for the same name and role; the old one is revoked (or expires after `grace`)",
    responses={404: {"description": "no such key"}, 409: {"description": "the key is revoked"}},
)
def post_rotate(key_id: KeyId, session: SessionDep, _: Admin, body: KeyRotate | None = None) -> KeyIssued:
    body = body or KeyRotate()
    grace = parse_duration(body.grace, "grace") if body.grace else timedelta(0)
    expires_at = expiry(body.expires_in, body.expires_at)
    return KeyIssued.of(rotate_key(session, key_id, grace=grace, expires_at=expires_at))
