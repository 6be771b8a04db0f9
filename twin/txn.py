"""Work that belongs to a session's transaction but must run at its edge.

Two things in this codebase must not happen while a transaction is still doing its work:
appending to the audit chain (it takes the chain's head lock, which would otherwise be held
for the whole request) and publishing events to live screens (a screen must never show a
change that is then rolled back). Both are queued here, tagged with the (sub)transaction
that queued them, and handed over at commit; a rollback, including a savepoint's, drops
what its transaction queued.

Examples
--------
>>> from sqlalchemy.orm import Session
>>> s = Session()
>>> defer(s, "demo", 1)
>>> take(s, "demo")
[1]
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

__all__ = ["defer", "pending", "take"]

_KEY = "twin.deferred"


def _queue(session: Session) -> dict[str, list[tuple[SessionTransaction | None, Any]]]:
    queue: dict[str, list[tuple[SessionTransaction | None, Any]]] = session.info.setdefault(
        _KEY, {}
    )
    return queue


def defer(session: Session, kind: str, item: Any) -> None:
    """Queue ``item`` under ``kind`` for the commit of the session's current transaction."""
    txn = session.get_nested_transaction() or session.get_transaction()
    _queue(session).setdefault(kind, []).append((txn, item))


def pending(session: Session, kind: str) -> list[Any]:
    """What is queued under ``kind``, oldest first, without taking it."""
    return [item for _, item in _queue(session).get(kind, [])]


def take(session: Session, kind: str) -> list[Any]:
    """Remove and return what is queued under ``kind``, oldest first."""
    return [item for _, item in _queue(session).pop(kind, [])]


def _within(txn: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while txn is not None:
        if txn is ended:
            return True
        txn = txn.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    queue = session.info.get(_KEY)
    if not queue:
        return
    for kind, items in list(queue.items()):
        kept = [(t, i) for t, i in items if t is not None and not _within(t, previous_transaction)]
        if kept:
            queue[kind] = kept
        else:
            del queue[kind]
