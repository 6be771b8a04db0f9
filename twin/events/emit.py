"""``emit``: the one way a change reaches the event log and the live maps.

The log row is written in the caller's transaction, so the change and its record commit
together or not at all; the message is published to the bus only once that transaction
has committed, and never if it rolls back (a savepoint's rollback drops what was emitted
inside it). The bus is the one the session was made with (``twin.db.make_sessionmaker``);
a session without one (a CLI job) logs and publishes nothing live.
"""

from __future__ import annotations

import logging

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from twin import txn
from twin.db import BUS_KEY
from twin.events import log as eventlog
from twin.events.bus import Bus
from twin.events.types import Event

__all__ = ["BUS_KEY", "emit", "emit_all"]

log = logging.getLogger("twin.events")
_PENDING = "events"


def emit(session: Session, event: Event, *, log_it: bool = True) -> None:
    """Log ``event`` now (unless ``log_it`` is false: a headcount that did not change)
    and publish it after commit."""
    emit_all(session, [event], log_it=log_it)


def emit_all(session: Session, events: list[Event], *, log_it: bool = True) -> None:
    if log_it:
        eventlog.record_events(session.connection(), [e for e in events if e.logged])
    for e in events:
        txn.defer(session, _PENDING, e)


@sa_event.listens_for(Session, "after_commit")
def _publish_committed(session: Session) -> None:
    events: list[Event] = txn.take(session, _PENDING)
    bus: Bus | None = session.info.get(BUS_KEY)
    if bus is None or not events:
        return
    for e in events:
        try:
            bus.publish(e.site, e.to_wire())
        except Exception:  # a screen must never undo a committed change
            log.exception("event %s of %s not published", e.KIND, e.site)
