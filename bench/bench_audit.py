"""Audited writes per second with 1, 8 and 32 concurrent writers, and latency per transaction.

The audit log is one hash chain, so every append locks its head row (``audit_head``). The
chain used to be written where the request recorded its changes (65c75f4, ``record``): the
head stayed locked for the rest of the request, until its commit, which serialised every
writer of every site behind whichever request was slowest, and a request that stalled while
holding it wedged the server. Now ``record`` only queues the changes and the chain is written
in a ``before_commit`` hook, so the head is held from just before COMMIT to its end.

Three designs, measured in the same run on the same workload, each transaction modelling a
request: (a) insert one domain row, (b) audit it, (c) the rest of the request (three short
SELECTs and ``pg_sleep(0.002)``), commit:
  * plain insert (no audit):             (a), (c), commit: the peer;
  * head locked first (before, 65c75f4): (b) locks the head, writes the chain, then (c) runs
                                         with the lock held until commit;
  * head locked at commit (now):         (b) is ``twin.audit.service.record``; the chain is
                                         written at commit.
Writers are threads started together (a barrier), each running one ``session_scope`` per
transaction as a request does, on a pool holding a connection per writer. Each cell runs
``--seconds`` after a short warm-up; the three designs of one writer count run back to back.
The whole chain is verified (``twin.audit.service.verify``) after every cell.

Run: `.venv/bin/python bench/bench_audit.py` (`--seconds 3` per cell; a throwaway database
``twin_bench_audit`` is created, migrated and dropped at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench_setup import drop_db, fresh_db
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from twin.audit.models import AuditHead

# Importing twin.audit.service registers the before_commit hook that writes the chain.
from twin.audit.service import (
    AUDIT_TABLE,
    Change,
    VerifyReport,
    _hashed_fields,
    entry_hash,
    record,
    verify,
)
from twin.db import SessionLimits, make_sessionmaker, session_scope
from twin.embedded.postgres import resolve_database

console = Console()
if not console.is_terminal:
    console = Console(width=150)  # piped into a log: wide enough for the table
DB_NAME = "twin_bench_audit"
WRITERS = (1, 8, 32)
WARMUP_S = 0.5
ACTOR = "bench"
LIMITS = SessionLimits(
    lock_timeout_s=30, statement_timeout_s=60, idle_in_transaction_timeout_s=60, pool_timeout_s=60
)
SCRATCH_TABLE = (
    "CREATE TABLE bench_rows (id bigserial PRIMARY KEY, writer int NOT NULL, payload jsonb,"
    " ts timestamptz NOT NULL DEFAULT now())"
)


# --- the previous design, re-implemented -------------------------------------------------


def record_locked_first(session: Session, actor: str, changes: Iterable[Change]) -> int:
    """``twin.audit.service.record`` as of 65c75f4: lock the head now and append to the
    chain inside the caller's transaction; the lock is held until it commits."""
    batch = list(changes)
    if not batch:
        return 0
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one()
    prev, last_id = head.last_hash, head.last_id
    ts = datetime.now(UTC)
    rows = []
    for offset, change in enumerate(batch, start=1):
        fields = _hashed_fields(last_id + offset, ts, actor, change)
        digest = entry_hash(prev, fields)
        rows.append({**fields, "ts_utc": ts, "prev_hash": prev, "hash": digest})
        prev = digest
    session.connection().execute(insert(AUDIT_TABLE), rows)
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(last_id=last_id + len(rows), last_hash=prev)
    )
    return len(rows)


# --- one request -------------------------------------------------------------------------

Audit = Callable[[Session, str, Iterable[Change]], int]


def _no_audit(session: Session, actor: str, changes: Iterable[Change]) -> int:
    return 0


DESIGNS: tuple[tuple[str, Audit], ...] = (
    ("plain insert (no audit)", _no_audit),
    ("head locked first (before, 65c75f4)", record_locked_first),
    ("head locked at commit (now)", record),
)
PLAIN = DESIGNS[0][0]

