"""Major hazard sources of hazardous chemicals (GB 18218-2018): identification and grade.

A unit (a tank farm inside one dike, a store building, a process unit between its
shut-off valves) is a major hazard source when its identification index

    S = Σ qᵢ / Qᵢ ≥ 1,

where qᵢ is the quantity of chemical i in the unit and Qᵢ its critical quantity, both in
tonnes. A major hazard source is graded by

    R = α · Σ βᵢ · qᵢ / Qᵢ,

where βᵢ corrects for the chemical's hazard and α for the people within 500 m outside the
plant boundary: grade 1 (R ≥ 100, the most severe) down to grade 4 (R < 10).

Which quantities to pass: GB 18218-2018 takes the quantity of a tank, vessel or store as
the maximum it is designed to hold (实际存在量按设计最大量确定), so the registered
identification and grade use design capacities. A live twin may pass the quantities it
reads from tank levels (see `quantity_from_level`) to show where a unit stands right now;
that is an operating figure, not the registered grade. `assess` takes quantities either
way: the caller decides which ones it passes.

Q, β, α and the grade bands are rule data, kept in `sim.major_hazard_rules`: `load_rules`
reads them from a versioned file such as ``data/rules/gb18218.yaml``; `parse_rules` checks
an already-parsed mapping. Every `Assessment` records the version of the rules that
produced it. This module re-exports the rules' public names, so callers import everything
from ``sim.major_hazard``.

Examples
--------
>>> rules = parse_rules({
...     "version": "example",
...     "chemicals": {
...         "ammonia": {"name_zh": "氨", "cas": ["7664-41-7"], "critical_quantity_t": 10,
...                     "beta": 2},
...     },
...     "alpha": [{"min_people": 0, "alpha": 0.5}, {"min_people": 1, "alpha": 1.0}],
...     "grades": [{"grade": 1, "min_r": 100}, {"grade": 2, "min_r": 0}],
... })
>>> a = assess([("ammonia", 500.0), ("ammonia", 500.0)], 12, rules)
>>> a.s, a.is_major, a.r, a.grade
(100.0, True, 200.0, 1)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sim import major_hazard_rules
from sim.major_hazard_rules import (
    AlphaBand,
    ChemicalRule,
    GradeBand,
    MajorHazardRules,
    RulesError,
    UnknownChemicalError,
    _reaches,
    load_rules,
    parse_rules,
)

__all__ = [
    "AlphaBand",
    "Assessment",
    "ChemicalRule",
    "GradeBand",
    "MajorHazardRules",
    "RulesError",
    "TankShape",
    "Term",
    "UnknownChemicalError",
    "assess",
    "load_rules",
    "parse_rules",
    "quantity_from_level",
]

# A doctest of this module (tests/sim/test_major_hazard.py runs one) also runs the rules'
# examples, as it did before they moved to `sim.major_hazard_rules`.
__test__ = {
    "major_hazard_rules": major_hazard_rules.__doc__ or "",
    "load_rules": load_rules,
    "parse_rules": parse_rules,
}

TankShape = Literal["vertical_cylinder", "sphere"]

# Formula (1) of the standard: a unit with S at or above this is a major hazard source.
_MAJOR_S = 1.0


@dataclass(frozen=True, slots=True)
class Term:
    """One chemical's share of S and R (all quantities of that chemical summed).

    Attributes
    ----------
    chemical : str
        Chemical key.
    quantity_t : float
        q, tonnes present in the unit.
    critical_quantity_t : float
        Q, tonnes.
    beta : float
        β.
    ratio : float
        q / Q, the chemical's contribution to S.
    beta_ratio : float
        β · q / Q, its contribution to R before α.
    """

    chemical: str
    quantity_t: float
    critical_quantity_t: float
    beta: float
    ratio: float
    beta_ratio: float


@dataclass(frozen=True, slots=True)
class Assessment:
    """GB 18218 identification and grade of one unit.

    Attributes
    ----------
    s : float
        Identification index S = Σ q/Q.
    is_major : bool
        S ≥ 1: the unit is a major hazard source.
    r : float
        Grading index R = α · Σ β · q/Q (computed even when the unit is not major).
    grade : int or None
        1 (most severe) to 4, or None when the unit is not a major hazard source.
    alpha : float
        α used for R.
    people_outside_500m : int
        The head count α was chosen from.
    terms : tuple of Term
        One per chemical, in first-seen order of the inventory.
    rule_version : str
        Version of the rules used.
    """

    s: float
    is_major: bool
    r: float
    grade: int | None
    alpha: float
    people_outside_500m: int
    terms: tuple[Term, ...]
    rule_version: str


def assess(
    inventory: Iterable[tuple[str, float]],
    people_outside_500m: int,
    rules: MajorHazardRules,
) -> Assessment:
    """Identify and grade one unit from what it holds.

    Parameters
    ----------
    inventory : iterable of (str, float)
        ``(chemical key, quantity_t)`` for everything in the unit. A chemical may appear
        more than once (several tanks in one dike); its quantities are summed. Pass design
        capacities for the registered identification and grade (GB 18218-2018 counts the
        design maximum), or live quantities for the current operating picture.
    people_outside_500m : int
        People within 500 m outside the plant boundary, for α.
    rules : MajorHazardRules
        From `load_rules` or `parse_rules`.

    Returns
    -------
    Assessment
        S, whether the unit is major, R, its grade (None when not major), α, the
        per-chemical terms and the rule version.

    Raises
    ------
    UnknownChemicalError
        When a chemical key is not in the rules; the message names the key and the rule
        version.
    ValueError
        When a quantity is negative or not finite, or the head count is invalid.

    Examples
    --------
    One unit holding 250 t of methanol (Q 500 t, β 1 by its flammable-liquid class) and
    10 t of chlorine (Q 5 t, β 4), with 40 people within 500 m outside the fence:

    >>> rules = parse_rules({
    ...     "version": "example",
    ...     "chemicals": {
    ...         "chlorine": {"name_zh": "氯", "cas": ["7782-50-5"],
    ...                      "critical_quantity_t": 5, "beta": 4},
    ...         "methanol": {"name_zh": "甲醇", "cas": ["67-56-1"],
    ...                      "critical_quantity_t": 500, "hazard_class": "W5.3"},
    ...     },
    ...     "beta_by_class": {"W5.3": {"beta": 1}},
    ...     "alpha": [{"min_people": 30, "alpha": 1.2}, {"min_people": 0, "alpha": 1.0}],
    ...     "grades": [{"grade": 1, "min_r": 100}, {"grade": 2, "min_r": 50},
    ...                {"grade": 3, "min_r": 10}, {"grade": 4, "min_r": 0}],
    ... })
    >>> a = assess([("methanol", 250.0), ("chlorine", 10.0)], 40, rules)
    >>> a.s, a.is_major, round(a.r, 6), a.grade
    (2.5, True, 10.2, 3)
    >>> [(t.chemical, t.ratio, t.beta_ratio) for t in a.terms]
    [('methanol', 0.5, 0.5), ('chlorine', 2.0, 8.0)]
    >>> assess([("methanol", 250.0)], 40, rules).grade is None
    True
    >>> assess([("benzene", 1.0)], 40, rules)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sim.major_hazard_rules.UnknownChemicalError: chemical 'benzene' ... in rules 'example'; ...
    """
    alpha = rules.alpha(people_outside_500m)
    totals_t: dict[str, list[float]] = {}
    for key, quantity_t in inventory:
        rules.chemical(key)
        if isinstance(quantity_t, bool) or not isinstance(quantity_t, int | float):
            raise ValueError(f"quantity of {key!r} must be a number of tonnes, got {quantity_t!r}")
        if not math.isfinite(quantity_t) or quantity_t < 0:
            raise ValueError(f"quantity of {key!r} must be a finite number ≥ 0 t, got {quantity_t}")
        totals_t.setdefault(key, []).append(float(quantity_t))

    terms = []
    for key, parts_t in totals_t.items():
        rule = rules.chemical(key)
        q_t = math.fsum(parts_t)
        ratio = q_t / rule.critical_quantity_t
        terms.append(Term(key, q_t, rule.critical_quantity_t, rule.beta, ratio, rule.beta * ratio))

    s = math.fsum(t.ratio for t in terms)
    r = alpha * math.fsum(t.beta_ratio for t in terms)
    is_major = _reaches(s, _MAJOR_S)
    return Assessment(
        s=s,
        is_major=is_major,
        r=r,
        grade=rules.grade(r) if is_major else None,
        alpha=alpha,
        people_outside_500m=people_outside_500m,
        terms=tuple(terms),
        rule_version=rules.version,
    )


def quantity_from_level(
    level_pct: float, full_t: float, shape: TankShape = "vertical_cylinder"
) -> float:
    """Tonnes of liquid in a tank from its level reading, for a live assessment.

    Parameters
    ----------
    level_pct : float
        Liquid level as a percentage of the tank's inner height (0-100), as the level
        transmitters of the twin report it.
    full_t : float
        Tonnes the tank would hold filled to 100 % of its height: geometric volume × liquid
        density at the operating temperature. This is not the design capacity: vessels for
        liquefied gases are only filled to a maximum filling ratio (typically 85-90 % of
        volume), so ``design_capacity_t`` is usually smaller than ``full_t``.
    shape : {"vertical_cylinder", "sphere"}
        ``"vertical_cylinder"``: a flat-bottomed vertical tank, volume proportional to
        level. ``"sphere"``: a spherical vessel, whose filled fraction at level fraction
        x is x²(3 − 2x). Horizontal bullets and dished bottoms are not modelled.

    Returns
    -------
    float
        Tonnes of liquid. The vapour above the liquid is not counted, and the density is
        taken as constant: pass ``full_t`` for the current temperature if it matters.

    Raises
    ------
    ValueError
        When the level is outside 0-100 %, ``full_t`` is not positive, or the shape is
        unknown.

    Examples
    --------
    >>> quantity_from_level(50.0, 600.0)
    300.0
    >>> quantity_from_level(50.0, 600.0, shape="sphere")
    300.0
    >>> round(quantity_from_level(90.0, 600.0, shape="sphere"), 1)
    583.2
    """
    if not math.isfinite(level_pct) or not 0.0 <= level_pct <= 100.0:
        raise ValueError(f"level must be within 0-100 %, got {level_pct}")
    if not math.isfinite(full_t) or full_t <= 0:
        raise ValueError(f"full_t must be a positive number of tonnes, got {full_t}")
    x = level_pct / 100.0
    if shape == "vertical_cylinder":
        fraction = x
    elif shape == "sphere":
        fraction = x * x * (3.0 - 2.0 * x)
    else:
        raise ValueError(f"unknown tank shape {shape!r}; expected 'vertical_cylinder' or 'sphere'")
    return fraction * full_t
