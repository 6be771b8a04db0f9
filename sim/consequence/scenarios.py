"""One consequence run from a chemical and the release: model, zones, points, warnings.

These functions join the pieces the way a caller (the ``twin sim`` CLI, the incident
API) needs them: they take a `Chemical` and the release and weather inputs, build the
model, draw its zones for the three levels of concern, evaluate the query points, and
return an `Assessment` whose `Assessment.as_dict` is ready for JSON. No file is read
here: the caller loads the chemical table and passes the chemical and its version.

Examples
--------
>>> from pathlib import Path
>>> import sim
>>> from sim.consequence.chemical_table import load_chemicals
>>> table = load_chemicals(Path(sim.__file__).parents[1] / "data/rules/chemicals.yaml")
>>> run = plume_assessment(table.chemical("ammonia"), table.version, release_kg_s=2.0,
...                        wind_m_s=3.0, stability="D", points=[(500.0, 0.0)])
>>> [z.level.name for z in run.zones.zones]
['AEGL-3', 'AEGL-2', 'AEGL-1']
>>> point = run.points[0]
>>> round(point.value), point.exceeded.name
(321, 'AEGL-2')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sim.consequence.assessment import Assessment
from sim.consequence.atmosphere import air_density_kg_m3, gas_density_kg_m3
from sim.consequence.chemicals import Chemical
from sim.consequence.dense_gas import DenseGasPlume
from sim.consequence.dispersion_coefficients import Dispersion
from sim.consequence.explosion import DEFAULT_YIELD, VapourCloudExplosion
from sim.consequence.gaussian_plume import GaussianPlume
from sim.consequence.jet_fire import JetFire
from sim.consequence.limits import ModelWarning
from sim.consequence.pool_fire import PoolFire, burning_rate_kg_m2_s, equilibrium_pool_diameter_m
from sim.consequence.stability import Stability
from sim.consequence.zones import (
    DEFAULT_MAX_DISTANCE_M,
    HEAT_LEVELS,
    OVERPRESSURE_LEVELS,
    ThreatZones,
    radial_at_point,
    radial_zones,
    toxic_at_point,
    toxic_levels,
    toxic_zones,
)

__all__ = [
    "dense_gas_assessment",
    "explosion_assessment",
    "jet_fire_assessment",
    "plume_assessment",
    "pool_fire_assessment",
]


def plume_assessment(
    chemical: Chemical,
    table_version: str,
    *,
    release_kg_s: float,
    wind_m_s: float,
    stability: Stability,
    wind_from_deg: float = 270.0,
    release_height_m: float = 0.0,
    dispersion: Dispersion = "pasquill_gifford",
    levels: str | Sequence[str] = "AEGL",
    points: Iterable[tuple[float, float]] = (),
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
) -> Assessment:
    """Gaussian plume of a toxic release: zones for the chosen levels and point values."""
    plume = GaussianPlume(release_kg_s, wind_m_s, stability, release_height_m, dispersion)
    chosen, level_warnings = toxic_levels(chemical, levels)
    extra = [*level_warnings, *_dense_advice(chemical, release_kg_s, wind_m_s)]
    zones = toxic_zones(plume, chosen, wind_from_deg, max_distance_m=max_distance_m, warnings=extra)
    at = tuple(toxic_at_point(plume, chosen, e, n, wind_from_deg) for e, n in points)
    zones = _with_point_warnings(zones, plume.warnings([p.downwind_m or 0.0 for p in at]))
    inputs = {
        "release_kg_s": release_kg_s,
        "wind_m_s": wind_m_s,
        "stability": stability,
        "wind_from_deg": wind_from_deg,
        "release_height_m": release_height_m,
        "dispersion": dispersion,
    }
    return Assessment("gaussian_plume", chemical.key, table_version, inputs, {}, zones, at)


def dense_gas_assessment(
    chemical: Chemical,
    table_version: str,
    *,
    release_kg_s: float,
    wind_m_s: float,
    stability: Stability = "D",
    wind_from_deg: float = 270.0,
    source_temperature_k: float | None = None,
    ambient_temperature_k: float = 298.15,
    duration_s: float | None = None,
    levels: str | Sequence[str] = "AEGL",
    points: Iterable[tuple[float, float]] = (),
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
) -> Assessment:
    """Britter-McQuaid plume of a heavy gas; the source defaults to the boiling point
    for a liquefied gas (boiling below the air temperature), else to the air temperature."""
    if source_temperature_k is None:
        source_temperature_k = min(chemical.normal_boiling_point_k, ambient_temperature_k)
    plume = DenseGasPlume(
        release_kg_s,
        wind_m_s,
        chemical.molar_mass_g_mol,
        source_temperature_k,
        ambient_temperature_k=ambient_temperature_k,
        stability=stability,
        duration_s=duration_s,
    )
    chosen, level_warnings = toxic_levels(chemical, levels)
    zones = toxic_zones(
        plume, chosen, wind_from_deg, max_distance_m=max_distance_m, warnings=level_warnings
    )
    at = tuple(toxic_at_point(plume, chosen, e, n, wind_from_deg) for e, n in points)
    zones = _with_point_warnings(zones, plume.warnings([p.downwind_m or 0.0 for p in at]))
    inputs = {
        "release_kg_s": release_kg_s,
        "wind_m_s": wind_m_s,
        "stability": stability,
        "wind_from_deg": wind_from_deg,
        "source_temperature_k": source_temperature_k,
        "ambient_temperature_k": ambient_temperature_k,
        "duration_s": duration_s,
    }
    derived = {
        "source_density_kg_m3": round(plume.density_kg_m3, 4),
        "source_scale_m": round(plume.source_scale_m, 3),
        "alpha": round(plume.alpha, 4),
        "density_criterion": round(plume.density_criterion, 4),
        "upwind_extent_m": round(plume.upwind_extent_m, 2),
        "passive_from_m": round(plume.passive_from_m, 1),
    }
    return Assessment("dense_gas", chemical.key, table_version, inputs, derived, zones, at)


def pool_fire_assessment(
    chemical: Chemical,
    table_version: str,
    *,
    pool_diameter_m: float | None = None,
    spill_kg_s: float | None = None,
    radiative_fraction: float = 0.35,
    ambient_temperature_k: float = 298.15,
    relative_humidity: float = 0.5,
    points: Iterable[tuple[float, float]] = (),
) -> Assessment:
    """Pool fire of a given diameter, or of the pool a continuous spill sustains."""
    if (pool_diameter_m is None) == (spill_kg_s is None):
        raise ValueError("give exactly one of pool_diameter_m or spill_kg_s")
    if pool_diameter_m is None:
        assert spill_kg_s is not None
        pool_diameter_m = equilibrium_pool_diameter_m(spill_kg_s, chemical, ambient_temperature_k)
    rate = burning_rate_kg_m2_s(chemical, pool_diameter_m, ambient_temperature_k)
    assert chemical.heat_of_combustion_j_kg is not None
    fire = PoolFire(
        pool_diameter_m,
        rate,
        chemical.heat_of_combustion_j_kg,
        radiative_fraction,
        ambient_temperature_k,
        relative_humidity,
    )
    zones = radial_zones("thermal", fire.flux_kw_m2, HEAT_LEVELS, fire.warnings)
    at = tuple(radial_at_point(fire.flux_kw_m2, HEAT_LEVELS, e, n, "kW/m2") for e, n in points)
    inputs = {
        "pool_diameter_m": round(pool_diameter_m, 3),
        "spill_kg_s": spill_kg_s,
        "radiative_fraction": radiative_fraction,
        "ambient_temperature_k": ambient_temperature_k,
        "relative_humidity": relative_humidity,
    }
    derived = {
        "burning_rate_kg_m2_s": round(rate, 5),
        "flame_height_m": round(fire.flame_height_m, 2),
        "heat_release_mw": round(fire.heat_release_w / 1e6, 3),
    }
    return Assessment("pool_fire", chemical.key, table_version, inputs, derived, zones, at)


def jet_fire_assessment(
    chemical: Chemical,
    table_version: str,
    *,
    release_kg_s: float,
    exit_velocity_m_s: float | None = None,
    release_height_m: float = 0.0,
    ambient_temperature_k: float = 298.15,
    relative_humidity: float = 0.5,
    points: Iterable[tuple[float, float]] = (),
) -> Assessment:
    """Jet fire of a gas release (API 521 point source)."""
    heat = _heat_of_combustion(chemical)
    jet = JetFire(
        release_kg_s,
        heat,
        exit_velocity_m_s,
        release_height_m,
        None,
        ambient_temperature_k,
        relative_humidity,
    )
    zones = radial_zones("thermal", jet.flux_kw_m2, HEAT_LEVELS, jet.warnings)
    at = tuple(radial_at_point(jet.flux_kw_m2, HEAT_LEVELS, e, n, "kW/m2") for e, n in points)
    inputs = {
        "release_kg_s": release_kg_s,
        "exit_velocity_m_s": exit_velocity_m_s,
        "release_height_m": release_height_m,
        "ambient_temperature_k": ambient_temperature_k,
        "relative_humidity": relative_humidity,
    }
    derived = {
        "flame_length_m": round(jet.flame_length_m, 2),
        "radiative_fraction": round(jet.radiative_fraction_used, 4),
        "heat_release_mw": round(jet.heat_release_w / 1e6, 3),
    }
    return Assessment("jet_fire", chemical.key, table_version, inputs, derived, zones, at)


def explosion_assessment(
    chemical: Chemical,
    table_version: str,
    *,
    fuel_mass_kg: float,
    yield_factor: float = DEFAULT_YIELD,
    points: Iterable[tuple[float, float]] = (),
) -> Assessment:
    """Vapour-cloud explosion of ``fuel_mass_kg`` by TNT equivalence."""
    vce = VapourCloudExplosion(fuel_mass_kg, _heat_of_combustion(chemical), yield_factor)
    zones = radial_zones("overpressure", vce.overpressure_kpa, OVERPRESSURE_LEVELS, vce.warnings)
    at = tuple(
        radial_at_point(vce.overpressure_kpa, OVERPRESSURE_LEVELS, e, n, "kPa") for e, n in points
    )
    inputs = {"fuel_mass_kg": fuel_mass_kg, "yield_factor": yield_factor}
    derived = {"tnt_kg": round(vce.tnt_kg, 3)}
    return Assessment(
        "vapour_cloud_explosion", chemical.key, table_version, inputs, derived, zones, at
    )


def _heat_of_combustion(chemical: Chemical) -> float:
    if chemical.heat_of_combustion_j_kg is None:
        raise ValueError(f"{chemical.key} does not burn: no heat of combustion in the table")
    return chemical.heat_of_combustion_j_kg


def _dense_advice(chemical: Chemical, release_kg_s: float, wind_m_s: float) -> list[ModelWarning]:
    # A liquefied gas leaves at its boiling point: judge its density there, as ALOHA does.
    ambient_k = 298.15
    temperature_k = min(chemical.normal_boiling_point_k, ambient_k)
    if gas_density_kg_m3(chemical.molar_mass_g_mol, temperature_k) <= air_density_kg_m3(ambient_k):
        return []
    criterion = DenseGasPlume(
        release_kg_s, wind_m_s, chemical.molar_mass_g_mol, temperature_k
    ).density_criterion
    if criterion < 0.15:
        return []
    return [
        ModelWarning(
            "dense_gas",
            f"{chemical.name_en} vapour at {temperature_k:.0f} K is heavier than air "
            f"(criterion {criterion:.2f} ≥ 0.15): the dense-gas model applies near the source",
        )
    ]


def _with_point_warnings(zones: ThreatZones, extra: Iterable[ModelWarning]) -> ThreatZones:
    merged = tuple(dict.fromkeys((*zones.warnings, *extra)))
    return ThreatZones(zones.hazard, zones.zones, zones.wind_from_deg, merged)