INSERT_ROW = text(
    "INSERT INTO bench_rows (writer, payload) VALUES (:writer, CAST(:payload AS jsonb))"
    " RETURNING id"
)
READ_ROW = text("SELECT id, writer, payload FROM bench_rows WHERE id = :id")
WORK = text("SELECT pg_sleep(0.002)")


def request(session: Session, audit: Audit, writer: int, seq: int) -> None:
    """(a) insert a domain row, (b) audit it, (c) the rest of the request; the caller commits."""
    payload = {"writer": writer, "seq": seq, "value": seq * 0.5}
    row_id = session.execute(
        INSERT_ROW, {"writer": writer, "payload": json.dumps(payload)}
    ).scalar_one()
    audit(
        session,
        ACTOR,
        [Change("create", "bench_row", str(row_id), None, None, {"id": row_id, **payload})],
    )
    for back in range(3):
        session.execute(READ_ROW, {"id": row_id - back}).all()
    session.execute(WORK)


# --- one cell ----------------------------------------------------------------------------


@dataclass
class Cell:
    design: str
    writers: int
    seconds: float
    latencies_s: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies_s) / self.seconds

    def pct_ms(self, q: float) -> float:
        if not self.latencies_s:
            return float("nan")
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1e3


def run_cell(
    factory: sessionmaker[Session], design: str, audit: Audit, writers: int, seconds: float
) -> Cell:
    """``writers`` threads run requests back to back; those that start after the warm-up
    and commit inside the window are counted."""
    cell = Cell(design, writers, seconds)
    barrier = threading.Barrier(writers + 1)
    window: list[float] = []  # [start, end], set once every writer is at the barrier
    lock = threading.Lock()

    def writer(n: int) -> None:
        latencies, failures, seq = [], [], 0
        barrier.wait()
        start, end = window
        while (t0 := time.perf_counter()) < end:
            seq += 1
            try:
                with session_scope(factory) as session:
                    request(session, audit, n, seq)
            except DBAPIError as exc:  # lock timeout, deadlock, serialization: report them
                failures.append(str(exc.orig).splitlines()[0])
                continue
            t1 = time.perf_counter()
            if t0 >= start and t1 <= end:
                latencies.append(t1 - t0)
        with lock:
            cell.latencies_s.extend(latencies)
            cell.failures.extend(failures)

    threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(writers)]
    for thread in threads:
        thread.start()
    now = time.perf_counter()
    window.extend((now + WARMUP_S, now + WARMUP_S + seconds))
    barrier.wait()
    for thread in threads:
        thread.join()
    return cell


# --- main --------------------------------------------------------------------------------


def _engine(url: str, writers: int) -> Engine:
    """``twin.db.make_engine`` with a pool big enough for every writer at once."""
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=writers + 8,
        max_overflow=0,
        pool_timeout=LIMITS.pool_timeout_s,
        connect_args={"options": LIMITS.options()},
    )


def _chain_check(factory: sessionmaker[Session]) -> VerifyReport:
    with session_scope(factory) as session:
        return verify(session)


def _chain_line(design: str, reports: list[tuple[int, VerifyReport]]) -> str:
    """``reports``: (entries the cell appended, the whole chain's check after it)."""
    appended = sum(n for n, _ in reports)
    where = f"after each of its {len(reports)} cells ({appended:,} entries appended by it"
    where += f", {reports[-1][1].checked:,} in the chain at its last check)"
    problems = [p for _, r in reports for p in r.problems]
    if not problems:
        return f"[green]chain OK[/green] {where}: {design}"
    more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
    return f"[red]chain BROKEN[/red] {where}: {design}: {'; '.join(problems[:5])}{more}"


