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

Q, β, α and the grade bands are rule data. `load_rules` reads them from a versioned file
such as ``data/rules/gb18218.yaml``; `parse_rules` checks an already-parsed mapping. Every
`Assessment` records the version of the rules that produced it.

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

import itertools
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import yaml

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

TankShape = Literal["vertical_cylinder", "sphere"]

# Formula (1) of the standard: a unit with S at or above this is a major hazard source.
_MAJOR_S = 1.0
# q/Q quotients of decimal tonnages carry binary rounding: a sum that is exactly 1 (or a
# grade bound) on paper must not fall to 0.999… and miss the threshold.
_REL_TOL = 1e-9

_KEY = re.compile(r"[a-z][a-z0-9_]*")
_CAS = re.compile(r"(\d{2,7})-(\d{2})-(\d)")
# Keys the rule file may carry anywhere for people; the model ignores them.
_ANNOTATIONS = frozenset({"check", "note", "source"})


class RulesError(ValueError):
    """The rule data is missing something or holds a value that cannot be right."""


class UnknownChemicalError(LookupError):
    """A chemical key the rules do not define.

    Attributes
    ----------
    chemical : str
        The key that was looked up.
    rule_version : str
        Version of the rules it was looked up in.
    """

    def __init__(self, chemical: str, rule_version: str) -> None:
        self.chemical = chemical
        self.rule_version = rule_version
        super().__init__(
            f"chemical {chemical!r} is not defined in rules {rule_version!r}; add it to the "
            "rule file with its critical quantity and β before assessing it"
        )


@dataclass(frozen=True, slots=True)
class ChemicalRule:
    """One named chemical: its critical quantity and correction factor.

    Attributes
    ----------
    key : str
        Snake-case key used by plant inventories (``"ammonia"``).
    name_zh : str
        Name as printed in GB 18218-2018 table 1.
    cas : tuple of str
        CAS registry numbers the entry covers.
    critical_quantity_t : float
        Critical quantity Q in tonnes.
    beta : float
        Correction factor β.
    beta_basis : str
        Where β comes from: ``"table 3"`` (named toxic gas) or ``"class W2"`` etc.
    name_en : str or None
        English name, for people.
    """

    key: str
    name_zh: str
    cas: tuple[str, ...]
    critical_quantity_t: float
    beta: float
    beta_basis: str
    name_en: str | None = None


@dataclass(frozen=True, slots=True)
class AlphaBand:
    """α for ``min_people`` or more people within 500 m outside the plant boundary."""

    min_people: int
    alpha: float


@dataclass(frozen=True, slots=True)
class GradeBand:
    """Grade for R at or above ``min_r`` (up to the next more severe grade's bound)."""

    grade: int
    min_r: float


@dataclass(frozen=True, slots=True)
class MajorHazardRules:
    """Validated GB 18218 rule data. Build it with `parse_rules` or `load_rules`.

    Attributes
    ----------
    version : str
        Rule version recorded on every assessment.
    chemicals : Mapping of str to ChemicalRule
        Read-only, keyed by chemical key.
    alpha_bands : tuple of AlphaBand
        Ordered by ``min_people``, largest first; the last one starts at 0 people.
    grade_bands : tuple of GradeBand
        Ordered from grade 1 (largest ``min_r``); the last one starts at R = 0.
    """

    version: str
    chemicals: Mapping[str, ChemicalRule]
    alpha_bands: tuple[AlphaBand, ...]
    grade_bands: tuple[GradeBand, ...]

    def chemical(self, key: str) -> ChemicalRule:
        """The rule for chemical ``key``.

        Raises
        ------
        UnknownChemicalError
            When the rules do not define ``key``.
        """
        try:
            return self.chemicals[key]
        except KeyError:
            raise UnknownChemicalError(key, self.version) from None

    def alpha(self, people_outside_500m: int) -> float:
        """α for the number of people within 500 m outside the plant boundary.

        Parameters
        ----------
        people_outside_500m : int
            People who may be exposed, outside the fence and within 500 m of it.

        Returns
        -------
        float
            The α of the band the count falls in.

        Raises
        ------
        ValueError
            When the count is negative or not an integer.
        """
        if isinstance(people_outside_500m, bool) or not isinstance(people_outside_500m, int):
            raise ValueError(f"people_outside_500m must be an integer, got {people_outside_500m!r}")
        if people_outside_500m < 0:
            raise ValueError(f"people_outside_500m must be ≥ 0, got {people_outside_500m}")
        return next(b.alpha for b in self.alpha_bands if people_outside_500m >= b.min_people)

    def grade(self, r: float) -> int:
        """Grade (1 = most severe) for a grading index R, whether or not the unit is major.

        Raises
        ------
        ValueError
            When ``r`` is negative or not finite.
        """
        if not math.isfinite(r) or r < 0:
            raise ValueError(f"R must be a finite number ≥ 0, got {r!r}")
        return next(b.grade for b in self.grade_bands if _reaches(r, b.min_r))


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
    sim.major_hazard.UnknownChemicalError: chemical 'benzene' is not defined in rules 'example'; ...
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


