"""GB 18218-2018 identification and grading, checked against hand-computed examples.

What a safety engineer would check first: the worked numbers of the standard's formulas,
the band edges (an R of exactly 100 is grade 1, exactly 30 people is α 1.2), and that
every installation the demo plant registers as a major hazard source really is one.
"""

from __future__ import annotations

import doctest
import json
from pathlib import Path
from typing import Any

import pytest

import sim.major_hazard
from sim.major_hazard import (
    MajorHazardRules,
    RulesError,
    UnknownChemicalError,
    assess,
    load_rules,
    parse_rules,
    quantity_from_level,
)

ROOT = Path(__file__).resolve().parents[2]
RULES_PATH = ROOT / "data" / "rules" / "gb18218.yaml"
PLANT_PATH = ROOT / "data" / "demo" / "plant.geojson"
# The demo data records no population around the site; 30 people is the brief's figure.
DEMO_PEOPLE_OUTSIDE_500M = 30


@pytest.fixture(scope="module")
def rules() -> MajorHazardRules:
    return load_rules(RULES_PATH)


def _installations() -> list[dict[str, Any]]:
    collection = json.loads(PLANT_PATH.read_text(encoding="utf-8"))
    return [
        f["properties"]
        for f in collection["features"]
        if f["properties"].get("layer") == "installations"
    ]


def _minimal(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": "test",
        "chemicals": {
            "ammonia": {
                "name_zh": "氨",
                "cas": ["7664-41-7"],
                "critical_quantity_t": 10,
                "beta": 2,
            }
        },
        "alpha": [{"min_people": 0, "alpha": 0.5}, {"min_people": 1, "alpha": 1.0}],
        "grades": [{"grade": 1, "min_r": 100}, {"grade": 2, "min_r": 0}],
    }
    data.update(overrides)
    return data


def test_docstring_examples_run() -> None:
    result = doctest.testmod(sim.major_hazard)
    assert result.attempted > 0 and result.failed == 0


def test_rule_file_has_the_demo_chemicals_and_the_named_values(rules: MajorHazardRules) -> None:
    assert rules.version == "GB 18218-2018 demo-r1"
    expected_q_t = {
        "ammonia": 10,
        "chlorine": 5,
        "hydrogen": 5,
        "hydrogen_sulfide": 5,
        "lpg": 50,
        "methane": 50,
        "benzene": 50,
        "gasoline": 200,
        "methanol": 500,
        "phosgene": 0.3,
        "carbon_monoxide": 20,
    }
    for key, q_t in expected_q_t.items():
        assert rules.chemical(key).critical_quantity_t == q_t, key
    named_beta = {
        "carbon_monoxide": 2,
        "sulfur_dioxide": 2,
        "ammonia": 2,
        "ethylene_oxide": 2,
        "hydrogen_chloride": 3,
        "methyl_bromide": 3,
        "chlorine": 4,
        "hydrogen_sulfide": 5,
        "hydrogen_fluoride": 5,
        "nitrogen_dioxide": 10,
        "hydrogen_cyanide": 10,
        "phosgene": 20,
        "phosphine": 20,
        "methyl_isocyanate": 20,
    }
    for key, beta in named_beta.items():
        chemical = rules.chemical(key)
        assert (chemical.beta, chemical.beta_basis) == (beta, "table 3"), key
    assert rules.chemical("hydrogen").beta == 1.5  # flammable gas
    assert rules.chemical("lpg").beta == 1.5
    assert rules.chemical("methanol").beta == 1.0  # flammable liquid, category 2


def test_every_demo_inventory_key_is_defined(rules: MajorHazardRules) -> None:
    keys = {item["chemical"] for p in _installations() for item in p.get("inventory", [])}
    assert keys and keys <= set(rules.chemicals)


def test_two_ammonia_spheres_worked_example(rules: MajorHazardRules) -> None:
    # 2 × 500 t: S = 1000 / 10 = 100; R = α · 2 · 100.
    a = assess([("ammonia", 500.0), ("ammonia", 500.0)], 30, rules)
    assert a.s == 100.0 and a.is_major
    assert a.alpha == 1.2
    assert a.r == pytest.approx(240.0)
    assert a.grade == 1
    assert a.rule_version == "GB 18218-2018 demo-r1"
    (term,) = a.terms
    assert (term.chemical, term.quantity_t, term.critical_quantity_t, term.beta) == (
        "ammonia",
        1000.0,
        10.0,
        2.0,
    )
    assert (term.ratio, term.beta_ratio) == (100.0, 200.0)
    # Nobody outside the fence halves R: still grade 1.
    assert assess([("ammonia", 1000.0)], 0, rules).r == pytest.approx(100.0)


