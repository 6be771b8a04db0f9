from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from twin.auth import service
from twin.auth.schemas import UserCreate
from twin.cli.common import cli_actor, console, unit_of_work

app = typer.Typer(help="User accounts.", no_args_is_help=True)


@app.command("list")
def list_cmd() -> None:
    with unit_of_work() as session:
        table = Table("username", "role", "active", "locale")
        for user in service.list_users(session):
            table.add_row(user.username, user.role, str(user.is_active), user.locale)
    console.print(table)


@app.command()
def create(
    username: str,
    role: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Create an account (admin, commander, safety_engineer, drill_planner, regulator,
    operator)."""
    try:
        data = UserCreate(username=username, role=role, password=password)  # type: ignore[arg-type]
    except ValidationError as exc:
        console.print(f"[red]{'; '.join(e['msg'] for e in exc.errors())}[/red]")
        raise typer.Exit(2) from exc
    with unit_of_work() as session:
        service.create_user(session, cli_actor(), data)
    console.print(f"[green]created {username} ({role})[/green]")