def load_rules(path: str | os.PathLike[str]) -> MajorHazardRules:
    """Read and validate a GB 18218 rule file (YAML).

    Parameters
    ----------
    path : str or path-like
        The rule file, e.g. ``data/rules/gb18218.yaml``.

    Returns
    -------
    MajorHazardRules

    Raises
    ------
    RulesError
        When the file is not valid YAML or the rules are incomplete or inconsistent; the
        message starts with the path.
    OSError
        When the file cannot be read.

    Examples
    --------
    >>> from pathlib import Path
    >>> import sim
    >>> rules = load_rules(Path(sim.__file__).parents[1] / "data" / "rules" / "gb18218.yaml")
    >>> rules.version
    'GB 18218-2018 demo-r1'
    >>> rules.chemical("chlorine").critical_quantity_t, rules.chemical("chlorine").beta
    (5.0, 4.0)
    >>> rules.chemical("lpg").beta, rules.chemical("lpg").beta_basis
    (1.5, 'class W2')
    """
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        data = yaml.safe_load(text)
        if not isinstance(data, Mapping):
            raise RulesError("the file must hold a mapping at the top level")
        return parse_rules(data)
    except (yaml.YAMLError, RulesError) as exc:
        raise RulesError(f"{os.fspath(path)}: {exc}") from exc


def parse_rules(data: Mapping[str, Any]) -> MajorHazardRules:
    """Validate parsed rule data and build `MajorHazardRules`.

    Parameters
    ----------
    data : Mapping
        ``version`` (str); ``chemicals``: key → ``name_zh``, ``cas`` (list),
        ``critical_quantity_t`` and exactly one of ``beta`` (table 3) or ``hazard_class``
        (a key of ``beta_by_class``); optional ``beta_by_class``: class → ``beta``;
        ``alpha``: list of ``min_people``/``alpha``; ``grades``: list of
        ``grade``/``min_r``. ``check``, ``note`` and ``source`` may annotate any entry.

    Returns
    -------
    MajorHazardRules

    Raises
    ------
    RulesError
        Naming the offending entry: a missing or unknown field, a non-positive Q or β, a
        CAS number with a wrong check digit, α bands without a 0-people band or with α
        falling as people rise, grades not numbered 1..n or with bounds not falling to 0.

    Examples
    --------
    >>> parse_rules({"version": "x", "chemicals": {"chlorine": {  # doctest: +ELLIPSIS
    ...     "name_zh": "氯", "cas": ["7782-50-5"], "critical_quantity_t": 5}},
    ...     "alpha": [{"min_people": 0, "alpha": 1}], "grades": [{"grade": 1, "min_r": 0}]})
    Traceback (most recent call last):
    ...
    sim.major_hazard.RulesError: chemicals.chlorine: give exactly one of 'beta' (table 3) or ...
    """
    _keys(data, "rules", {"version", "chemicals", "alpha", "grades"}, {"beta_by_class"})
    version = data["version"]
    if not isinstance(version, str) or not version.strip():
        raise RulesError(f"version: expected a non-empty string, got {version!r}")

    class_betas: dict[str, float] = {}
    for code, entry in _mapping(data.get("beta_by_class") or {}, "beta_by_class").items():
        where = f"beta_by_class.{code}"
        _keys(_mapping(entry, where), where, {"beta"}, {"name_zh", "name_en"})
        class_betas[str(code)] = _positive(entry["beta"], f"{where}.beta")

    chemicals: dict[str, ChemicalRule] = {}
    chemicals_in = _mapping(data["chemicals"], "chemicals")
    if not chemicals_in:
        raise RulesError("chemicals: the rules define no chemical")
    for key, entry in chemicals_in.items():
        chemicals[key] = _chemical(key, entry, class_betas)

    return MajorHazardRules(
        version=version,
        chemicals=MappingProxyType(chemicals),
        alpha_bands=_alpha_bands(data["alpha"]),
        grade_bands=_grade_bands(data["grades"]),
    )


