from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Query, UploadFile
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from gis.io import DRIVERS
from twin.deps import PlantExport, PlantImport, SessionDep, SettingsDep
from twin.errors import PayloadTooLarge, ValidationFailed
from twin.params import LayersQuery, crs_param, layers_param
from twin.plant.layers import get_layer
from twin.sites.service import get_site
from twin.transfer import service
from twin.transfer.schemas import ImportReport

router = APIRouter(tags=["import / export"])
FILE = {"type": "string", "format": "binary"}


def _save_upload(upload: UploadFile, limit: int) -> Path:
    suffix = Path(upload.filename or "").suffix.lower()
    if suffix not in DRIVERS:
        raise ValidationFailed(
            f"unsupported file type {suffix or '(none)'}; send .geojson, .gpkg or .kml"
        )
    path = Path(tempfile.mkdtemp(prefix="twin-import-")) / f"upload{suffix}"
    size = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(1 << 20):
            size += len(chunk)
            if size > limit:
                shutil.rmtree(path.parent, ignore_errors=True)
                raise PayloadTooLarge(f"file exceeds {limit // (1 << 20)} MiB")
            out.write(chunk)
    return path


@router.post("/sites/{site}/import")
def import_file(
    site: str,
    file: UploadFile,
    session: SessionDep,
    settings: SettingsDep,
    user: PlantImport,
    crs: Annotated[str | None, Form(description="override the file's CRS")] = None,
    layer: Annotated[str | None, Form(description="plant layer of a single-layer file")] = None,
) -> ImportReport:
    """Import a GeoJSON, GeoPackage or KML drawing: all features or none."""
    the_site = get_site(session, site)
    if layer is not None:
        get_layer(layer)
    srid = crs_param(crs) if crs else None
    path = _save_upload(file, settings.import_max_bytes)
    try:
        report = service.import_file(session, the_site, path, user.username, srid=srid, layer=layer)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    return ImportReport.model_validate({"site": site, "layers": report.layers, **report.totals})


@router.get(
    "/sites/{site}/export",
    response_class=FileResponse,
    responses={
        200: {
            "content": {
                media_type: {"schema": FILE} for media_type in service.MEDIA_TYPES.values()
            },
            "description": "the file, as an attachment",
        }
    },
)
def export_site(
    site: str,
    session: SessionDep,
    _: PlantExport,
    format: Annotated[str, Query(pattern="^(gpkg|geojson|kml)$")] = "gpkg",
    crs: Annotated[
        str | None, Query(description="GeoPackage only: EPSG:4490 (default) or EPSG:4326")
    ] = None,
    layers: LayersQuery = None,
) -> FileResponse:
    """Download the site's layers as GeoPackage, GeoJSON (RFC 7946) or KML."""
    the_site = get_site(session, site)
    srid = crs_param(crs) if crs else None
    path = service.export_site(session, the_site, format, layers_param(layers), srid)
    return file_download(path, format)


def file_download(path: Path, fmt: str) -> FileResponse:
    """An exported file as an attachment; its temporary folder goes once it is sent."""
    return FileResponse(
        path,
        media_type=service.MEDIA_TYPES[fmt],
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, path.parent, True),
    )
