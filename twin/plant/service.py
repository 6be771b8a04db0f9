"""Read and write plant features of any registered layer, audited."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    LargeBinary,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from twin.audit import service as audit
from twin.db import STORAGE_SRID
from twin.errors import Conflict, NotFound, ValidationFailed
from twin.plant.layers import LAYERS, LayerSpec
from twin.plant.validation import IDENTITY_GRID_DEG, Batch, Prepared
from twin.sites.models import Site

BBox = tuple[float, float, float, float]
# Upserts go to the server in chunks this size: large enough to amortise round trips,
# small enough to keep statements far below PostgreSQL's 65,535 bind parameters.
UPSERT_CHUNK = 1000


@dataclass
class WriteReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def properties_of(spec: LayerSpec, row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in spec.fields}


def feature(spec: LayerSpec, row: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A GeoJSON Feature from a row of :func:`feature_query`."""
    props = properties_of(spec, row) | (extra or {})
    return {
        "type": "Feature",
        "id": row.code,
        "geometry": json.loads(row.geojson),
        "properties": props,
    }


def envelope(bbox: BBox, srid: int) -> ColumnElement[Any]:
    return func.ST_Transform(func.ST_MakeEnvelope(*bbox, srid), STORAGE_SRID)


def feature_columns(spec: LayerSpec, out_srid: int) -> list[ColumnElement[Any]]:
    """Plain columns (no ORM entities: reads stay cheap and the identity map empty)."""
    model = spec.model
    return [
        *(getattr(model, name) for name in spec.fields),
        model.site_id,
        func.ST_AsGeoJSON(func.ST_Transform(model.geom, out_srid), 9).label("geojson"),
    ]


def feature_query(
    spec: LayerSpec,
    site_ids: Sequence[int],
    out_srid: int,
    bbox: BBox | None = None,
    bbox_srid: int = 4326,
) -> Select[Any]:
    model = spec.model
    query = select(*feature_columns(spec, out_srid)).where(model.site_id.in_(site_ids))
    if bbox is not None:
        query = query.where(func.ST_Intersects(model.geom, envelope(bbox, bbox_srid)))
    return query


