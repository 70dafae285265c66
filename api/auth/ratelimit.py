"""Per-key token buckets: a request spends one token of its bucket; an empty bucket answers 429 with the
seconds until the next token (Retry-After).

On PostgreSQL the buckets are rows of `rate_bucket`, taken by one atomic upsert, so every worker (and every
machine) spends from the same bucket; the database's clock dates them. On SQLite, a single machine, each
worker keeps its buckets in memory.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import Engine

from api.auth.service import Principal
from api.auth.tables import Role
from api.config import RateLimit
from api.errors import RateLimitedError

__all__ = [
    "BUCKETS",
    "MemoryBuckets",
    "PostgresBuckets",
    "RateLimiter",
    "bucket_of",
    "charge",
    "check_rate_limits",
    "make_rate_limiter",
]

# Routes with a bucket of their own; every other route spends from "requests". Frames are large and
# slow to process, so they get a smaller bucket that never drains the one sightings and passes use.
SEPARATE_BUCKETS: dict[str, str] = {"/v1/frames": "frames"}
BUCKETS = frozenset({"requests", *SEPARATE_BUCKETS.values()})


class RateLimiter(Protocol):
    def take(self, key_id: int, bucket: str, limit: RateLimit) -> float | None:
        """Spend one token: None when granted, else the seconds until one is available."""


def _wait_s(tokens: float, limit: RateLimit) -> float:
    return (1.0 - tokens) / limit.per_s


class MemoryBuckets:
    """This process's buckets (SQLite: one machine; each worker limits on its own)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[int, str], tuple[float, float]] = {}

    def take(self, key_id: int, bucket: str, limit: RateLimit) -> float | None:
        now = self._clock()
        with self._lock:
            tokens, since = self._buckets.get((key_id, bucket), (limit.burst, now))
            available = min(limit.burst, tokens + max(0.0, now - since) * limit.per_s)
            granted = available >= 1.0
            self._buckets[(key_id, bucket)] = (available - 1.0 if granted else available, now)
        return None if granted else _wait_s(available, limit)


_AVAILABLE = (
    "LEAST(CAST(:burst AS double precision), rate_bucket.tokens"
    " + GREATEST(0, EXCLUDED.updated_s - rate_bucket.updated_s) * CAST(:per_s AS double precision))"
)
_TAKE = text(
    "INSERT INTO rate_bucket (key_id, bucket, tokens, updated_s, granted)"
    " VALUES (:key_id, :bucket, CAST(:burst AS double precision) - 1,"
    " EXTRACT(EPOCH FROM clock_timestamp()), true)"
    " ON CONFLICT (key_id, bucket) DO UPDATE SET"
    f" tokens = CASE WHEN {_AVAILABLE} >= 1 THEN {_AVAILABLE} - 1 ELSE {_AVAILABLE} END,"
    " updated_s = EXCLUDED.updated_s,"
    f" granted = {_AVAILABLE} >= 1"
    " RETURNING tokens, granted"
)


class PostgresBuckets:
    """Rows of `rate_bucket`, one atomic upsert per request: the row lock orders concurrent takes."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def take(self, key_id: int, bucket: str, limit: RateLimit) -> float | None:
        params = {"key_id": key_id, "bucket": bucket, "burst": limit.burst, "per_s": limit.per_s}
        with self._engine.begin() as conn:
            tokens, granted = conn.execute(_TAKE, params).one()
        return None if granted else _wait_s(float(tokens), limit)


def make_rate_limiter(engine: Engine) -> RateLimiter:
    return PostgresBuckets(engine) if engine.dialect.name == "postgresql" else MemoryBuckets()


def check_rate_limits(limits: Mapping[str, RateLimit | None]) -> None:
    """Refuse a settings key that names no role or bucket (a typo would silently lift a limit)."""
    roles = {r.value for r in Role}
    for name in limits:
        role, dot, bucket = name.partition(".")
        if role not in roles or (dot and bucket not in BUCKETS):
            raise ValueError(
                f"rate_limits: {name!r} is not a role ({', '.join(sorted(roles))}) "
                f"or role.bucket (buckets: {', '.join(sorted(BUCKETS))})"
            )


def bucket_of(path: str) -> str:
    return SEPARATE_BUCKETS.get(path, "requests")


def charge(
    limiter: RateLimiter, limits: Mapping[str, RateLimit | None], principal: Principal, path: str
) -> None:
    """Spend a token of the principal's bucket for `path`, or raise RateLimitedError with Retry-After."""
    if principal.key_id is None:
        return
    bucket = bucket_of(path)
    limit = limits.get(f"{principal.role.value}.{bucket}", limits.get(principal.role.value))
    if limit is None:
        return
    wait_s = limiter.take(principal.key_id, bucket, limit)
    if wait_s is not None:
        retry_after_s = math.ceil(wait_s)
        raise RateLimitedError(
            f"X-API-Key: too many requests for this key ({limit.per_s:g} a second, {limit.burst:g} at once"
            f" for {bucket}); try again in {max(1, retry_after_s)} s",
            retry_after_s,
        )
