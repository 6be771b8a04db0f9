"""The result of one consequence run, and its JSON form.

Examples
--------
>>> from sim.consequence.gaussian_plume import GaussianPlume
>>> from sim.consequence.levels import LevelOfConcern
>>> from sim.consequence.zones import toxic_zones
>>> level = LevelOfConcern("AEGL-2", 160.0, "ppm", 111.4)
>>> zones = toxic_zones(GaussianPlume(2.0, 3.0, "D"), (level,), 270.0)
>>> run = Assessment("gaussian_plume", "ammonia", "demo", {}, {}, zones, ())
>>> out = run.as_dict()
>>> out["zones"][0]["level"], out["zones"][0]["geometry"]["type"]
('AEGL-2', 'Polygon')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import mapping

from sim.consequence.chemicals import mg_m3_to_ppm
from sim.consequence.limits import ModelWarning
from sim.consequence.zones import PointThreat, ThreatZones

__all__ = ["Assessment"]

# Zone outlines are reported to the centimetre: finer digits are noise.
_GRID_M = 0.01


@dataclass(frozen=True, slots=True)
class Assessment:
    """A consequence run: what went in, what the model derived, zones and points.

    Attributes
    ----------
    model : str
        ``"gaussian_plume"``, ``"dense_gas"``, ``"pool_fire"``, ``"jet_fire"`` or
        ``"vapour_cloud_explosion"``.
    chemical : str
        Chemical key.
    table_version : str
        Version of the chemical table the properties and levels came from.
    inputs : Mapping
        The inputs as used, with units in the keys.
    derived : Mapping
        Quantities the model derived (flame height, TNT mass, α…), units in the keys.
    zones : ThreatZones
    points : tuple of PointThreat
    """

    model: str
    chemical: str
    table_version: str
    inputs: Mapping[str, Any]
    derived: Mapping[str, Any]
    zones: ThreatZones
    points: tuple[PointThreat, ...]

    @property
    def warnings(self) -> tuple[ModelWarning, ...]:
        """The model's limits reached by this run."""
        return self.zones.warnings

    def as_dict(self, molar_mass_g_mol: float | None = None) -> dict[str, Any]:
        """JSON-ready mapping; zone polygons as GeoJSON geometries in local metres.

        Pass the molar mass to report toxic concentrations in ppm as well.
        """
        return {
            "model": self.model,
            "chemical": self.chemical,
            "table_version": self.table_version,
            "inputs": dict(self.inputs),
            "derived": dict(self.derived),
            "frame": "local metres: source at (0, 0), x east, y north",
            "wind_from_deg": self.zones.wind_from_deg,
            "zones": [
                {
                    "level": z.level.name,
                    "threshold": z.level.value,
                    "threshold_unit": z.level.unit,
                    "extent_m": round(z.extent_m, 2),
                    "half_width_m": round(z.half_width_m, 2),
                    "area_m2": round(z.polygon.area, 1),
                    "geometry": mapping(shapely.set_precision(z.polygon, _GRID_M)),
                }
                for z in self.zones.zones
            ],
            "points": [_point_dict(p, molar_mass_g_mol) for p in self.points],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def _point_dict(point: PointThreat, molar_mass_g_mol: float | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "east_m": point.east_m,
        "north_m": point.north_m,
        "value": float(f"{point.value:.6g}"),
        "unit": point.unit,
        "exceeds": point.exceeded.name if point.exceeded else None,
    }
    if point.downwind_m is not None:
        out["downwind_m"] = round(point.downwind_m, 3) + 0.0
        out["crosswind_m"] = round(point.crosswind_m or 0.0, 3) + 0.0
    if point.unit == "mg/m3" and molar_mass_g_mol is not None:
        out["ppm"] = float(f"{mg_m3_to_ppm(point.value, molar_mass_g_mol):.6g}")
    return out
