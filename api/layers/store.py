"""Layers and policies in the database, so that every worker (on every machine) sees the same versions.

Writes take the database write lock (SQLite BEGIN IMMEDIATE / a PostgreSQL advisory lock) before reading
the revision counter, so two admins uploading at once still get distinct, increasing revisions.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.db import begin_write
from api.layers.geojson import DEFAULT_MAX_BYTES, ParsedLayer, parse_layer
from api.layers.tables import CityLayer, PriorityPolicy
from api.policy.model import Policy, parse_policy
from api.types import utc_now

__all__ = [
    "Revision",
    "current_revision",
    "latest_policy",
    "layer_versions",
    "save_layer",
    "save_policy",
    "seed_layers",
    "seed_policy",
]

log = logging.getLogger(__name__)
LAYERS_LOCK_KEY = 7_461_101  # advisory lock for layer/policy writes (PostgreSQL)


@dataclass(frozen=True, slots=True)
class Revision:
    """What a worker compares to decide whether to reload: cheap to read (two aggregates)."""

    layers: int
    layer_count: int
    policy_id: int


def current_revision(session: Session) -> Revision:
    rev, count = session.exec(select(func.coalesce(func.max(CityLayer.revision), 0), func.count())).one()
    policy_id = session.exec(select(func.max(PriorityPolicy.id))).one() or 0  # no policy row yet: 0
    return Revision(int(rev), int(count), int(policy_id))


def layer_versions(session: Session) -> dict[str, int]:
    return dict(session.exec(select(CityLayer.name, CityLayer.version)).all())


def sha256_hex(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def save_layer(session: Session, *, name: str, raw: bytes, parsed: ParsedLayer, origin: str) -> CityLayer:
    """Insert or replace layer `name` (version + 1, a new global revision) and commit."""
    begin_write(session, [LAYERS_LOCK_KEY])
    return _write_layer(session, name=name, raw=raw, parsed=parsed, origin=origin)


def _write_layer(session: Session, *, name: str, raw: bytes, parsed: ParsedLayer, origin: str) -> CityLayer:
    revision = session.exec(select(func.coalesce(func.max(CityLayer.revision), 0))).one() + 1
    row = session.get(CityLayer, name)
    if row is None:
        row = CityLayer(
            name=name,
            version=0,
            revision=revision,
            kind=parsed.kind.value,
            origin=origin,
            sha256="",
            feature_count=0,
            geojson="",
        )
    row.version += 1
    row.revision = revision
    row.kind = parsed.kind.value
    row.origin = origin
    row.sha256 = sha256_hex(raw)
    row.feature_count = len(parsed.features)
    row.title = (parsed.title or "")[:300] or None
    row.repairs = list(parsed.repairs)
    row.geojson = raw.decode("utf-8")
    row.updated_at = utc_now()
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def seed_layers(engine: Engine, directory: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[str]:
    """Load `*.geojson` from the layers folder into the database at start-up; returns the names written.

    A file seeds its layer when the database lacks it or holds an older copy of the same file; a layer an
    admin uploaded through the API (origin `api:…`) is never overwritten by a file.
    """
    written: list[str] = []
    for path in sorted(directory.glob("*.geojson")):
        raw = path.read_bytes()
        digest = sha256_hex(raw)
        with Session(engine) as session:
            row = session.get(CityLayer, path.stem)
            if row is not None and (row.sha256 == digest or not row.origin.startswith("dir:")):
                continue
        try:
            parsed = parse_layer(raw, max_bytes=max_bytes)
        except Exception as exc:  # one bad file must not keep the service down: say which and why
            log.error("layer file %s rejected: %s", path, exc)
            continue
        with Session(engine) as session:
            begin_write(session, [LAYERS_LOCK_KEY])  # re-check under the lock: several workers start at once
            row = session.get(CityLayer, path.stem)
            if row is not None and (row.sha256 == digest or not row.origin.startswith("dir:")):
                session.rollback()
                continue
            _write_layer(session, name=path.stem, raw=raw, parsed=parsed, origin=f"dir:{path.name}")
            written.append(path.stem)
    return written


def latest_policy(session: Session) -> tuple[int, Policy] | None:
    row = session.exec(select(PriorityPolicy).order_by(PriorityPolicy.id.desc()).limit(1)).first()  # type: ignore[union-attr]
    return None if row is None else (int(row.id or 0), parse_policy(row.document))


def save_policy(session: Session, *, document: str, origin: str) -> tuple[int, Policy]:
    policy = parse_policy(document)  # validate before anything is written
    begin_write(session, [LAYERS_LOCK_KEY])
    row = PriorityPolicy(origin=origin, sha256=sha256_hex(document.encode()), document=document)
    session.add(row)
    session.commit()
    session.refresh(row)
    return int(row.id or 0), policy


def seed_policy(engine: Engine, path: Path) -> bool:
    """Store the policy file when the database has none, or when the latest came from an older file copy."""
    document = path.read_text(encoding="utf-8")
    digest = sha256_hex(document.encode())
    parse_policy(document)
    with Session(engine) as session:
        row = session.exec(select(PriorityPolicy).order_by(PriorityPolicy.id.desc()).limit(1)).first()  # type: ignore[union-attr]
    if row is not None and (row.sha256 == digest or not row.origin.startswith("file:")):
        return False
    with Session(engine) as session:
        save_policy(session, document=document, origin=f"file:{path.name}")
    return True
