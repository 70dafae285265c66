"""Create and check API keys. Keys are random 256-bit tokens; only their SHA-256 is stored, so a
leaked database does not leak keys (a slow hash buys nothing against 256 random bits)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.auth.roster import get_crew, require_active_crew
from api.auth.tables import ApiKey, Role
from api.db import begin_write
from api.errors import ForbiddenError, InvalidInputError


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: `name` is the vehicle_id of a vehicle key and the crew id of a crew key;
    `sees_all_orders` is a crew's grant from a manager (`api.auth.roster`)."""

    name: str
    role: Role
    sees_all_orders: bool = False


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return "pw_" + secrets.token_urlsafe(32)


def create_key(session: Session, *, role: str, name: str, key: str | None = None) -> str:
    """Store a key for (role, name) and return the key itself: the only time it is ever visible."""
    try:
        parsed_role = Role(role)
    except ValueError:
        raise InvalidInputError(f"role: {role!r} is not one of {[r.value for r in Role]}") from None
    if not name or len(name) > 128:
        raise InvalidInputError(f"name: {name!r} must be 1..128 characters")
    key = key or new_key()
    if len(key) < 16:
        raise InvalidInputError("key: must be at least 16 characters")
    if parsed_role == Role.CREW:
        require_active_crew(session, name, "name")  # a crew key belongs to a crew of the roster
    session.add(ApiKey(name=name, role=parsed_role.value, key_hash=hash_key(key)))
    session.commit()
    return key


def ensure_key(session: Session, *, role: str, name: str, key: str) -> None:
    """Idempotent, also when several workers start at once (the unique hash settles the race)."""
    begin_write(session)  # read-then-write: SQLite must take the write lock first (BUSY_SNAPSHOT otherwise)
    if session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).first() is None:
        try:
            create_key(session, role=role, name=name, key=key)
        except IntegrityError:
            session.rollback()  # another worker stored it first
    else:
        session.rollback()


def authenticate(session: Session, key: str) -> Principal | None:
    """The key's principal, or None for an unknown or revoked key; a crew key whose crew was deactivated
    (or is not in the roster) is refused with a ForbiddenError that says so."""
    row = session.exec(
        select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked == False)  # noqa: E712
    ).first()
    if row is None:
        return None
    role = Role(row.role)
    if role != Role.CREW:
        return Principal(row.name, role)
    crew = get_crew(session, row.name)
    if crew is None or not crew.active:
        raise ForbiddenError(f"crew '{row.name}' is not active in the roster: ask a manager")
    return Principal(row.name, role, sees_all_orders=crew.sees_all_orders)
