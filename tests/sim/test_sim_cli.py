"""``twin sim``: the consequence models from the shell, JSON a program can read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from shapely.geometry import Point, shape
from typer.testing import CliRunner

from twin.cli.main import app as cli


def _run(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["sim", *args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_plume_for_the_issue_example() -> None:
    data = _run(
        "plume",
        "--chemical",
        "ammonia",
        "--release-kg-s",
        "2",
        "--wind-m-s",
        "3",
        "--stability",
        "D",
        "--at-m",
        "500,0",
    )
    assert data["model"] == "gaussian_plume" and data["table_version"] == "chemicals demo-r1"
    assert [z["level"] for z in data["zones"]] == ["AEGL-3", "AEGL-2", "AEGL-1"]
    extents = [z["extent_m"] for z in data["zones"]]
    assert extents == sorted(extents) and 250 < extents[0] < extents[2] < 10_000
    (point,) = data["points"]
    # 2 kg/s, 3 m/s, class D at 500 m: Q/(π u σy σz) with σy 36.15 m, σz 18.29 m
    # = 2e6/(π·3·36.15·18.29) = 320.9 mg/m³ = 461 ppm: above AEGL-2 (160), below AEGL-3.
    assert point["value"] == pytest.approx(320.9, rel=2e-3)
    assert point["ppm"] == pytest.approx(461, rel=3e-3)
    assert point["exceeds"] == "AEGL-2"
    aegl2 = shape(data["zones"][1]["geometry"])
    assert aegl2.contains(Point(500.0, 0.0)) and not aegl2.contains(Point(-500.0, 0.0))
    assert isinstance(data["warnings"], list)


def test_plume_warns_for_low_wind_and_dense_chlorine() -> None:
    data = _run(
        "plume",
        "--chemical",
        "chlorine",
        "--release-kg-s",
        "1",
        "--wind-m-s",
        "1",
        "--sky",
        "night_clear",
        "--levels",
        "ERPG",
        "--wind-from-deg",
        "0",
    )
    codes = {w["code"] for w in data["warnings"]}
    assert {"low_wind", "stable_conditions", "dense_gas"} <= codes
    assert data["inputs"]["stability"] == "F"
    _, miny, _, maxy = shape(data["zones"][0]["geometry"]).bounds
    assert maxy < 1.0 and miny < -100.0  # wind from the north: the plume runs south


def test_plume_from_a_hole_reports_its_source() -> None:
    data = _run(
        "plume",
        "--chemical",
        "carbon_monoxide",
        "--hole-mm",
        "10",
        "--gauge-pressure-kpa",
        "600",
        "--wind-m-s",
        "4",
        "--stability",
        "C",
        "--levels",
        "IDLH",
    )
    assert data["source"]["choked"] is True
    assert 0.05 < data["inputs"]["release_kg_s"] < 0.2
    assert [z["level"] for z in data["zones"]] == ["IDLH"]


def test_dense_gas_chlorine() -> None:
    data = _run(
        "dense-gas",
        "--chemical",
        "chlorine",
        "--release-kg-s",
        "2",
        "--wind-m-s",
        "3",
        "--at-m",
        "300,0",
    )
    assert data["model"] == "dense_gas"
    assert data["inputs"]["source_temperature_k"] == pytest.approx(239.11)
    assert data["derived"]["density_criterion"] > 0.15
    assert data["points"][0]["exceeds"] == "AEGL-3"
    assert "passive_far_field" in {w["code"] for w in data["warnings"]}


def test_pool_fire_jet_fire_and_explosion() -> None:
    pool = _run("pool-fire", "--chemical", "methanol", "--pool-diameter-m", "15", "--at-m", "20,0")
    assert [z["level"] for z in pool["zones"]] == ["10 kW/m²", "5 kW/m²", "2 kW/m²"]
    assert pool["derived"]["burning_rate_kg_m2_s"] == 0.017
    jet = _run("jet-fire", "--chemical", "lpg", "--hole-mm", "25", "--gauge-pressure-kpa", "700")
    assert jet["source"]["choked"] and 0.1 < jet["derived"]["radiative_fraction"] < 0.32
    blast = _run("explosion", "--chemical", "lpg", "--mass-kg", "1000", "--at-m", "60,80")
    assert blast["derived"]["tnt_kg"] == pytest.approx(297.1, rel=1e-3)
    assert blast["points"][0]["unit"] == "kPa" and blast["points"][0]["exceeds"] == "1 psi"
    radii = [z["extent_m"] for z in blast["zones"]]
    assert radii == sorted(radii)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "plume",
                "--chemical",
                "benzene",
                "--release-kg-s",
                "1",
                "--wind-m-s",
                "3",
                "--stability",
                "D",
            ],
            "benzene",
        ),
        (
            ["plume", "--chemical", "ammonia", "--wind-m-s", "3", "--stability", "D"],
            "exactly one of",
        ),
        (
            [
                "plume",
                "--chemical",
                "ammonia",
                "--release-kg-s",
                "1",
                "--wind-m-s",
                "3",
                "--stability",
                "G",
            ],
            "'G'",
        ),
        (["pool-fire", "--chemical", "chlorine", "--pool-diameter-m", "5"], "does not burn"),
        (
            [
                "plume",
                "--chemical",
                "ammonia",
                "--release-kg-s",
                "1",
                "--wind-m-s",
                "3",
                "--stability",
                "D",
                "--at-m",
                "500",
            ],
            "east,north",
        ),
    ],
)
def test_bad_input_is_a_clear_refusal(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["sim", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_human_output_lists_zones_points_and_limits() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "sim",
            "plume",
            "--chemical",
            "ammonia",
            "--release-kg-s",
            "2",
            "--wind-m-s",
            "1",
            "--stability",
            "F",
            "--at-m",
            "500,0",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "AEGL-3" in result.output and "at (500, 0) m" in result.output
    assert "!" in result.output  # the low-wind limit
