"""Turn incoming features into rows that may be stored, or into per-feature reasons.

Used by the API (one feature) and by imports (whole files): a batch is accepted only
when every feature passes, so nothing is half-written.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import ValidationError
from shapely import to_wkb
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.crs import is_supported_srid
from gis.validate import geometry_problems
from twin.plant.layers import LAYERS, LayerSpec
from twin.sites.models import Site

# Features may sit this far outside the drawn site boundary (survey and digitising slack).
BOUNDARY_TOLERANCE_M = 1.0
# Geometry identity for idempotent re-imports: 1e-9 degrees is about 0.1 mm.
IDENTITY_GRID_DEG = 1e-9
# Columns GDAL adds to KML or GeoPackage layers that are not feature properties.
FORMAT_NOISE = frozenset(
    {
        "fid",
        "id",
        "description",
        "timestamp",
        "begin",
        "end",
        "altitudeMode",
        "tessellate",
        "extrude",
        "visibility",
        "drawOrder",
        "icon",
        "snippet",
    }
)
# KML keeps a feature's name in <name>, which GDAL's LIBKML driver reads back as "Name".
RENAMED = {"Name": "name"}


@dataclass(frozen=True, slots=True)
class Incoming:
    """A feature as it arrived: its position in the input, raw properties, geometry."""

    index: int
    properties: Mapping[str, Any]
    geometry: BaseGeometry | None


@dataclass(frozen=True, slots=True)
class Prepared:
    """A feature that passed every check, with its geometry in storage CRS (EWKB)."""

    code: str
    values: dict[str, Any]
    ewkb: bytes
    identity: bytes
    geojson: str


@dataclass
class Batch:
    layer: LayerSpec
    prepared: list[Prepared] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def _clean(value: Any) -> Any:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # NumPy scalar
        return value.item()
    return value


def _coerce(spec: LayerSpec, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Drop empties and format noise; decode JSON text that file formats flatten."""
    props: dict[str, Any] = {}
    fields = spec.fields
    for key, value in raw.items():
        if key not in fields:
            key = RENAMED.get(key, key)
            if key in FORMAT_NOISE and key not in fields:
                continue
        value = _clean(value)
        if value is None:
            continue
        if key in spec.nested_fields and isinstance(value, str) and value[:1] in "[{":
            # Text that is not JSON stays text; validation then names the field.
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        props[key] = value
    return props