def list_features(
    session: Session,
    spec: LayerSpec,
    site_ids: Sequence[int],
    *,
    out_srid: int = 4326,
    bbox: BBox | None = None,
    bbox_srid: int = 4326,
    limit: int | None = None,
    offset: int = 0,
    site_codes: dict[int, str] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Features in code order and how many match in all (for paging).

    With ``site_codes`` (a park-wide listing) ids become ``site:code`` and every feature
    names its site.
    """
    query = feature_query(spec, site_ids, out_srid, bbox, bbox_srid)
    matched = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = query.order_by(spec.model.site_id, spec.model.code).offset(offset).limit(limit)
    features = []
    for row in session.execute(page):
        feat = feature(spec, row)
        if site_codes is not None:
            feat["id"] = f"{site_codes[row.site_id]}:{row.code}"
            feat["properties"]["site"] = site_codes[row.site_id]
        features.append(feat)
    return features, matched


def get_feature(
    session: Session, spec: LayerSpec, site: Site, code: str, out_srid: int = 4326
) -> dict[str, Any]:
    found = session.execute(
        feature_query(spec, [site.id], out_srid).where(spec.model.code == code)
    ).first()
    if found is None:
        raise NotFound(f"no {spec.name} feature {code!r} at site {site.code!r}")
    return feature(spec, found)


def _snapshot(spec: LayerSpec, row: Any) -> dict[str, Any]:
    """What the audit log keeps of a stored feature (geometry in storage CRS)."""
    return {"properties": properties_of(spec, row), "geometry": json.loads(row.geojson)}


def write_batch(session: Session, site: Site, batch: Batch, actor: str) -> WriteReport:
    """Upsert prepared features by code; unchanged ones are neither written nor audited."""
    if batch.errors:
        raise ValidationFailed(
            f"{len(batch.errors)} feature(s) rejected; nothing was written", detail=batch.errors
        )
    spec, model = batch.layer, batch.layer.model
    report = WriteReport()
    by_code = {p.code: p for p in batch.prepared}
    existing: dict[str, Any] = {}
    codes = list(by_code)
    identity = func.ST_AsBinary(func.ST_SnapToGrid(model.geom, IDENTITY_GRID_DEG))
    for start in range(0, len(codes), 10 * UPSERT_CHUNK):
        rows = session.execute(
            select(*feature_columns(spec, STORAGE_SRID), identity.label("identity")).where(
                model.site_id == site.id, model.code.in_(codes[start : start + 10 * UPSERT_CHUNK])
            )
        )
        existing.update({row.code: row for row in rows})
    changed: list[Prepared] = []
    changes: list[audit.Change] = []
    for code, item in by_code.items():
        after = {"properties": item.values, "geometry": json.loads(item.geojson)}
        if code in existing:
            row = existing[code]
            before = _snapshot(spec, row)
            stored = {k: before["properties"].get(k) for k in item.values}
            if bytes(row.identity) == item.identity and stored == item.values:
                report.unchanged += 1
                continue
            report.updated += 1
            changes.append(
                audit.Change(f"{spec.name}.update", spec.name, code, site.code, before, after)
            )
        else:
            report.created += 1
            changes.append(
                audit.Change(f"{spec.name}.create", spec.name, code, site.code, None, after)
            )
        changed.append(item)
    _upsert(session, site, spec, changed)
    audit.record(session, actor, changes)
    return report


def _upsert(session: Session, site: Site, spec: LayerSpec, items: list[Prepared]) -> None:
    if not items:
        return
    model = spec.model
    table = model.__table__
    assert isinstance(table, Table)
    names = [n for n in spec.fields if n not in spec.derived_fields]
    # One statement compiled once and executed for many parameter sets (psycopg batches
    # them); a multi-row VALUES literal would be recompiled for every chunk.
    stmt = pg_insert(table).values(
        {
            **{n: bindparam(n, type_=table.c[n].type) for n in names},
            "site_id": bindparam("site_id"),
            "geom": func.ST_GeomFromEWKB(bindparam("ewkb", type_=LargeBinary)),
        }
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["site_id", "code"],
        set_={
            **{n: stmt.excluded[n] for n in names},
            "geom": stmt.excluded.geom,
            "updated_at": func.now(),
        },
    )
    for start in range(0, len(items), UPSERT_CHUNK):
        rows = [
            {**p.values, "site_id": site.id, "ewkb": p.ewkb}
            for p in items[start : start + UPSERT_CHUNK]
        ]
        session.connection().execute(stmt, rows)
    if spec.derived:
        codes = [p.code for p in items]
        derived = spec.derived(model.geom)  # type: ignore[arg-type]
        session.execute(
            update(model)
            .where(and_(model.site_id == site.id, model.code.in_(codes)))
            .values(**derived)
        )


def delete_feature(session: Session, spec: LayerSpec, site: Site, code: str, actor: str) -> None:
    model = spec.model
    found = session.execute(
        feature_query(spec, [site.id], STORAGE_SRID).where(model.code == code)
    ).first()
    if found is None:
        raise NotFound(f"no {spec.name} feature {code!r} at site {site.code!r}")
    _refuse_if_referenced(session, spec, site, code)
    before = _snapshot(spec, found)
    session.execute(delete(model).where(model.site_id == site.id, model.code == code))
    audit.record(
        session,
        actor,
        [audit.Change(f"{spec.name}.delete", spec.name, code, site.code, before, None)],
    )


def _refuse_if_referenced(session: Session, spec: LayerSpec, site: Site, code: str) -> None:
    for other in LAYERS.values():
        for prop, target in other.references.items():
            if target != spec.name:
                continue
            column = getattr(other.model, prop)
            user = session.scalar(
                select(other.model.code)
                .where(other.model.site_id == site.id, column == code)
                .limit(1)
            )
            if user is not None:
                raise Conflict(
                    f"{spec.name} {code!r} is still named by {other.name} "
                    f"{user!r} ({prop}); change or delete that first"
                )


def refuse_existing(session: Session, spec: LayerSpec, site: Site, code: str) -> None:
    model = spec.model
    if session.scalar(select(model.id).where(model.site_id == site.id, model.code == code)):
        raise Conflict(f"{spec.name} feature {code!r} exists; PUT replaces it")
