"""Helpers every ``twin`` sub-command shares."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.orm import Session

from twin.config import Settings
from twin.db import SessionLimits, make_engine, make_sessionmaker, session_scope
from twin.errors import TwinError
from twin.runtime import database

console = Console()


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages = "; ".join(e["msg"] for e in exc.errors())
        console.print(f"[red]configuration refused:[/red] {messages}")
        raise typer.Exit(2) from exc


def cli_actor() -> str:
    """Who the audit log names for changes made from this shell."""
    return f"cli:{getpass.getuser()}"


@contextmanager
def unit_of_work(settings: Settings | None = None) -> Iterator[Session]:
    """A database session for one command: committed on success, rolled back otherwise.

    Domain errors become a red message and exit code 1 instead of a traceback.
    """
    settings = settings or load_settings()
    try:
        with database(settings) as url:
            engine = make_engine(url, SessionLimits.of(settings, job=True))
            try:
                with session_scope(make_sessionmaker(engine)) as session:
                    yield session
            finally:
                engine.dispose()
    except TwinError as exc:
        console.print(f"[red]{exc.message}[/red]")
        if isinstance(exc.detail, list):
            for item in exc.detail[:50]:
                console.print(f"  {item}")
        raise typer.Exit(1) from exc
