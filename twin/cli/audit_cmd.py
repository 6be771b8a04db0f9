from __future__ import annotations

import typer

from twin.audit import service
from twin.cli.common import console, unit_of_work

app = typer.Typer(help="The audit trail.", no_args_is_help=True)


@app.command()
def verify() -> None:
    """Walk the hash chain; exit 1 and list every break when rows were edited or deleted."""
    with unit_of_work() as session, console.status("verifying the audit chain …"):
        report = service.verify(session)
    if report.ok:
        console.print(
            f"[green]audit chain intact[/green]: {report.checked} entries, head {report.head_hash}"
        )
        return
    console.print(f"[red]audit chain BROKEN[/red] ({report.checked} entries checked):")
    for problem in report.problems:
        console.print(f"  - {problem}")
    raise typer.Exit(1)
