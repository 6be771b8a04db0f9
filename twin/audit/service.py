"""Record and verify the audit chain.

``hash = sha256(prev_hash || canonical JSON of the entry)``. Editing a row breaks its own
hash; deleting one breaks its successor's ``prev_hash`` and leaves a gap in the ids; cutting
the tail leaves ``audit_head`` pointing past the last row. Someone able to rewrite every
table could rebuild the chain, so keep the head hash ``twin audit verify`` prints
somewhere else (a printed report, another system) to anchor it outside the database.

A chain is linear, so appending to it is serialised by a lock on its head. That lock is
taken at the last moment: :func:`record` only queues the changes on the session, and they
are chained and written as the transaction commits. The head is held from there to the end
of the commit (a millisecond), never while a request is still working, so writers of every
site share one chain without waiting on each other's work, and a request that stalls
holds nothing the others need.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, event, insert, select, update
from sqlalchemy.orm import Session

from twin import txn
from twin.audit.models import AuditEntry, AuditHead

GENESIS = "0" * 64
AUDIT_TABLE = cast(Table, AuditEntry.__table__)
HEAD_TABLE = cast(Table, AuditHead.__table__)


@dataclass(frozen=True, slots=True)
class Change:
    action: str
    entity: str
    entity_key: str | None
    site_code: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(entry)).encode()).hexdigest()


def _hashed_fields(row_id: int, ts: datetime, actor: str, change: Change) -> dict[str, Any]:
    return {
        "id": row_id,
        "ts_utc": ts.astimezone(UTC).isoformat(),
        "actor": actor,
        "action": change.action,
        "entity": change.entity,
        "entity_key": change.entity_key,
        "site_code": change.site_code,
        "before": change.before,
        "after": change.after,
    }


def record(session: Session, actor: str, changes: Iterable[Change]) -> int:
    """Queue ``changes`` for the chain; they are written as the caller's transaction commits
    (and dropped if it, or the savepoint they were recorded in, rolls back). Returns the count.
    """
    ts = datetime.now(UTC)
    batch = [(ts, actor, change) for change in changes]
    for item in batch:
        txn.defer(session, _PENDING, item)
    return len(batch)


def write_pending(session: Session) -> int:
    """Chain and write what :func:`record` queued, now; returns how many rows were written.

    Commit does this by itself; call it to read the entries back inside the transaction.
    """
    batch: list[tuple[datetime, str, Change]] = txn.take(session, _PENDING)
    if not batch:
        return 0
    # The row lock on the head keeps the chain linear under concurrent writers; it is held
    # from here to the end of the commit, so this runs on Core (no ORM work under it).
    conn = session.connection()
    prev, last_id = conn.execute(
        select(HEAD_TABLE.c.last_hash, HEAD_TABLE.c.last_id)
        .where(HEAD_TABLE.c.id == 1)
        .with_for_update()
    ).one()
    rows = []
    for offset, (ts, actor, change) in enumerate(batch, start=1):
        fields = _hashed_fields(last_id + offset, ts, actor, change)
        digest = entry_hash(prev, fields)
        rows.append({**fields, "ts_utc": ts, "prev_hash": prev, "hash": digest})
        prev = digest
    conn.execute(insert(AUDIT_TABLE), rows)
    conn.execute(
        update(HEAD_TABLE)
        .where(HEAD_TABLE.c.id == 1)
        .values(last_id=last_id + len(rows), last_hash=prev)
    )
    return len(rows)


_PENDING = "audit"


@event.listens_for(Session, "before_commit")
def _chain_on_commit(session: Session) -> None:
    write_pending(session)


@dataclass
class VerifyReport:
    checked: int = 0
    head_hash: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows(session: Session, chunk: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id).limit(chunk)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        for row in rows:
            session.expunge(row)


def verify(session: Session) -> VerifyReport:
    """Walk the whole chain and report every break."""
    report = VerifyReport()
    prev, prev_id = GENESIS, 0
    for row in _rows(session):
        report.checked += 1
        if row.id != prev_id + 1:
            report.problems.append(f"rows {prev_id + 1}..{row.id - 1} are missing (deleted)")
        if row.prev_hash != prev:
            report.problems.append(f"row {row.id}: chain broken (prev_hash does not match)")
        change = Change(
            row.action, row.entity, row.entity_key, row.site_code, row.before, row.after
        )
        if (
            entry_hash(row.prev_hash, _hashed_fields(row.id, row.ts_utc, row.actor, change))
            != row.hash
        ):
            report.problems.append(f"row {row.id}: content does not match its hash (edited)")
        prev, prev_id = row.hash, row.id
    head = session.get(AuditHead, 1)
    if head is None:
        report.problems.append("the chain head record is missing")
    elif head.last_id != prev_id or head.last_hash != prev:
        report.problems.append(
            f"the chain head says row {head.last_id} is last but the log ends at row {prev_id}"
            " (rows cut from the end, or the head was edited)"
        )
    report.head_hash = prev
    return report


def list_entries(
    session: Session,
    *,
    site: str | None = None,
    entity: str | None = None,
    actor: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Entries newest first, optionally filtered; page backwards with ``before_id``."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    for column, value in (
        (AuditEntry.site_code, site),
        (AuditEntry.entity, entity),
        (AuditEntry.actor, actor),
    ):
        if value is not None:
            query = query.where(column == value)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(session.scalars(query))
