from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.table import Table

from twin.app import create_app
from twin.auth.permissions import ROLES
from twin.cli.common import console, load_settings, unit_of_work
from twin.config import Settings
from twin.db import SessionLimits, make_engine, make_sessionmaker, session_scope
from twin.demo import synthetic
from twin.demo.load import (
    ensure_demo_people,
    ensure_demo_scenarios,
    ensure_demo_users,
    load_demo_plant,
)
from twin.runtime import database

app = typer.Typer(help="The demo plant and synthetic plants.", no_args_is_help=True)


def run_server(settings: Settings) -> None:
    with database(settings) as url:
        if settings.demo:
            _load_demo(url, settings)
        engine = make_engine(url, SessionLimits.of(settings))
        app_ = create_app(settings.model_copy(update={"database_url": url}), engine, live=True)
        console.print(
            f"[bold green]plant-twin on http://{settings.host}:{settings.port}/"
            "[/bold green]  (Ctrl-C stops it)"
        )
        # Bounded: on SIGTERM requests in flight get the grace period, then are cut off.
        uvicorn.run(
            app_,
            host=settings.host,
            port=settings.port,
            log_level="info",
            timeout_graceful_shutdown=round(settings.shutdown_grace_s),
        )
        engine.dispose()


def _load_demo(url: str, settings: Settings) -> None:
    # A load is a job: it runs without the request limits of the server's engine.
    engine = make_engine(url, SessionLimits.of(settings, job=True))
    try:
        with (
            console.status("loading the demo plant …"),
            session_scope(make_sessionmaker(engine)) as session,
        ):
            report = load_demo_plant(session)
            ensure_demo_users(session, settings.demo_password.get_secret_value())
            ensure_demo_people(session)
            ensure_demo_scenarios(session)
    finally:
        engine.dispose()
    console.print(f"demo plant: {report.totals}")
    _print_accounts(settings)


def _print_accounts(settings: Settings) -> None:
    table = Table("username", "password", "role", title="demo accounts")
    for role in ROLES:
        table.add_row(role, settings.demo_password.get_secret_value(), role)
    console.print(table)


@app.command()
def run(
    port: Annotated[int, typer.Option()] = 8000, host: Annotated[str, typer.Option()] = "127.0.0.1"
) -> None:
    """Serve the demo plant on http://127.0.0.1:8000 with one account per role."""
    run_server(load_settings(demo=True, simulate=True, port=port, host=host))


@app.command()
def load() -> None:
    """Load (or refresh) the demo plant into the database."""
    with unit_of_work() as session, console.status("importing the demo plant …"):
        report = load_demo_plant(session)
    console.print(report.layers)


@app.command()
def generate(
    scale: Annotated[int, typer.Option(min=1, max=200)] = 10,
    out: Annotated[Path | None, typer.Option(help=".gpkg to write")] = None,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Write a synthetic plant (about 1,000 route edges and 500 sensors per scale unit)."""
    out = out or Path(f"synthetic-{scale}.gpkg")
    started = time.perf_counter()
    with console.status(f"building a scale-{scale} plant …"):
        site, layers = synthetic.generate(scale, seed=seed)
    with console.status(f"writing {out} …"):
        synthetic.write_gpkg(site, layers, out)
    table = Table("layer", "features", title=f"{out} ({time.perf_counter() - started:.1f} s)")
    for name, features in layers.items():
        table.add_row(name, f"{len(features):,}")
    console.print(table)