def test_mixture_below_one_is_not_major(rules: MajorHazardRules) -> None:
    # 4 t ammonia (0.4) + 1 t chlorine (0.2) + 100 t methanol (0.2) = 0.8.
    a = assess([("ammonia", 4.0), ("chlorine", 1.0), ("methanol", 100.0)], 120, rules)
    assert a.s == pytest.approx(0.8)
    assert not a.is_major and a.grade is None
    # R is still reported: 2.0 · (2·0.4 + 4·0.2 + 1·0.2) = 3.6.
    assert a.r == pytest.approx(3.6)
    assert [t.chemical for t in a.terms] == ["ammonia", "chlorine", "methanol"]


def test_mixture_adding_up_to_exactly_one_is_major(rules: MajorHazardRules) -> None:
    # 0.7 + 0.2 + 0.1 is 0.9999999999999999 in binary floating point.
    a = assess([("ammonia", 7.0), ("chlorine", 1.0), ("methanol", 50.0)], 10, rules)
    assert a.s == pytest.approx(1.0) and a.is_major and a.grade == 4


def test_empty_unit_is_not_major(rules: MajorHazardRules) -> None:
    a = assess([], 10, rules)
    assert (a.s, a.r, a.is_major, a.grade, a.terms) == (0.0, 0.0, False, None, ())


@pytest.mark.parametrize(
    ("ammonia_t", "grade"),
    [(250.0, 1), (249.9, 2), (125.0, 2), (124.9, 3), (25.0, 3), (24.9, 4), (10.0, 4)],
)
def test_grade_band_edges(rules: MajorHazardRules, ammonia_t: float, grade: int) -> None:
    # 100 people: α 2, β 2, Q 10, so R = 0.4 · q and q = 250 / 125 / 25 t give R = 100 / 50 / 10.
    a = assess([("ammonia", ammonia_t)], 100, rules)
    assert a.r == pytest.approx(0.4 * ammonia_t)
    assert a.grade == grade


@pytest.mark.parametrize(("r", "grade"), [(100.0, 1), (50.0, 2), (10.0, 3), (9.99, 4), (0.0, 4)])
def test_grade_of_r_at_the_bounds(rules: MajorHazardRules, r: float, grade: int) -> None:
    assert rules.grade(r) == grade


@pytest.mark.parametrize(
    ("people", "alpha"),
    [
        (0, 0.5),
        (1, 1.0),
        (29, 1.0),
        (30, 1.2),
        (49, 1.2),
        (50, 1.5),
        (99, 1.5),
        (100, 2.0),
        (5000, 2.0),
    ],
)
def test_alpha_band_edges(rules: MajorHazardRules, people: int, alpha: float) -> None:
    assert rules.alpha(people) == alpha
    assert assess([("chlorine", 5.0)], people, rules).alpha == alpha


def test_unknown_chemical_names_chemical_and_rule_version(rules: MajorHazardRules) -> None:
    with pytest.raises(UnknownChemicalError, match=r"'vinyl_chloride'.*'GB 18218-2018 demo-r1'"):
        assess([("ammonia", 1.0), ("vinyl_chloride", 1.0)], 10, rules)
    try:
        rules.chemical("Ammonia")
    except UnknownChemicalError as exc:
        assert (exc.chemical, exc.rule_version) == ("Ammonia", rules.version)
    else:
        pytest.fail("keys are case-sensitive: 'Ammonia' must not match")


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "5", True])
def test_bad_quantities_are_refused(rules: MajorHazardRules, bad: Any) -> None:
    with pytest.raises(ValueError, match="ammonia"):
        assess([("ammonia", bad)], 10, rules)


@pytest.mark.parametrize("bad", [-1, 2.5, True])
def test_bad_head_counts_are_refused(rules: MajorHazardRules, bad: Any) -> None:
    with pytest.raises(ValueError, match="people_outside_500m"):
        assess([("ammonia", 1.0)], bad, rules)


def test_demo_hazard_sources_are_major_by_design_capacity(rules: MajorHazardRules) -> None:
    sources = [p for p in _installations() if p.get("is_hazard_source")]
    assert len(sources) == 10
    for p in sources:
        design = assess(
            [(i["chemical"], i["design_capacity_t"]) for i in p["inventory"]],
            DEMO_PEOPLE_OUTSIDE_500M,
            rules,
        )
        live = assess(
            [(i["chemical"], i["quantity_t"]) for i in p["inventory"]],
            DEMO_PEOPLE_OUTSIDE_500M,
            rules,
        )
        assert design.is_major and design.grade is not None, p["code"]
        # The registered grade (design maximum) is never milder than the live picture.
        assert live.s <= design.s and live.r <= design.r, p["code"]
        assert live.grade is None or live.grade >= design.grade, p["code"]


def test_demo_installations_not_flagged_are_not_major(rules: MajorHazardRules) -> None:
    for p in _installations():
        if p.get("is_hazard_source"):
            continue
        design = assess(
            [(i["chemical"], i["design_capacity_t"]) for i in p.get("inventory", [])],
            DEMO_PEOPLE_OUTSIDE_500M,
            rules,
        )
        assert not design.is_major, p["code"]


