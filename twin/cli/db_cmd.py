from __future__ import annotations

import typer

from twin.cli.common import console, load_settings, unit_of_work
from twin.migrate import current
from twin.readings import maintenance
from twin.runtime import database

app = typer.Typer(help="Database: migrate and inspect.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Create the database and PostGIS when missing and apply every migration."""
    with database(load_settings()) as url:
        console.print(f"[green]database at revision {current(url)}[/green]")


@app.command("current")
def current_cmd() -> None:
    """Print the applied migration revision."""
    with database(load_settings(), migrate=False) as url:
        console.print(current(url) or "(empty database)")


@app.command()
def maintain() -> None:
    """Roll readings up to one-minute aggregates and drop raw partitions past retention."""
    settings = load_settings()
    with unit_of_work(settings) as session, console.status("maintaining time series …"):
        report = maintenance.maintain(
            session.connection(), settings.raw_retention_days, settings.rollup_retention_days
        )
    console.print(
        f"rolled up {report.rolled_up} minute buckets; dropped "
        f"{len(report.dropped_partitions)} partitions; deleted "
        f"{report.deleted_rollups} old rollups"
    )
