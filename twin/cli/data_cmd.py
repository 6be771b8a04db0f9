from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from gis.crs import parse_crs
from twin.cli.common import cli_actor, console, unit_of_work
from twin.params import layers_param
from twin.sites.service import get_site
from twin.transfer import service


def _srid(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return parse_crs(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


def import_cmd(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    site: Annotated[str, typer.Option(help="site code")],
    crs: Annotated[str | None, typer.Option(help="override the file's CRS")] = None,
    layer: Annotated[str | None, typer.Option(help="plant layer of a single-layer file")] = None,
) -> None:
    """Import a GeoJSON, GeoPackage or KML drawing into a site: all features or none."""
    srid = _srid(crs)
    with unit_of_work() as session, console.status(f"importing {file.name} …"):
        report = service.import_file(
            session, get_site(session, site), file, cli_actor(), srid=srid, layer=layer
        )
    console.print(report.layers)
    console.print(f"[green]{report.totals}[/green]")


def export_cmd(
    site: Annotated[str, typer.Option(help="site code")],
    out: Annotated[Path, typer.Option(help="file to write (.gpkg/.geojson/.kml)")],
    crs: Annotated[str | None, typer.Option(help="GeoPackage CRS")] = None,
    layers: Annotated[str | None, typer.Option(help="comma-separated")] = None,
) -> None:
    """Export a site's layers; the format follows the file extension."""
    fmt = {".gpkg": "gpkg", ".geojson": "geojson", ".kml": "kml"}.get(out.suffix.lower())
    if fmt is None:
        console.print("[red]use a .gpkg, .geojson or .kml file name[/red]")
        raise typer.Exit(2)
    with unit_of_work() as session, console.status(f"exporting {site} …"):
        path = service.export_site(
            session, get_site(session, site), fmt, layers_param(layers), _srid(crs)
        )
    shutil.move(path, out)
    shutil.rmtree(path.parent, ignore_errors=True)
    console.print(f"[green]wrote {out}[/green]")