def test_demo_hazard_sources_hand_computed(rules: MajorHazardRules) -> None:
    # α = 1.2 for 30 people. Ammonia sphere: S = 500/10 = 50, R = 1.2·2·50 = 120.
    # Chlorine store: 30/5 = 6, R = 1.2·4·6 = 28.8. LPG sphere: 170/50 = 3.4,
    # R = 1.2·1.5·3.4 = 6.12. Methanol tank: 710/500 = 1.42, R = 1.2·1·1.42 = 1.704.
    expected = {
        "T-NH3-01": (50.0, 120.0, 1),
        "CS-CL2-01": (6.0, 28.8, 3),
        "S-LPG-01": (3.4, 6.12, 4),
        "T-MEOH-01": (1.42, 1.704, 4),
    }
    by_code = {p["code"]: p for p in _installations()}
    for code, (s, r, grade) in expected.items():
        inventory = [(i["chemical"], i["design_capacity_t"]) for i in by_code[code]["inventory"]]
        a = assess(inventory, DEMO_PEOPLE_OUTSIDE_500M, rules)
        assert (a.s, a.r, a.grade) == (pytest.approx(s), pytest.approx(r), grade), code


@pytest.mark.parametrize(
    ("level_pct", "shape", "expected_t"),
    [
        (0.0, "vertical_cylinder", 0.0),
        (85.0, "vertical_cylinder", 510.0),
        (100.0, "vertical_cylinder", 600.0),
        (0.0, "sphere", 0.0),
        (50.0, "sphere", 300.0),
        (10.0, "sphere", 16.8),  # 0.01 · 2.8 = 2.8 % of the volume
        (100.0, "sphere", 600.0),
    ],
)
def test_quantity_from_level(level_pct: float, shape: Any, expected_t: float) -> None:
    assert quantity_from_level(level_pct, 600.0, shape) == pytest.approx(expected_t)


@pytest.mark.parametrize(
    ("level_pct", "full_t", "shape"),
    [(-1.0, 600.0, "sphere"), (100.5, 600.0, "sphere"), (50.0, 0.0, "sphere"), (50.0, 600, "cube")],
)
def test_quantity_from_level_refuses_bad_input(level_pct: float, full_t: float, shape: Any) -> None:
    with pytest.raises(ValueError):
        quantity_from_level(level_pct, full_t, shape)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": ""}, "version"),
        ({"chemicals": {}}, "no chemical"),
        ({"alpha": [{"min_people": 1, "alpha": 1.0}]}, "0 people"),
        (
            {"alpha": [{"min_people": 0, "alpha": 1.0}, {"min_people": 1, "alpha": 0.5}]},
            "never lower",
        ),
        ({"grades": [{"grade": 1, "min_r": 100}, {"grade": 3, "min_r": 0}]}, "grades 1..2"),
        ({"grades": [{"grade": 1, "min_r": 100}, {"grade": 2, "min_r": 10}]}, "R = 0"),
        ({"grades": [{"grade": 1, "min_r": 10}, {"grade": 2, "min_r": 50}]}, "higher R"),
        ({"colour": "red"}, "unknown field"),
    ],
)
def test_invalid_rules_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(RulesError, match=message):
        parse_rules(_minimal(**change))


@pytest.mark.parametrize(
    ("entry_change", "message"),
    [
        ({"critical_quantity_t": 0}, r"critical_quantity_t: must be > 0"),
        ({"critical_quantity_t": "10"}, r"critical_quantity_t: expected a number"),
        ({"cas": ["7664-41-8"]}, "check digit"),
        ({"cas": "7664-41-7"}, "non-empty list"),
        ({"hazard_class": "W2"}, "exactly one"),
        ({"critcal_quantity_t": 10}, "unknown field"),
    ],
)
def test_invalid_chemical_entries_name_the_chemical(
    entry_change: dict[str, Any], message: str
) -> None:
    entry = {"name_zh": "氨", "cas": ["7664-41-7"], "critical_quantity_t": 10, "beta": 2}
    entry.update(entry_change)
    with pytest.raises(RulesError, match=rf"chemicals\.ammonia.*{message}"):
        parse_rules(_minimal(chemicals={"ammonia": entry}))


def test_hazard_class_must_exist() -> None:
    entry = {
        "name_zh": "甲醇",
        "cas": ["67-56-1"],
        "critical_quantity_t": 500,
        "hazard_class": "W9",
    }
    with pytest.raises(RulesError, match="'W9' is not a key of beta_by_class"):
        parse_rules(_minimal(chemicals={"methanol": entry}, beta_by_class={"W5.3": {"beta": 1}}))


def test_load_rules_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("version: x\nchemicals: [\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"rules\.yaml"):
        load_rules(bad)
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(RulesError, match="mapping at the top level"):
        load_rules(bad)


def test_rules_are_read_only(rules: MajorHazardRules) -> None:
    with pytest.raises(TypeError):
        rules.chemicals["ammonia"] = rules.chemicals["chlorine"]  # type: ignore[index]