def report(cells: list[Cell], pg_version: str, seconds: float) -> None:
    plain = {c.writers: c.rate for c in cells if c.design == PLAIN}
    table = Table(
        "writers",
        "design",
        "tx/s",
        "p50 ms",
        "p99 ms",
        "vs plain",
        title=f"bench_audit: audited writes, PostgreSQL {pg_version}, {os.cpu_count()} CPUs",
        caption=(
            "each transaction: insert a row, audit it, 3 SELECTs + pg_sleep(2 ms), commit; "
            f"{seconds:g} s per cell after {WARMUP_S:g} s warm-up; latency from the first "
            "statement to the end of COMMIT; vs plain = share of the plain insert's tx/s at "
            "the same writer count (the peer, same run)"
        ),
    )
    for n in WRITERS:
        for cell in (c for c in cells if c.writers == n):
            share = cell.rate / plain[n] if plain.get(n) else float("nan")
            table.add_row(
                str(n),
                cell.design,
                f"{cell.rate:,.0f}",
                f"{cell.pct_ms(0.50):.1f}",
                f"{cell.pct_ms(0.99):.1f}",
                "peer" if cell.design == PLAIN else f"{share:.0%}",
            )
        table.add_section()
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="measured seconds per cell")
    parser.add_argument("--keep-db", action="store_true", help=f"keep {DB_NAME} afterwards")
    args = parser.parse_args()
    console.print(f"CPUs: {os.cpu_count()}; load average at start: {os.getloadavg()[0]:.2f}")
    started = time.monotonic()
    server, cluster = resolve_database(None, _work_dir())
    try:
        url = fresh_db(server, DB_NAME)  # drop, create with PostGIS, migrate
        engine = _engine(url, max(WRITERS))
        try:
            factory = make_sessionmaker(engine)
            with engine.begin() as conn:
                conn.execute(text(SCRATCH_TABLE))
                pg_version = str(conn.execute(text("SHOW server_version")).scalar())
            console.print(f"setup {time.monotonic() - started:.1f} s: {url}")
            cells: list[Cell] = []
            checks: dict[str, list[tuple[int, VerifyReport]]] = {d: [] for d, _ in DESIGNS}
            chained = 0
            # Writer count outermost: the cells compared in a row run back to back, so a
            # change in the machine's load between them stays small.
            for n in WRITERS:
                for design, audit in DESIGNS:
                    cpu = time.process_time()
                    cell = run_cell(factory, design, audit, n, args.seconds)
                    cpu = time.process_time() - cpu
                    cells.append(cell)
                    check = _chain_check(factory)
                    checks[design].append((check.checked - chained, check))
                    chained = check.checked
                    console.print(
                        f"  {n:>2} writers, {design}: {cell.rate:,.0f} tx/s; this process "
                        f"{cpu:.1f} CPU s; load {os.getloadavg()[0]:.2f}"
                        + (f"; [red]{len(cell.failures)} failed[/red]" if cell.failures else "")
                    )
        finally:
            engine.dispose()
        report(cells, pg_version, args.seconds)
        for design, reports in checks.items():
            console.print(_chain_line(design, reports))
        for cell in cells:
            if cell.failures:
                kinds = sorted(set(cell.failures))
                console.print(
                    f"[red]{cell.design}, {cell.writers} writers: {len(cell.failures)} "
                    f"transactions failed[/red]: {'; '.join(kinds[:3])}"
                )
        if not any(c.failures for c in cells):
            console.print("no transaction failed (no lock timeout, deadlock or other error)")
        if not args.keep_db:
            drop_db(url)
    finally:
        if cluster is not None:
            cluster.stop()
    console.print(
        f"total {time.monotonic() - started:.1f} s; load average at end: {os.getloadavg()[0]:.2f}"
    )


def _work_dir() -> Path:
    """Where a private cluster would live when no PostgreSQL answers on 127.0.0.1:5432."""
    return Path(tempfile.gettempdir()) / "twin-bench-audit"


if __name__ == "__main__":
    main()
