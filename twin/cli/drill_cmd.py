"""``twin drill``: save scenario files, simulate them, and write evaluation reports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from twin.cli.common import cli_actor, console, unit_of_work
from twin.drills import report, service
from twin.drills.schemas import Scenario
from twin.drills.simulation import plant_start, run_simulation
from twin.errors import NotFound
from twin.incidents.report import report_pdf
from twin.incidents.situation import LOCAL_TIME
from twin.routes.service import RouteCache
from twin.sites.service import get_site

app = typer.Typer(help="Drill scenarios, simulations and evaluation reports.", no_args_is_help=True)

Site = Annotated[str, typer.Option(help="site code")]


@app.command()
def save(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)], site: Site) -> None:
    """Store a scenario file (YAML or JSON): version 1, or the next version of its code."""
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        console.print(f"[red]{file} is not YAML or JSON: {exc}[/red]")
        raise typer.Exit(2) from exc
    with unit_of_work() as session:
        scenario = service.parse_scenario(data)
        the_site = get_site(session, site)
        try:
            service.get_scenario(session, the_site, scenario.code)
            new = False
        except NotFound:
            new = True
        row = service.save_scenario(session, the_site, cli_actor(), scenario, new=new)
        console.print(f"[green]saved {row.code} version {row.version}[/green]")


@app.command("list")
def list_cmd(site: Site) -> None:
    """Scenarios (newest versions) and runs."""
    with unit_of_work() as session:
        the_site = get_site(session, site)
        scenarios = Table("scenario", "version", "name", "saved by", title="scenarios")
        for row in service.list_scenarios(session, the_site):
            scenarios.add_row(row.code, str(row.version), row.name, row.created_by)
        runs = Table("run", "drill id", "mode", "state", "scenario", "score", title="runs")
        for run in service.list_runs(session, the_site):
            d = service.run_dict(session, run)
            score = (run.result or {}).get("score")
            runs.add_row(
                str(run.id),
                run.drill_id,
                run.mode,
                run.state,
                f"{d['scenario']['code']} v{d['scenario']['version']}",
                "—" if score is None else f"{score:.0%}",
            )
    console.print(scenarios, runs)


@app.command()
def simulate(
    code: str,
    site: Site,
    version: Annotated[int | None, typer.Option(help="the newest when not given")] = None,
    out: Annotated[Path | None, typer.Option(help="write the report (.html or .pdf)")] = None,
) -> None:
    """Simulate a stored scenario and print its evaluation (and write its report)."""
    with unit_of_work() as session:
        the_site = get_site(session, site)
        row = service.get_scenario(session, the_site, code, version)
        scenario = Scenario.model_validate(row.body)
        start = plant_start(scenario, datetime.now(LOCAL_TIME).date())
        run = service.create_run(session, the_site, row, service.SIMULATION, cli_actor(), start)
        people = sum(scenario.population.template.values()) or "the positioned"
        with console.status(f"simulating {people} people over {scenario.duration_s:.0f} s …"):
            began = datetime.now(UTC)
            result = run_simulation(session, the_site, run, row, RouteCache())
            took = (datetime.now(UTC) - began).total_seconds()
        _print_result(run.id, run.drill_id, result, took, scenario.duration_s)
        if out is not None:
            _write(out, report.run_report(session, the_site, [run]))


@app.command("report")
def report_cmd(
    run: int,
    site: Site,
    out: Annotated[Path, typer.Option(help=".html or .pdf")],
    compare: Annotated[int | None, typer.Option(help="a second run, side by side")] = None,
) -> None:
    """Write a run's evaluation report, or two runs compared."""
    with unit_of_work() as session:
        the_site = get_site(session, site)
        runs = [service.get_run(session, the_site, r) for r in (run, compare) if r is not None]
        _write(out, report.run_report(session, the_site, runs))


def _write(out: Path, html: str) -> None:
    if out.suffix.lower() == ".pdf":
        with console.status("printing the PDF …"):
            out.write_bytes(report_pdf(html))
    else:
        out.write_text(html, encoding="utf-8")
    console.print(f"[green]wrote {out}[/green]")


def _print_result(
    run_id: int, drill_id: str, result: dict[str, Any], took_s: float, duration_s: float
) -> None:
    table = Table(
        "measure", "value", "target", "verdict", "basis", title=f"run {run_id} ({drill_id})"
    )
    for m in result["measures"]:
        value = "—" if m["value"] is None else f"{m['value']:.1f} {m['unit']}"
        target = "—" if m["target"] is None else f"≤ {m['target']:g}"
        verdict = {True: "[green]met[/green]", False: "[red]missed[/red]", None: ""}[m["passed"]]
        table.add_row(report.MEASURE_NAMES[m["key"]][1], value, target, verdict, m["basis"])
    console.print(table)
    speed = duration_s / max(took_s, 1e-9)
    console.print(
        f"simulated {duration_s:.0f} s in {took_s:.1f} s ({speed:.0f}× real time); "
        f"replay it with drill={drill_id}"
    )
