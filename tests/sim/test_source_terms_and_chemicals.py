"""Release rates from holes, and the chemical table's provenance and checks."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.consequence.chemical_table import ChemicalsError, load_chemicals, parse_chemicals
from sim.consequence.chemicals import (
    LEVEL_FAMILIES,
    UnknownChemicalError,
    mg_m3_to_ppm,
    ppm_to_mg_m3,
)
from sim.consequence.source_terms import flash_fraction, gas_release, liquid_release_kg_s

ROOT = Path(__file__).resolve().parents[2]
TABLE_PATH = ROOT / "data" / "rules" / "chemicals.yaml"
DEMO_CHEMICALS = {"ammonia", "chlorine", "lpg", "methanol", "carbon_monoxide", "hydrogen"}


def test_liquid_orifice_is_bernoulli_with_cd_061() -> None:
    # 50 mm hole, water-like liquid (1000 kg/m³), 3 bar gauge, 4 m head:
    #   v = √(2·3e5/1000 + 2·9.80665·4) = √(600 + 78.45) = 26.047 m/s
    #   ṁ = 0.61 · π·0.05²/4 · 1000 · 26.047 = 0.61 · 1.9635e-3 · 26047 = 31.20 kg/s
    rate = liquid_release_kg_s(50.0, 1000.0, gauge_pressure_pa=3e5, liquid_head_m=4.0)
    assert rate == pytest.approx(31.20, rel=1e-3)
    with pytest.raises(ValueError, match="driving"):
        liquid_release_kg_s(50.0, 1000.0)


def test_gas_orifice_chokes_below_the_critical_pressure_ratio() -> None:
    # Chlorine gas (M 70.906, γ 1.33): critical ratio (2/2.33)^(1.33/0.33) = 0.5404, so
    # flow chokes above 101.325/0.5404 = 187.5 kPa(a).
    kwargs: dict[str, Any] = {"molar_mass_g_mol": 70.906, "heat_capacity_ratio": 1.33}
    assert not gas_release(10.0, 185e3, 293.15, **kwargs).choked
    assert gas_release(10.0, 190e3, 293.15, **kwargs).choked
    # Choked: 7 bar(a), 20 °C, 10 mm hole, Cd 1:
    #   ṁ = A p √(γ M/(R T) (2/(γ+1))^((γ+1)/(γ−1)))
    #     = 7.854e-5 · 7e5 · √(1.33·0.070906/(8.31446·293.15) · 0.85837^7.0606)
    #     = 54.978 · √(3.8692e-5 · 0.33973) = 54.978 · 3.6256e-3 = 0.19933 kg/s
    choked = gas_release(10.0, 7e5, 293.15, **kwargs)
    assert choked.release_kg_s == pytest.approx(0.19933, rel=2e-3)
    # Sonic speed at the throat, T* = 2T/(γ+1) = 251.63 K: √(1.33·8.31446·251.63/0.070906) = 198.1
    assert choked.exit_velocity_m_s == pytest.approx(198.1, rel=1e-3)
    # Just past the critical ratio the two formulas meet.
    p_star = 101_325.0 / (2 / 2.33) ** (1.33 / 0.33)
    below = gas_release(10.0, p_star * 0.9999, 293.15, **kwargs).release_kg_s
    above = gas_release(10.0, p_star * 1.0001, 293.15, **kwargs).release_kg_s
    assert above == pytest.approx(below, rel=1e-3)


def test_flash_fraction() -> None:
    # Ammonia stored at 20 °C: 4440·(293.15 − 239.82)/1.370e6 = 0.1728.
    assert flash_fraction(293.15, 239.82, 4440.0, 1.370e6) == pytest.approx(0.1728, rel=1e-3)
    assert flash_fraction(230.0, 239.82, 4440.0, 1.370e6) == 0.0


def test_table_covers_the_demo_with_every_value_sourced() -> None:
    table = load_chemicals(TABLE_PATH)
    assert set(table.chemicals) >= DEMO_CHEMICALS
    for chem in table.chemicals.values():
        assert chem.provenance, chem.key
        for name, sourced in chem.provenance.items():
            assert sourced.source in table.sources, (chem.key, name)
            if name.startswith("level:") and sourced.value is None:
                assert sourced.note, (chem.key, name)  # an absent level says why
        for family in LEVEL_FAMILIES.values():
            for level in family:
                assert level in chem.levels_ppm, (chem.key, level)


def test_published_levels_are_the_ones_in_the_table() -> None:
    table = load_chemicals(TABLE_PATH)
    ammonia, chlorine = table.chemical("ammonia"), table.chemical("chlorine")
    assert [ammonia.level_ppm(n) for n in ("AEGL-1", "AEGL-2", "AEGL-3", "IDLH")] == [
        30.0,
        160.0,
        1100.0,
        300.0,
    ]
    assert [chlorine.level_ppm(n) for n in ("ERPG-1", "ERPG-2", "ERPG-3", "IDLH")] == [
        1.0,
        3.0,
        20.0,
        10.0,
    ]
    with pytest.raises(KeyError, match="not recommended"):
        table.chemical("carbon_monoxide").level_ppm("AEGL-1")
    with pytest.raises(UnknownChemicalError, match="benzene"):
        table.chemical("benzene")


def test_ppm_conversion_at_25_c() -> None:
    # Chlorine: 1 ppm = 70.906/24.45 = 2.900 mg/m³.
    assert ppm_to_mg_m3(1.0, 70.906) == pytest.approx(2.900, rel=1e-3)
    assert mg_m3_to_ppm(ppm_to_mg_m3(123.0, 17.031), 17.031) == pytest.approx(123.0)


def _raw() -> dict[str, Any]:
    data = yaml.safe_load(TABLE_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["chemicals"]["ammonia"]["molar_mass_g_mol"].pop("source"), "missing source"),
        (
            lambda d: d["chemicals"]["ammonia"]["molar_mass_g_mol"].update(source="memo"),
            "not a key of sources",
        ),
        (lambda d: d["chemicals"]["ammonia"].update(cas="7664-41-8"), "check digit"),
        (lambda d: d["chemicals"]["ammonia"]["lfl_pct_vol"].update(value=30.0), "below UFL"),
        (lambda d: d["chemicals"]["ammonia"]["levels"]["AEGL-1"].update(ppm=200), "must rise"),
        (
            lambda d: d["chemicals"]["ammonia"]["levels"].update(
                {"TEEL-1": {"ppm": 1, "source": "crc"}}
            ),
            "unknown level",
        ),
        (lambda d: d["chemicals"]["ammonia"].pop("heat_capacity_ratio"), "missing"),
        (
            lambda d: d["chemicals"]["ammonia"]["liquid_density_kg_m3"].update(value=-1),
            "positive number",
        ),
    ],
)
def test_table_mistakes_are_refused(edit: Any, message: str) -> None:
    data = copy.deepcopy(_raw())
    edit(data)
    with pytest.raises(ChemicalsError, match=message):
        parse_chemicals(data)


def test_a_broken_file_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "chemicals.yaml"
    path.write_text("version: [", encoding="utf-8")
    with pytest.raises(ChemicalsError, match=str(path).replace("\\", "\\\\")):
        load_chemicals(path)


def test_flammability_limits_bracket_stoichiometric_for_the_flammables() -> None:
    table = load_chemicals(TABLE_PATH)
    for chem in table.chemicals.values():
        if chem.flammable:
            assert chem.lfl_pct_vol is not None and chem.ufl_pct_vol is not None
            assert 0 < chem.lfl_pct_vol < chem.ufl_pct_vol < 100
            assert chem.heat_of_combustion_j_kg is not None
            assert 5e6 < chem.heat_of_combustion_j_kg < 1.3e8
    assert math.isclose(table.chemical("lpg").molar_mass_g_mol, 44.097)
