"""Engines (SQLite pragmas / PostgreSQL pool), the per-request session, and write locks.

Writers that read-then-write (the de-duplication) lock first: on SQLite a BEGIN IMMEDIATE takes the
database write lock at the start of the transaction; on PostgreSQL transaction-scoped advisory locks
on the grid cells around the point serialise only writers in the same neighbourhood.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from api.services import services_of

IMMEDIATE = "pothole_immediate"
_HOLDS_LOCK = "pothole_write_lock"


def _release(conn: Any) -> None:
    lock = conn.info.pop(_HOLDS_LOCK, None)
    if lock is not None:
        lock.release()


def _switch_to_wal(cursor: Any, timeout_s: float = 30.0) -> None:
    """PRAGMA journal_mode=WAL, retried while another connection holds a brand-new file.

    Switching a new file to WAL takes an exclusive lock, and SQLite reports "database is locked" at once,
    without its busy handler, where two openers could deadlock: 4 of 150 rounds of three engines
    connecting to one new file failed that way (several workers, or the CLI beside the server, at first
    start). Once the file is in WAL the pragma is a no-op that never fails.
    """
    deadline = time.monotonic() + timeout_s
    for attempt in range(10_000):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(min(0.5, 0.01 * 2**attempt) * random.uniform(0.5, 1.5))


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """SQLite: WAL, busy_timeout, foreign keys, and our own BEGIN so writers can BEGIN IMMEDIATE."""
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if memory:
            from sqlalchemy.pool import StaticPool

            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # the driver must not BEGIN behind our back
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")
            if not memory:
                _switch_to_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA cache_size=-32000")  # 32 MB per connection: a city's index stays in memory
            cursor.close()

        # Writers of this process queue on a lock instead of SQLite's busy handler, which sleeps in
        # growing steps (up to 100 ms) and wastes most of the time when threads contend.
        write_lock = threading.Lock()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            if not conn.get_execution_options().get(IMMEDIATE):
                conn.exec_driver_sql("BEGIN")
                return
            if not write_lock.acquire(timeout=30):
                raise TimeoutError("database: another writer held the SQLite write lock for 30 s")
            conn.info[_HOLDS_LOCK] = write_lock
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _release(conn)
                raise

        event.listen(engine, "commit", _release)
        event.listen(engine, "rollback", _release)

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def begin_write(session: Session, lock_keys: Iterable[int] = ()) -> None:
    """Start the session's transaction as a writer that holds the locks for `lock_keys`.

    Call it first in a transaction, before any read that the write depends on.
    """
    conn = session.connection(execution_options={IMMEDIATE: True})
    if conn.dialect.name == "postgresql":
        keys = sorted(set(lock_keys))  # one global order: two workers never deadlock
        if keys:  # one round trip; unnest yields the array in order, so the locks are taken in order
            conn.execute(
                text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:keys AS bigint[])) AS k"),
                {"keys": keys},
            )


def get_session(request: Request) -> Iterator[Session]:
    """One session per request on the engine the lifespan built; it never outlives the request."""
    with Session(services_of(request.app).engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
