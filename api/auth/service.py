"""Create, check, list, revoke and rotate API keys. Keys are random 256-bit tokens; only their SHA-256 is
stored, so a leaked database does not leak keys (a slow hash buys nothing against 256 random bits).

Every worker reads the key's row on every request, so a revocation or an expiry takes effect at each
worker's next request: there is no cache to invalidate.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.auth.roster import get_crew, require_active_crew
from api.auth.tables import ApiKey, Role
from api.db import begin_write
from api.errors import AuthError, ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from api.types import utc_now

__all__ = [
    "IssuedKey",
    "KeyInfo",
    "KeyRefused",
    "Principal",
    "authenticate",
    "create_key",
    "ensure_key",
    "issue_key",
    "list_keys",
    "parse_duration",
    "revoke_key",
    "rotate_key",
]

MAX_LIFETIME = timedelta(days=3650)
LAST_USED_RESOLUTION = timedelta(minutes=1)
_DURATION = re.compile(r"^([0-9]{1,6})([smhdw])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: `name` is the vehicle_id of a vehicle key and the crew id of a crew key; `key_id`
    names the key itself (its rate buckets), None for a principal made up in code; `sees_all_orders` is a
    crew's grant from a manager (`api.auth.roster`)."""

    name: str
    role: Role
    key_id: int | None = None
    sees_all_orders: bool = False


class KeyRefused(AuthError):
    """The reason a presented key is not accepted, in words a person acts on; callers prefix the field."""