def _reasons(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        out.append(f"{where}: {err['msg']}" if where else err["msg"])
    return out


def _known_codes(session: Session, site: Site, layer: str, codes: set[str]) -> set[str]:
    if not codes:
        return set()
    table = LAYERS[layer].model.__tablename__
    rows = session.execute(
        text(f"SELECT code FROM {table} WHERE site_id = :s AND code = ANY(:c)"),
        {"s": site.id, "c": list(codes)},
    )
    return {r[0] for r in rows}


def prepare(
    session: Session,
    site: Site,
    spec: LayerSpec,
    features: Iterable[Incoming],
    srid: int,
    *,
    pending: Mapping[str, set[str]] | None = None,
) -> Batch:
    """Validate ``features`` of one layer given in ``srid``.

    ``pending`` holds codes of other layers written in the same transaction (an import
    loading nodes and edges together), so references to them resolve.
    """
    batch = Batch(spec)
    if not is_supported_srid(srid):
        batch.errors.append(
            {
                "layer": spec.name,
                "index": None,
                "code": None,
                "reasons": [
                    f"unsupported CRS EPSG:{srid}; use EPSG:4490 "
                    "(CGCS2000), EPSG:4326 or a CGCS2000 GK zone"
                ],
            }
        )
        return batch
    geographic = srid in (4326, 4490)
    candidates: list[tuple[Incoming, Any]] = []
    seen: dict[str, int] = {}
    for item in features:
        reasons: list[str] = []
        props = _coerce(spec, item.properties)
        try:
            parsed = spec.props.model_validate(props)
        except ValidationError as exc:
            parsed, reasons = None, _reasons(exc)
        reasons += geometry_problems(item.geometry, spec.accepts, geographic=geographic)
        code = parsed.code if parsed else props.get("code")
        if code in seen:
            reasons.append(f"code {code!r} repeats feature {seen[code]}")
        elif code is not None:
            seen[str(code)] = item.index
        if reasons:
            batch.errors.append(
                {"layer": spec.name, "index": item.index, "code": code, "reasons": reasons}
            )
        else:
            candidates.append((item, parsed))
    _check_references(session, site, spec, candidates, batch, pending or {})
    _place(session, site, spec, candidates, srid, batch)
    return batch


def _check_references(
    session: Session,
    site: Site,
    spec: LayerSpec,
    candidates: list[tuple[Incoming, Any]],
    batch: Batch,
    pending: Mapping[str, set[str]],
) -> None:
    for prop, layer in spec.references.items():
        wanted = {getattr(p, prop) for _, p in candidates if getattr(p, prop) is not None}
        known = _known_codes(session, site, layer, wanted - pending.get(layer, set()))
        known |= pending.get(layer, set())
        for item, parsed in list(candidates):
            ref = getattr(parsed, prop)
            if ref is not None and ref not in known:
                batch.errors.append(
                    {
                        "layer": spec.name,
                        "index": item.index,
                        "code": parsed.code,
                        "reasons": [f"{prop}: no {layer} feature {ref!r} at this site"],
                    }
                )
                candidates.remove((item, parsed))


# One round trip for the whole batch: transform into storage CRS, promote to multi where
# the layer stores multi-geometries, and test against the site boundary in metres.
_PLACE_SQL = text("""
WITH site AS (
    SELECT ST_Transform(ST_Buffer(ST_Transform(boundary, metric_srid), :tol), 4490) AS area
    FROM sites WHERE id = :site
), incoming AS (
    SELECT i, ST_Transform(ST_SetSRID(ST_GeomFromWKB(w), :srid), 4490) AS g
    FROM unnest(CAST(:wkbs AS bytea[])) WITH ORDINALITY AS t(w, i)
), shaped AS (
    SELECT i, CASE WHEN :multi THEN ST_Multi(g) ELSE g END AS g FROM incoming
)
SELECT i, ST_AsEWKB(g), ST_AsBinary(ST_SnapToGrid(g, :grid)), ST_AsGeoJSON(g, 9),
       ST_CoveredBy(g, site.area), ST_IsValid(g)
FROM shaped, site ORDER BY i
""")


def _place(
    session: Session,
    site: Site,
    spec: LayerSpec,
    candidates: list[tuple[Incoming, Any]],
    srid: int,
    batch: Batch,
) -> None:
    if not candidates:
        return
    wkbs = [to_wkb(item.geometry, output_dimension=2) for item, _ in candidates]
    rows = session.execute(
        _PLACE_SQL,
        {
            "tol": BOUNDARY_TOLERANCE_M,
            "site": site.id,
            "srid": srid,
            "wkbs": wkbs,
            "multi": spec.multi,
            "grid": IDENTITY_GRID_DEG,
        },
    ).all()
    for (item, parsed), (_i, ewkb, identity, geojson, inside, valid) in zip(
        candidates, rows, strict=True
    ):
        reasons = []
        if not inside:
            reasons.append("geometry lies outside the site boundary: check the CRS and site")
        if not valid:
            reasons.append("geometry becomes invalid in CGCS2000")
        if reasons:
            batch.errors.append(
                {"layer": spec.name, "index": item.index, "code": parsed.code, "reasons": reasons}
            )
            continue
        values = parsed.model_dump(mode="json")
        for derived in spec.derived_fields:
            values.pop(derived, None)
        batch.prepared.append(Prepared(parsed.code, values, bytes(ewkb), bytes(identity), geojson))
