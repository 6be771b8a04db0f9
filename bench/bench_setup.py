"""What every benchmark sets up the same way: a private database with the demo plant, and
a progress bar on the benchmark's console."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import Engine, make_url

from twin.db import make_engine, make_sessionmaker, session_scope
from twin.demo.load import ensure_demo_users, load_demo_plant
from twin.embedded.postgres import ensure_database, resolve_database
from twin.migrate import upgrade

DEMO_PASSWORD = "demo"  # noqa: S105 - the shipped demo accounts


def libpq(url: str, database: str | None = None) -> str:
    """``url`` (SQLAlchemy form) as a libpq connection string, optionally another database."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.set(database=database or parsed.database).render_as_string(False)


def fresh_db(server_url: str, name: str) -> str:
    """A new, migrated database ``name`` on the server (dropped first if it exists)."""
    url = make_url(server_url).set(database=name).render_as_string(False)
    drop_db(url)
    ensure_database(url)
    upgrade(url)
    return url


def drop_db(url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(libpq(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_demo(engine: Engine) -> None:
    with session_scope(make_sessionmaker(engine)) as session:
        load_demo_plant(session)
        ensure_demo_users(session, DEMO_PASSWORD)


def demo_database(stack: ExitStack, work: Path, name: str, keep: bool) -> tuple[str, Engine]:
    """A fresh database ``name`` holding the demo plant and accounts, on the PostgreSQL the
    app would use (a private cluster in ``work`` when none answers); undone by ``stack``."""
    server, cluster = resolve_database(None, work)
    if cluster is not None:
        stack.callback(cluster.stop)
    url = fresh_db(server, name)
    if not keep:
        stack.callback(drop_db, url)
    engine = make_engine(url)
    stack.callback(engine.dispose)
    load_demo(engine)
    return url, engine


def progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