def _chemical(key: Any, entry: Any, class_betas: Mapping[str, float]) -> ChemicalRule:
    where = f"chemicals.{key}"
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise RulesError(f"{where}: chemical keys are snake_case ASCII, like 'hydrogen_sulfide'")
    entry = _mapping(entry, where)
    _keys(
        entry,
        where,
        {"name_zh", "cas", "critical_quantity_t"},
        {"name_en", "group", "beta", "hazard_class"},
    )
    if ("beta" in entry) == ("hazard_class" in entry):
        raise RulesError(
            f"{where}: give exactly one of 'beta' (table 3) or 'hazard_class' (table 4)"
        )
    if "beta" in entry:
        beta, basis = _positive(entry["beta"], f"{where}.beta"), "table 3"
    else:
        code = str(entry["hazard_class"])
        if code not in class_betas:
            raise RulesError(f"{where}.hazard_class: {code!r} is not a key of beta_by_class")
        beta, basis = class_betas[code], f"class {code}"

    cas = entry["cas"]
    if not isinstance(cas, list) or not cas:
        raise RulesError(f"{where}.cas: expected a non-empty list of CAS numbers")
    for number in cas:
        _check_cas(number, f"{where}.cas")

    name_zh = entry["name_zh"]
    if not isinstance(name_zh, str) or not name_zh.strip():
        raise RulesError(f"{where}.name_zh: expected a non-empty string")
    name_en = entry.get("name_en")
    return ChemicalRule(
        key=key,
        name_zh=name_zh,
        cas=tuple(cas),
        critical_quantity_t=_positive(entry["critical_quantity_t"], f"{where}.critical_quantity_t"),
        beta=beta,
        beta_basis=basis,
        name_en=None if name_en is None else str(name_en),
    )


def _alpha_bands(value: Any) -> tuple[AlphaBand, ...]:
    bands = []
    for i, entry in enumerate(_list(value, "alpha")):
        where = f"alpha[{i}]"
        _keys(_mapping(entry, where), where, {"min_people", "alpha"}, set())
        people = entry["min_people"]
        if isinstance(people, bool) or not isinstance(people, int) or people < 0:
            raise RulesError(f"{where}.min_people: expected an integer ≥ 0, got {people!r}")
        bands.append(AlphaBand(people, _positive(entry["alpha"], f"{where}.alpha")))
    bands.sort(key=lambda b: b.min_people, reverse=True)
    starts = [b.min_people for b in bands]
    if len(set(starts)) != len(starts):
        raise RulesError(f"alpha: two bands start at the same head count: {starts}")
    if starts[-1] != 0:
        raise RulesError("alpha: no band starts at 0 people, so some head counts have no α")
    for more, fewer in itertools.pairwise(bands):
        if more.alpha < fewer.alpha:
            raise RulesError(
                f"alpha: α falls from {fewer.alpha} to {more.alpha} as people rise to "
                f"{more.min_people}; more people exposed must never lower α"
            )
    return tuple(bands)


def _grade_bands(value: Any) -> tuple[GradeBand, ...]:
    bands = []
    for i, entry in enumerate(_list(value, "grades")):
        where = f"grades[{i}]"
        _keys(_mapping(entry, where), where, {"grade", "min_r"}, set())
        grade = entry["grade"]
        if isinstance(grade, bool) or not isinstance(grade, int):
            raise RulesError(f"{where}.grade: expected an integer, got {grade!r}")
        bands.append(GradeBand(grade, _number(entry["min_r"], f"{where}.min_r")))
    bands.sort(key=lambda b: b.grade)
    if [b.grade for b in bands] != list(range(1, len(bands) + 1)):
        raise RulesError(f"grades: expected grades 1..{len(bands)}, got {[b.grade for b in bands]}")
    for severe, milder in itertools.pairwise(bands):
        if not severe.min_r > milder.min_r:
            raise RulesError(
                f"grades: grade {severe.grade} must start at a higher R than grade "
                f"{milder.grade} ({severe.min_r} ≤ {milder.min_r})"
            )
    if bands[-1].min_r != 0:
        raise RulesError(f"grades: grade {bands[-1].grade} must start at R = 0 so every R has one")
    return tuple(bands)


def _reaches(value: float, bound: float) -> bool:
    return value >= bound or math.isclose(value, bound, rel_tol=_REL_TOL)


def _check_cas(number: Any, where: str) -> None:
    match = _CAS.fullmatch(number) if isinstance(number, str) else None
    if match is None:
        raise RulesError(f"{where}: {number!r} is not a CAS number like '7664-41-7'")
    # CAS check digit: the other digits, from the right, weighted 1, 2, 3, …, mod 10.
    digits = (match[1] + match[2])[::-1]
    if sum(i * int(d) for i, d in enumerate(digits, start=1)) % 10 != int(match[3]):
        raise RulesError(f"{where}: {number!r} fails the CAS check digit; look for a typo")


def _keys(entry: Mapping[str, Any], where: str, required: set[str], optional: set[str]) -> None:
    missing = sorted(required - entry.keys())
    if missing:
        raise RulesError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(str(k) for k in entry.keys() - required - optional - _ANNOTATIONS)
    if unknown:
        raise RulesError(f"{where}: unknown field(s) {', '.join(unknown)}")


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RulesError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise RulesError(f"{where}: expected a non-empty list")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RulesError(f"{where}: expected a number, got {value!r}")
    if value < 0:
        raise RulesError(f"{where}: must be ≥ 0, got {value}")
    return float(value)


def _positive(value: Any, where: str) -> float:
    number = _number(value, where)
    if number == 0:
        raise RulesError(f"{where}: must be > 0")
    return number
