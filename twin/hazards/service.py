"""Assess every hazard source of a site twice: as registered (design capacity) and live
(quantities from the latest tank-level readings), with the rule version on each verdict."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sim.major_hazard import (
    Assessment,
    MajorHazardRules,
    TankShape,
    UnknownChemicalError,
    assess,
    load_rules,
    quantity_from_level,
)
from twin.sites.models import Site

RULES_PATH = Path(__file__).resolve().parents[2] / "data" / "rules" / "gb18218.yaml"
# A level of 100 % is more than the design capacity: vessels are filled to at most ~90 %
# of their volume (liquefied gases less), so full = capacity / 0.9 until a tank's own
# geometry and density are recorded.
MAX_FILLING_RATIO = 0.9

_SOURCES = text("""
SELECT i.code, i.name, i.name_en, i.kind, i.zone_code, i.inventory, i.responsible,
       lvl.code AS level_sensor, l.value AS level_pct, l.ts_utc AS level_ts
FROM installations i
LEFT JOIN LATERAL (
    SELECT s.id, s.code FROM sensors s
    WHERE s.site_id = i.site_id AND s.installation_code = i.code AND s.kind = 'level'
    ORDER BY s.code LIMIT 1
) lvl ON true
LEFT JOIN latest_readings l ON l.sensor_id = lvl.id AND l.quality < 2
WHERE i.site_id = :site AND i.is_hazard_source
ORDER BY i.code
""")


@lru_cache(maxsize=1)
def rules() -> MajorHazardRules:
    return load_rules(RULES_PATH)


def _summary(a: Assessment) -> dict[str, Any]:
    return {
        "s": round(a.s, 4),
        "r": round(a.r, 4),
        "is_major": a.is_major,
        "grade": a.grade,
        "alpha": a.alpha,
        "terms": [
            {
                "chemical": t.chemical,
                "quantity_t": round(t.quantity_t, 3),
                "critical_quantity_t": t.critical_quantity_t,
                "beta": t.beta,
            }
            for t in a.terms
        ],
    }


def hazard_sources(session: Session, site: Site) -> list[dict[str, Any]]:
    """Each hazard source with its registered and live GB 18218 assessment."""
    table = rules()
    out = []
    for row in session.execute(_SOURCES, {"site": site.id}).mappings():
        item: dict[str, Any] = {
            "code": row["code"],
            "name": row["name"],
            "name_en": row["name_en"],
            "kind": row["kind"],
            "zone": row["zone_code"],
            "responsible": row["responsible"],
            "rule_version": table.version,
            "people_outside_500m": site.people_outside_500m,
        }
        inventory = row["inventory"] or []
        shape: TankShape = "sphere" if row["kind"] == "sphere" else "vertical_cylinder"
        try:
            registered = assess(
                [(i["chemical"], i["design_capacity_t"]) for i in inventory],
                site.people_outside_500m,
                table,
            )
            if row["level_pct"] is not None:
                level = min(max(float(row["level_pct"]), 0.0), 100.0)
                live_q = [
                    (
                        i["chemical"],
                        quantity_from_level(
                            level, i["design_capacity_t"] / MAX_FILLING_RATIO, shape
                        ),
                    )
                    for i in inventory
                ]
                basis = {
                    "basis": "level",
                    "sensor": row["level_sensor"],
                    "level_pct": level,
                    "ts": row["level_ts"].isoformat(),
                }
            else:
                live_q = [
                    (i["chemical"], i.get("quantity_t") or i["design_capacity_t"])
                    for i in inventory
                ]
                basis = {"basis": "registered quantity (no live level)"}
            live = assess(live_q, site.people_outside_500m, table)
        except UnknownChemicalError as exc:
            item["error"] = str(exc)
            out.append(item)
            continue
        item["registered"] = _summary(registered)
        item["live"] = _summary(live) | basis
        out.append(item)
    return out
