"""GB 18218-2018 rule data: critical quantities Q, corrections β and α, grade bands.

The numbers `sim.major_hazard` computes with are data, not code: they live in a versioned
file such as ``data/rules/gb18218.yaml``, which holds

- ``version``: recorded on every assessment, so a verdict can be traced to its numbers;
- ``chemicals``: the named chemicals of table 1, each with its CAS numbers, its critical
  quantity Q in tonnes and either its own β (a toxic gas named in table 3) or the hazard
  class whose β applies (table 4, listed once under ``beta_by_class``);
- ``alpha``: the α bands of table 5, by the number of people within 500 m outside the
  plant boundary;
- ``grades``: the grade bands of table 6, each starting at a minimum R.

`load_rules` reads such a file and `parse_rules` checks an already-parsed mapping; both
return a `MajorHazardRules`, or raise `RulesError` naming the offending entry. The checks
catch what a typo would break: unknown or missing fields, a Q or β that is not positive, a
CAS number with a wrong check digit, α bands that leave a head count without α or lower α
as people rise, and grades not numbered 1..n with bounds falling to R = 0. ``check``,
``note`` and ``source`` may annotate any entry for people and are ignored.

Examples
--------
>>> rules = parse_rules({
...     "version": "example",
...     "chemicals": {
...         "ammonia": {"name_zh": "氨", "cas": ["7664-41-7"], "critical_quantity_t": 10,
...                     "beta": 2, "note": "table 3"},
...     },
...     "alpha": [{"min_people": 0, "alpha": 0.5}, {"min_people": 1, "alpha": 1.0}],
...     "grades": [{"grade": 1, "min_r": 100}, {"grade": 2, "min_r": 0}],
... })
>>> rules.chemical("ammonia").critical_quantity_t, rules.chemical("ammonia").beta_basis
(10.0, 'table 3')
>>> rules.alpha(0), rules.alpha(30), rules.grade(100.0), rules.grade(99.9)
(0.5, 1.0, 1, 2)
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType
from typing import Any

from sim.rule_files import as_mapping, check_cas, check_keys, read_rule_file

__all__ = [
    "AlphaBand",
    "ChemicalRule",
    "GradeBand",
    "MajorHazardRules",
    "RulesError",
    "UnknownChemicalError",
    "load_rules",
    "parse_rules",
]

# q/Q quotients of decimal tonnages carry binary rounding: a sum that is exactly 1 (or a
# grade bound) on paper must not fall to 0.999… and miss the threshold.
_REL_TOL = 1e-9

_KEY = re.compile(r"[a-z][a-z0-9_]*")
# Keys the rule file may carry anywhere for people; the model ignores them.


class RulesError(ValueError):
    """The rule data is missing something or holds a value that cannot be right."""


# The shared rule-file checks, reporting in this file's terms.
_check_cas = partial(check_cas, error=RulesError)
_keys = partial(check_keys, error=RulesError)
_mapping = partial(as_mapping, error=RulesError)


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
    return read_rule_file(path, parse_rules, RulesError)


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
    sim.major_hazard_rules.RulesError: chemicals.chlorine: give exactly one of 'beta' ...
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
