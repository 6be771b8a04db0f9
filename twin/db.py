"""Database plumbing: declarative base, engine factory and the per-request session.

Services flush and never commit; :func:`session_scope` (a request dependency or a job's
``with``) commits once or rolls back, so a failing step never leaves half a change.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary, WeakSet

from sqlalchemy import Connection, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

if TYPE_CHECKING:
    from twin.config import Settings
    from twin.events.bus import Bus

log = logging.getLogger("twin.db")
# Where a session finds the bus its events go to (twin.events.emit reads it).
BUS_KEY = "twin.bus"

# Storage CRS: CGCS2000 geographic, the frame Chinese submissions use. Metric work goes
# through geography or the site's projected CRS (``Site.metric_srid``).
STORAGE_SRID = 4490
WGS84_SRID = 4326

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


@dataclass(frozen=True, slots=True)
class SessionLimits:
    """Server-side limits every connection of an engine runs under (seconds; 0: none)."""

    lock_timeout_s: float = 5.0
    statement_timeout_s: float = 30.0
    idle_in_transaction_timeout_s: float = 60.0
    pool_timeout_s: float = 10.0

    @classmethod
    def of(cls, settings: Settings, *, job: bool = False) -> SessionLimits:
        """The settings' limits. A ``job`` (a CLI import, a load) keeps only the lock
        limit: it may rightly run one statement, or parse a file between two, for minutes."""
        return cls(
            settings.db_lock_timeout_s,
            0.0 if job else settings.db_statement_timeout_s,
            0.0 if job else settings.db_idle_in_transaction_timeout_s,
            settings.db_pool_timeout_s,
        )

    def options(self) -> str:
        def ms(seconds: float) -> int:
            return round(seconds * 1000)

        return (
            f"-c lock_timeout={ms(self.lock_timeout_s)}"
            f" -c statement_timeout={ms(self.statement_timeout_s)}"
            f" -c idle_in_transaction_session_timeout={ms(self.idle_in_transaction_timeout_s)}"
        )


def make_engine(url: str, limits: SessionLimits | None = None) -> Engine:
    limits = limits or SessionLimits()
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=limits.pool_timeout_s,
        connect_args={"options": limits.options()},
    )


def make_sessionmaker(engine: Engine, *, bus: Bus | None = None) -> sessionmaker[Session]:
    """Sessions on ``engine``; with ``bus``, what they emit is published there after
    commit (see :mod:`twin.events.emit`)."""
    info = {BUS_KEY: bus} if bus is not None else {}
    return sessionmaker(engine, expire_on_commit=False, info=info)


class BlockingCallOnEventLoop(RuntimeError):
    """A synchronous database call ran on the event loop's thread."""


# The event loops each engine must not be used from (the app's), and the engines whose
# misuse raises instead of logging (the tests'). Weak: a closed app leaves nothing behind.
_LOOPS: WeakKeyDictionary[Engine, WeakSet[asyncio.AbstractEventLoop]] = WeakKeyDictionary()
_STRICT: WeakSet[Engine] = WeakSet()


def guard_event_loop(
    engine: Engine, loop: asyncio.AbstractEventLoop | None = None, *, strict: bool = False
) -> None:
    """Catch synchronous database work on ``loop``'s thread (the app's event loop), where
    it stops every request, stream and timer of the process while it waits (a lock, a
    slow query). Logged with the stack; with ``strict`` (the tests) it raises instead."""
    if strict:
        _STRICT.add(engine)
    loops = _LOOPS.setdefault(engine, WeakSet())
    if loop is not None:
        loops.add(loop)
    if not event.contains(engine, "before_cursor_execute", _check_not_on_loop):
        event.listen(engine, "before_cursor_execute", _check_not_on_loop)


def _check_not_on_loop(conn: Connection, *_: object) -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return  # a worker thread: where database work belongs
    engine = conn.engine
    if loop not in _LOOPS.get(engine, ()):
        return  # someone else's loop (a test's browser driver), not the app's
    if engine in _STRICT:
        raise BlockingCallOnEventLoop(
            "a synchronous database call on the event loop: run it in a thread"
        )
    log.error("synchronous database call on the event loop", stack_info=True)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
