"""``twin sim``: consequence models from the shell (plume, dense gas, fires, explosion).

Each command loads the versioned chemical table, runs one `sim.consequence.scenarios`
function and prints the zone distances, the values at the ``--at-m`` points and the
model's limits, or with ``--json`` the full result (zone polygons as GeoJSON in local
metres: source at 0,0, x east, y north).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, get_args

import typer

from sim.consequence import scenarios
from sim.consequence.chemical_table import load_chemicals
from sim.consequence.chemicals import Chemical, ChemicalTable, UnknownChemicalError
from sim.consequence.dispersion_coefficients import Dispersion
from sim.consequence.source_terms import gas_release, liquid_release_kg_s
from sim.consequence.stability import Sky, Stability, stability_class
from twin.cli.common import console

app = typer.Typer(help="Consequence models: toxic plumes, fires, explosions.", no_args_is_help=True)

TABLE_PATH = Path(__file__).resolve().parents[2] / "data" / "rules" / "chemicals.yaml"
KELVIN = 273.15

ChemicalOpt = Annotated[str, typer.Option("--chemical", help="key in the chemical table")]
TableOpt = Annotated[Path, typer.Option("--chemicals", help="chemical table (YAML)")]
AtOpt = Annotated[
    list[str] | None, typer.Option("--at-m", help="query point 'east,north' in m (repeatable)")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the full result as JSON")]
RateOpt = Annotated[float | None, typer.Option("--release-kg-s", help="release rate, kg/s")]
HoleOpt = Annotated[float | None, typer.Option("--hole-mm", help="hole diameter, mm")]
PressureOpt = Annotated[
    float, typer.Option("--gauge-pressure-kpa", help="pressure in the vessel above atmosphere")
]
PhaseOpt = Annotated[str, typer.Option("--phase", help="what leaks from the hole: gas or liquid")]
TankTOpt = Annotated[float, typer.Option("--temperature-c", help="vessel temperature, °C")]
HeadOpt = Annotated[float, typer.Option("--liquid-head-m", help="liquid above the hole, m")]
WindOpt = Annotated[float, typer.Option("--wind-m-s", help="wind speed at 10 m, m/s")]
FromOpt = Annotated[
    float, typer.Option("--wind-from-deg", help="direction the wind blows FROM, ° from north")
]
StabilityOpt = Annotated[str | None, typer.Option("--stability", help="Pasquill class A-F")]
SkyOpt = Annotated[
    str | None,
    typer.Option(
        help="derive the class: strong_sun, moderate_sun, slight_sun, night_cloudy, "
        "night_clear, overcast"
    ),
]
LevelsOpt = Annotated[str, typer.Option("--levels", help="AEGL, ERPG or IDLH")]
MaxOpt = Annotated[float, typer.Option("--max-distance-m", help="footprint limit, m")]
AirTOpt = Annotated[float, typer.Option("--ambient-temperature-c", help="air temperature, °C")]
HumidityOpt = Annotated[float, typer.Option("--humidity-pct", help="relative humidity, %")]


@app.command()
def plume(
    chemical: ChemicalOpt,
    wind_m_s: WindOpt,
    release_kg_s: RateOpt = None,
    hole_mm: HoleOpt = None,
    gauge_pressure_kpa: PressureOpt = 0.0,
    phase: PhaseOpt = "gas",
    temperature_c: TankTOpt = 25.0,
    liquid_head_m: HeadOpt = 0.0,
    stability: StabilityOpt = None,
    sky: SkyOpt = None,
    wind_from_deg: FromOpt = 270.0,
    height_m: Annotated[float, typer.Option(help="effective release height, m")] = 0.0,
    dispersion: Annotated[
        str, typer.Option(help="pasquill_gifford, briggs_rural, briggs_urban")
    ] = "pasquill_gifford",
    levels: LevelsOpt = "AEGL",
    at_m: AtOpt = None,
    max_distance_m: MaxOpt = 10_000.0,
    table_path: TableOpt = TABLE_PATH,
    as_json: JsonOpt = False,
) -> None:
    """Gaussian plume of a neutrally buoyant toxic gas."""
    with _refusing_bad_input():
        table, chem = _chemical(table_path, chemical)
        rate, source = _release(
            chem, release_kg_s, hole_mm, gauge_pressure_kpa, phase, temperature_c, liquid_head_m
        )
        run = scenarios.plume_assessment(
            chem,
            table.version,
            release_kg_s=rate,
            wind_m_s=wind_m_s,
            stability=_stability(stability, sky, wind_m_s),
            wind_from_deg=wind_from_deg,
            release_height_m=height_m,
            dispersion=_dispersion(dispersion),
            levels=levels,
            points=_points(at_m),
            max_distance_m=max_distance_m,
        )
    _emit(run, chem, source, as_json)


@app.command("dense-gas")
def dense_gas(
    chemical: ChemicalOpt,
    wind_m_s: WindOpt,
    release_kg_s: RateOpt = None,
    hole_mm: HoleOpt = None,
    gauge_pressure_kpa: PressureOpt = 0.0,
    phase: PhaseOpt = "liquid",
    temperature_c: TankTOpt = 25.0,
    liquid_head_m: HeadOpt = 0.0,
    stability: StabilityOpt = "D",
    sky: SkyOpt = None,
    wind_from_deg: FromOpt = 270.0,
    source_temperature_c: Annotated[
        float | None, typer.Option(help="gas temperature at the source (default: boiling point)")
    ] = None,
    ambient_temperature_c: AirTOpt = 25.0,
    duration_s: Annotated[float | None, typer.Option(help="release duration, s")] = None,
    levels: LevelsOpt = "AEGL",
    at_m: AtOpt = None,
    max_distance_m: MaxOpt = 10_000.0,
    table_path: TableOpt = TABLE_PATH,
    as_json: JsonOpt = False,
) -> None:
    """Britter-McQuaid plume of a gas heavier than air (chlorine, cold ammonia)."""
    with _refusing_bad_input():
        table, chem = _chemical(table_path, chemical)
        rate, source = _release(
            chem, release_kg_s, hole_mm, gauge_pressure_kpa, phase, temperature_c, liquid_head_m
        )
        run = scenarios.dense_gas_assessment(
            chem,
            table.version,
            release_kg_s=rate,
            wind_m_s=wind_m_s,
            stability=_stability(stability, sky, wind_m_s),
            wind_from_deg=wind_from_deg,
            source_temperature_k=None
            if source_temperature_c is None
            else source_temperature_c + KELVIN,
            ambient_temperature_k=ambient_temperature_c + KELVIN,
            duration_s=duration_s,
            levels=levels,
            points=_points(at_m),
            max_distance_m=max_distance_m,
        )
    _emit(run, chem, source, as_json)


@app.command("pool-fire")
def pool_fire(
    chemical: ChemicalOpt,
    pool_diameter_m: Annotated[float | None, typer.Option(help="pool diameter, m")] = None,
    spill_kg_s: Annotated[
        float | None, typer.Option(help="continuous spill feeding the pool")
    ] = None,
    ambient_temperature_c: AirTOpt = 25.0,
    humidity_pct: HumidityOpt = 50.0,
    at_m: AtOpt = None,
    table_path: TableOpt = TABLE_PATH,
    as_json: JsonOpt = False,
) -> None:
    """Pool fire: heat flux zones 10 / 5 / 2 kW/m²."""
    with _refusing_bad_input():
        table, chem = _chemical(table_path, chemical)
        run = scenarios.pool_fire_assessment(
            chem,
            table.version,
            pool_diameter_m=pool_diameter_m,
            spill_kg_s=spill_kg_s,
            ambient_temperature_k=ambient_temperature_c + KELVIN,
            relative_humidity=humidity_pct / 100.0,
            points=_points(at_m),
        )
    _emit(run, chem, None, as_json)


@app.command("jet-fire")
def jet_fire(
    chemical: ChemicalOpt,
    release_kg_s: RateOpt = None,
    hole_mm: HoleOpt = None,
    gauge_pressure_kpa: PressureOpt = 0.0,
    temperature_c: TankTOpt = 25.0,
    exit_velocity_m_s: Annotated[float | None, typer.Option(help="gas exit velocity")] = None,
    height_m: Annotated[float, typer.Option(help="release height, m")] = 0.0,
    ambient_temperature_c: AirTOpt = 25.0,
    humidity_pct: HumidityOpt = 50.0,
    at_m: AtOpt = None,
    table_path: TableOpt = TABLE_PATH,
    as_json: JsonOpt = False,
) -> None:
    """Jet fire of a gas release: heat flux zones 10 / 5 / 2 kW/m²."""
    with _refusing_bad_input():
        table, chem = _chemical(table_path, chemical)
        rate, source = _release(
            chem, release_kg_s, hole_mm, gauge_pressure_kpa, "gas", temperature_c, 0.0
        )
        velocity = exit_velocity_m_s or (source or {}).get("exit_velocity_m_s")
        run = scenarios.jet_fire_assessment(
            chem,
            table.version,
            release_kg_s=rate,
            exit_velocity_m_s=velocity,
            release_height_m=height_m,
            ambient_temperature_k=ambient_temperature_c + KELVIN,
            relative_humidity=humidity_pct / 100.0,
            points=_points(at_m),
        )
    _emit(run, chem, source, as_json)


@app.command()
def explosion(
    chemical: ChemicalOpt,
    mass_kg: Annotated[float, typer.Option("--mass-kg", help="fuel in the flammable cloud, kg")],
    yield_factor: Annotated[float, typer.Option("--yield", help="TNT yield factor η")] = 0.03,
    at_m: AtOpt = None,
    table_path: TableOpt = TABLE_PATH,
    as_json: JsonOpt = False,
) -> None:
    """Vapour-cloud explosion: overpressure zones 8 / 3.5 / 1 psi (TNT equivalence)."""
    with _refusing_bad_input():
        table, chem = _chemical(table_path, chemical)
        run = scenarios.explosion_assessment(
            chem,
            table.version,
            fuel_mass_kg=mass_kg,
            yield_factor=yield_factor,
            points=_points(at_m),
        )
    _emit(run, chem, None, as_json)


@contextmanager
def _refusing_bad_input() -> Iterator[None]:
    """Bad input is the caller's to fix: a red message and exit code 2, not a traceback."""
    try:
        yield
    except (ValueError, LookupError, OSError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        console.print(f"[red]{message}[/red]")
        raise typer.Exit(2) from exc


def _chemical(path: Path, key: str) -> tuple[ChemicalTable, Chemical]:
    table = load_chemicals(path)
    try:
        return table, table.chemical(key)
    except UnknownChemicalError as exc:
        raise ValueError(str(exc)) from exc


def _release(
    chem: Chemical,
    release_kg_s: float | None,
    hole_mm: float | None,
    gauge_pressure_kpa: float,
    phase: str,
    temperature_c: float,
    liquid_head_m: float,
) -> tuple[float, dict[str, Any] | None]:
    if (release_kg_s is None) == (hole_mm is None):
        raise ValueError("give exactly one of --release-kg-s or --hole-mm")
    if release_kg_s is not None:
        return release_kg_s, None
    assert hole_mm is not None
    if phase == "gas":
        gas = gas_release(
            hole_mm,
            (gauge_pressure_kpa + 101.325) * 1000.0,
            temperature_c + KELVIN,
            molar_mass_g_mol=chem.molar_mass_g_mol,
            heat_capacity_ratio=chem.heat_capacity_ratio,
        )
        source = {
            "phase": "gas",
            "hole_mm": hole_mm,
            "choked": gas.choked,
            "exit_velocity_m_s": round(gas.exit_velocity_m_s, 2),
        }
        return gas.release_kg_s, source
    if phase != "liquid":
        raise ValueError(f"--phase must be gas or liquid, got {phase!r}")
    if chem.liquid_density_kg_m3 is None:
        raise ValueError(f"{chem.key}: no liquid density in the table")
    rate = liquid_release_kg_s(
        hole_mm,
        chem.liquid_density_kg_m3,
        gauge_pressure_pa=gauge_pressure_kpa * 1000.0,
        liquid_head_m=liquid_head_m,
    )
    return rate, {"phase": "liquid", "hole_mm": hole_mm, "discharge_coefficient": 0.61}


def _stability(stability: str | None, sky: str | None, wind_m_s: float) -> Stability:
    if sky is not None:
        return stability_class(wind_m_s, _choice(sky, get_args(Sky)))
    if stability is None:
        raise ValueError("give --stability A-F or --sky")
    return _choice(stability.upper(), get_args(Stability))


def _dispersion(name: str) -> Dispersion:
    return _choice(name, get_args(Dispersion))


def _choice(value: str, allowed: tuple[Any, ...]) -> Any:
    if value not in allowed:
        raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
    return value


def _points(at_m: list[str] | None) -> list[tuple[float, float]]:
    points = []
    for text in at_m or []:
        try:
            east, north = (float(v) for v in text.split(","))
        except ValueError:
            raise ValueError(f"--at-m {text!r}: expected 'east,north' in metres") from None
        if not (math.isfinite(east) and math.isfinite(north)):
            raise ValueError(f"--at-m {text!r}: coordinates must be finite")
        points.append((east, north))
    return points


def _emit(
    run: scenarios.Assessment, chem: Chemical, source: dict[str, Any] | None, as_json: bool
) -> None:
    result = run.as_dict(chem.molar_mass_g_mol)
    if source is not None:
        result["source"] = source
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    console.print(f"[bold]{run.model}[/bold] · {chem.name_en} · table {run.table_version}")
    for zone in result["zones"]:
        reach = f"{zone['extent_m']:.0f} m" if zone["extent_m"] else "not reached"
        threshold = f" ({zone['threshold']:g} ppm)" if zone["threshold_unit"] == "ppm" else ""
        console.print(f"  {zone['level']:>10}{threshold}: {reach}")
    for point in result["points"]:
        ppm = f" ({point['ppm']:g} ppm)" if "ppm" in point else ""
        console.print(
            f"  at ({point['east_m']:g}, {point['north_m']:g}) m: {point['value']:g} "
            f"{point['unit']}{ppm} → {point['exceeds'] or 'below every level'}"
        )
    for warning in result["warnings"]:
        console.print(f"  [yellow]! {warning['message']}[/yellow]")
