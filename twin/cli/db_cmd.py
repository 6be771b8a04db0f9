from __future__ import annotations

import typer

from twin.cli.common import console, load_settings
from twin.migrate import current
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
