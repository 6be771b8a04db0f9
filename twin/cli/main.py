"""``twin``: serve the twin, run the demo, manage the database, users, audit and data."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from twin.cli import audit_cmd, data_cmd, db_cmd, demo_cmd, drill_cmd, sim_cmd, users_cmd
from twin.cli.common import load_settings

app = typer.Typer(
    help="plant-twin: digital twin of a hazardous-chemical plant", no_args_is_help=True
)
app.add_typer(db_cmd.app, name="db")
app.add_typer(demo_cmd.app, name="demo")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(users_cmd.app, name="users")
app.add_typer(sim_cmd.app, name="sim")
app.add_typer(drill_cmd.app, name="drill")
app.command("import")(data_cmd.import_cmd)
app.command("export")(data_cmd.export_cmd)


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@app.command()
def serve(
    demo: Annotated[bool, typer.Option(help="load the demo plant and users")] = False,
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    data_dir: Annotated[Path | None, typer.Option()] = None,
) -> None:
    """Start the API and web client (embedded database when none is configured)."""
    overrides: dict[str, object] = {"demo": True} if demo else {}
    for key, value in (("host", host), ("port", port), ("data_dir", data_dir)):
        if value:
            overrides[key] = value
    demo_cmd.run_server(load_settings(**overrides))
