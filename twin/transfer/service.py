"""Atomic, idempotent imports and CRS-aware exports.

An import validates every feature of every layer first; one bad feature rejects the whole
file with a reason per feature and nothing is written. Features are keyed by code, so
importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely import from_wkb
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.crs import CGCS2000, WGS84
from gis.io import read_layers, write_layers
from twin.errors import ValidationFailed
from twin.plant import service as plant
from twin.plant.layers import LAYERS, LayerSpec
from twin.plant.validation import Batch, Incoming, prepare
from twin.sites.models import Site

FORMATS = {"gpkg": ".gpkg", "geojson": ".geojson", "kml": ".kml"}
MEDIA_TYPES = {
    "gpkg": "application/geopackage+sqlite3",
    "geojson": "application/geo+json",
    "kml": "application/vnd.google-earth.kml+xml",
}


@dataclass
class ImportReport:
    layers: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        out = {"created": 0, "updated": 0, "unchanged": 0}
        for counts in self.layers.values():
            for key in out:
                out[key] += counts[key]
        return out


def _split_by_layer(
    frames: dict[str, gpd.GeoDataFrame], layer: str | None
) -> dict[str, gpd.GeoDataFrame]:
    """Map file layers onto plant layers: by name, by a ``layer`` column, or as told."""
    if layer is not None:
        if len(frames) != 1:
            raise ValidationFailed(
                "the file has several layers; omit 'layer' and name "
                "each file layer after a plant layer"
            )
        return {layer: next(iter(frames.values()))}
    out: dict[str, gpd.GeoDataFrame] = {}
    for name, frame in frames.items():
        if name in LAYERS:
            out[name] = frame
        elif "layer" in frame.columns:
            for value, part in frame.groupby("layer"):
                out[str(value)] = part.drop(columns="layer")
        else:
            raise ValidationFailed(
                f"file layer {name!r} is not a plant layer; name it after one of "
                f"{', '.join(LAYERS)}, add a 'layer' property, or pass layer="
            )
    unknown = sorted(set(out) - set(LAYERS))
    if unknown:
        raise ValidationFailed(f"unknown layers {', '.join(unknown)}; known: {', '.join(LAYERS)}")
    return out


def _frame_srid(name: str, frame: gpd.GeoDataFrame, override: int | None) -> int:
    if override is not None:
        return override
    if frame.crs is None:
        raise ValidationFailed(f"layer {name!r} declares no CRS; pass crs= (e.g. EPSG:4490)")
    epsg = frame.crs.to_epsg()
    if epsg is None:
        raise ValidationFailed(
            f"layer {name!r} has a CRS without an EPSG code "
            f"({frame.crs.name}); reproject to EPSG:4490 or EPSG:4326"
        )
    return int(epsg)


def import_file(
    session: Session,
    site: Site,
    path: Path,
    actor: str,
    *,
    srid: int | None = None,
    layer: str | None = None,
) -> ImportReport:
    """Validate every feature of every layer in ``path``, then write them all or none."""
    try:
        frames = read_layers(path)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    except pyogrio.errors.DataSourceError as exc:
        raise ValidationFailed(f"cannot read the file: {exc}") from exc
    by_layer = _split_by_layer(frames, layer)
    batches: list[Batch] = []
    pending: dict[str, set[str]] = {}
    for name, spec in LAYERS.items():  # registry order: referenced layers first
        if name not in by_layer:
            continue
        frame = by_layer[name]
        frame_srid = _frame_srid(name, frame, srid)
        columns = [c for c in frame.columns if c != frame.geometry.name]
        items = [
            Incoming(int(i), dict(zip(columns, values, strict=True)), geom)
            for i, (values, geom) in enumerate(
                zip(frame[columns].itertuples(index=False, name=None), frame.geometry, strict=True)
            )
        ]
        batch = prepare(session, site, spec, items, frame_srid, pending=pending)
        pending[name] = {p.code for p in batch.prepared}
        batches.append(batch)
    errors = [e for b in batches for e in b.errors]
    if errors:
        raise ValidationFailed(
            f"{len(errors)} feature(s) rejected; nothing was imported", detail=errors
        )
    report = ImportReport()
    for batch in batches:
        written = plant.write_batch(session, site, batch, actor)
        report.layers[batch.layer.name] = {
            "created": written.created,
            "updated": written.updated,
            "unchanged": written.unchanged,
        }
    return report


def layer_frame(
    session: Session, spec: LayerSpec, site: Site, srid: int, flatten: bool
) -> gpd.GeoDataFrame:
    """A layer of a site as a GeoDataFrame in ``srid``; nested values as JSON if ``flatten``."""
    model = spec.model
    rows = session.execute(
        select(
            *(getattr(model, name) for name in spec.fields),
            func.ST_AsBinary(func.ST_Transform(model.geom, srid)).label("wkb"),
        )
        .where(model.site_id == site.id)
        .order_by(model.code)
    ).all()
    frame = pd.DataFrame.from_records([row[:-1] for row in rows], columns=list(spec.fields))
    if flatten:
        for name in spec.nested_fields:
            frame[name] = [
                None if v is None else json.dumps(v, ensure_ascii=False) for v in frame[name]
            ]
    return gpd.GeoDataFrame(
        frame, geometry=from_wkb([bytes(row.wkb) for row in rows]), crs=f"EPSG:{srid}"
    )


def output_srid(fmt: str, srid: int | None = None) -> int:
    """The CRS a download is written in: GeoJSON and KML are WGS84 by their
    specifications; GeoPackage is ``srid``, CGCS2000 by default.

    Raises
    ------
    ValidationFailed
        For an unknown format, or a CRS other than WGS84 asked of GeoJSON or KML.
    """
    if fmt not in FORMATS:
        raise ValidationFailed(f"unknown format {fmt!r}; use {', '.join(FORMATS)}")
    if fmt in ("geojson", "kml"):
        if srid not in (None, WGS84):
            raise ValidationFailed(
                f"{fmt} is WGS84 (EPSG:4326) by specification; use gpkg for CGCS2000"
            )
        return WGS84
    return srid or CGCS2000


def export_path(name: str, fmt: str) -> Path:
    """A file named ``name`` plus the format's extension in a fresh temporary folder,
    which the caller removes."""
    return Path(tempfile.mkdtemp(prefix="twin-export-")) / f"{name}{FORMATS[fmt]}"


def export_site(
    session: Session, site: Site, fmt: str, layers: list[LayerSpec], srid: int | None = None
) -> Path:
    """Write the layers to a temporary file and return its path (the caller removes it).

    GeoJSON and KML are WGS84 by their specifications; GeoPackage defaults to CGCS2000.
    A multi-layer GeoJSON is one FeatureCollection whose features carry ``layer``.
    """
    srid = output_srid(fmt, srid)
    path = export_path(site.code, fmt)
    if fmt == "geojson":
        features = []
        for spec in layers:
            found, _ = plant.list_features(session, spec, [site.id], out_srid=WGS84)
            for feat in found:
                feat["properties"] = {"layer": spec.name, **feat["properties"]}
            features += found
        path.write_text(
            json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
            encoding="utf-8",
        )
        return path
    frames = {spec.name: layer_frame(session, spec, site, srid, flatten=True) for spec in layers}
    write_layers({name: frame for name, frame in frames.items() if not frame.empty}, path)
    if not path.exists():
        raise ValidationFailed("nothing to export: the chosen layers are empty")
    return path