class KeyInfo(BaseModel):
    """What may be shown about a key: never the key or its hash."""

    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    role: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked: bool
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiKey) -> KeyInfo:
        assert row.id is not None
        return cls(
            id=row.id,
            name=row.name,
            role=row.role,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            expires_at=row.expires_at,
            revoked=row.revoked,
            revoked_at=row.revoked_at,
        )


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key with its public description: `key` is shown this once and never stored."""

    key: str
    info: KeyInfo


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return "pw_" + secrets.token_urlsafe(32)


def parse_duration(text: str, field: str = "expires_in") -> timedelta:
    """'90s', '15m', '12h', '30d' or '8w' (ASCII digits and one unit), at most ten years."""
    match = _DURATION.match(text.strip()) if text.isascii() else None
    if match is None:
        raise InvalidInputError(f"{field}: must be a number and a unit s, m, h, d or w (e.g. 30d)")
    span = timedelta(seconds=int(match.group(1)) * _UNIT_S[match.group(2)])
    if not timedelta(0) < span <= MAX_LIFETIME:
        raise InvalidInputError(f"{field}: must be more than 0 and at most {MAX_LIFETIME.days} days")
    return span


def _check_expiry(expires_at: datetime | None, now: datetime, field: str = "expires_at") -> None:
    if expires_at is None:
        return
    if expires_at.tzinfo is None:
        raise InvalidInputError(f"{field}: give a time zone (e.g. 2027-01-01T00:00:00Z)")
    if not now < expires_at <= now + MAX_LIFETIME:
        raise InvalidInputError(f"{field}: must be in the future and at most {MAX_LIFETIME.days} days away")


def issue_key(
    session: Session,
    *,
    role: str,
    name: str,
    key: str | None = None,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> IssuedKey:
    """Store a key for (role, name) and return it with its description (commits)."""
    try:
        parsed_role = Role(role)
    except ValueError:
        raise InvalidInputError(f"role: {role!r} is not one of {[r.value for r in Role]}") from None
    if not name or len(name) > 128:
        raise InvalidInputError(f"name: {name!r} must be 1..128 characters")
    _check_expiry(expires_at, now or utc_now())
    key = key or new_key()
    if len(key) < 16:
        raise InvalidInputError("key: must be at least 16 characters")
    if parsed_role == Role.CREW:
        require_active_crew(session, name, "name")  # a crew key belongs to a crew of the roster
    row = ApiKey(name=name, role=parsed_role.value, key_hash=hash_key(key), expires_at=expires_at)
    session.add(row)
    session.commit()
    session.refresh(row)
    return IssuedKey(key=key, info=KeyInfo.of(row))


def create_key(
    session: Session, *, role: str, name: str, key: str | None = None, expires_at: datetime | None = None
) -> str:
    """Store a key for (role, name) and return the key itself: the only time it is ever visible."""
    return issue_key(session, role=role, name=name, key=key, expires_at=expires_at).key


def ensure_key(session: Session, *, role: str, name: str, key: str) -> None:
    """Idempotent, also when several workers start at once (the unique hash settles the race). A key
    revoked since stays revoked: its row exists."""
    begin_write(session)  # read-then-write: SQLite must take the write lock first (BUSY_SNAPSHOT otherwise)
    if session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).first() is None:
        try:
            create_key(session, role=role, name=name, key=key)
        except IntegrityError:
            session.rollback()  # another worker stored it first
    else:
        session.rollback()


def authenticate(session: Session, key: str, *, now: datetime | None = None) -> Principal:
    """The principal of a valid key; KeyRefused says why a key is unknown, revoked or expired, and a
    crew key whose crew was deactivated (or is not in the roster) is refused with a ForbiddenError.

    The key's `last_used_at` is written when it is older than LAST_USED_RESOLUTION, so a busy key costs
    one write a minute, not one per request (on SQLite every write takes the database lock).
    """
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).first()
    if row is None:
        raise KeyRefused("unknown key")
    if row.revoked:
        raise KeyRefused("this key was revoked; ask an administrator for a new one")
    now = now or utc_now()
    if row.expires_at is not None and row.expires_at <= now:
        raise KeyRefused(
            f"this key expired at {row.expires_at:%Y-%m-%d %H:%M} UTC; ask an administrator for a new one"
        )
    assert row.id is not None
    role = Role(row.role)
    sees_all_orders = False
    if role == Role.CREW:
        crew = get_crew(session, row.name)
        if crew is None or not crew.active:
            raise ForbiddenError(f"crew '{row.name}' is not active in the roster: ask a manager")
        sees_all_orders = crew.sees_all_orders
    principal = Principal(row.name, role, row.id, sees_all_orders)
    if row.last_used_at is None or row.last_used_at < now - LAST_USED_RESOLUTION:
        session.rollback()  # end the read (expires `row`): the write starts its own transaction, as a writer
        _touch(session, principal.key_id, now)
    return principal


def _touch(session: Session, key_id: int | None, now: datetime) -> None:
    """One conditional UPDATE: of several workers seeing the same stale time, the first one writes."""
    begin_write(session)
    session.exec(
        update(ApiKey)
        .where(col(ApiKey.id) == key_id)
        .where(col(ApiKey.last_used_at).is_(None) | (col(ApiKey.last_used_at) < now - LAST_USED_RESOLUTION))
        .values(last_used_at=now)
    )
    session.commit()


def list_keys(session: Session, *, name: str | None = None) -> list[KeyInfo]:
    query = select(ApiKey).order_by(col(ApiKey.id))
    if name is not None:
        query = query.where(ApiKey.name == name)
    return [KeyInfo.of(row) for row in session.exec(query)]


def _locked_key(session: Session, key_id: int) -> ApiKey:
    begin_write(session)
    row = session.exec(select(ApiKey).where(ApiKey.id == key_id).with_for_update()).first()
    if row is None:
        session.rollback()
        raise NotFoundError(f"key_id: no key {key_id}")
    return row


def revoke_key(session: Session, key_id: int, *, now: datetime | None = None) -> KeyInfo:
    """Refuse the key from every worker's next request on. Revoking twice keeps the first time."""
    row = _locked_key(session, key_id)
    if not row.revoked:
        row.revoked, row.revoked_at = True, now or utc_now()
        session.add(row)
    session.commit()
    session.refresh(row)
    return KeyInfo.of(row)


def rotate_key(
    session: Session,
    key_id: int,
    *,
    grace: timedelta = timedelta(0),
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> IssuedKey:
    """A new key for the same name and role; the old one is revoked now, or expires after `grace` (a
    vehicle keeps sending while its new key is installed). The new key lives as long as the old one was
    meant to, unless `expires_at` says otherwise. One transaction: both happen or neither."""
    now = now or utc_now()
    if not timedelta(0) <= grace <= MAX_LIFETIME:
        raise InvalidInputError(f"grace: must be 0..{MAX_LIFETIME.days} days")
    _check_expiry(expires_at, now)
    old = _locked_key(session, key_id)
    if old.revoked:
        session.rollback()
        raise ConflictError(f"key_id: key {key_id} is revoked; create a new key instead")
    if expires_at is None and old.expires_at is not None:
        expires_at = now + min(MAX_LIFETIME, old.expires_at - old.created_at)
    if grace > timedelta(0):
        old.expires_at = min(old.expires_at or now + grace, now + grace)
    else:
        old.revoked, old.revoked_at = True, now
    key = new_key()
    new = ApiKey(name=old.name, role=old.role, key_hash=hash_key(key), expires_at=expires_at, created_at=now)
    session.add(old)
    session.add(new)
    session.commit()
    session.refresh(new)
    return IssuedKey(key=key, info=KeyInfo.of(new))
