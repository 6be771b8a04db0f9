"""Read and check a chemical table: every value positive and sourced, levels in order.

The consequence models take their numbers from a versioned file such as
``data/rules/chemicals.yaml``. `load_chemicals` reads it and `parse_chemicals` checks an
already-parsed mapping; both return a `ChemicalTable` or raise `ChemicalsError` naming
the offending entry. The checks catch what a typo or a copy from the wrong column would
break: a value without a source (or with a source the file does not cite), a value that
is not a positive number, a CAS number with a wrong check digit, LFL not below UFL, and
levels of one family not rising from 1 to 3.

Examples
--------
>>> table = parse_chemicals({
...     "version": "example",
...     "sources": {"aegl": "US EPA AEGL table", "nist": "NIST WebBook"},
...     "chemicals": {"chlorine": {
...         "name_zh": "氯", "name_en": "chlorine", "formula": "Cl2", "cas": "7782-50-5",
...         "molar_mass_g_mol": {"value": 70.906, "source": "nist"},
...         "normal_boiling_point_k": {"value": 239.11, "source": "nist"},
...         "heat_capacity_ratio": {"value": 1.33, "source": "nist"},
...         "levels": {"AEGL-3": {"ppm": 20, "source": "aegl"}}}},
... })
>>> cl2 = table.chemical("chlorine")
>>> round(cl2.level_mg_m3("AEGL-3"), 1), cl2.provenance["level:AEGL-3"].source
(58.0, 'aegl')
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Mapping
from functools import partial
from types import MappingProxyType
from typing import Any

from sim.consequence.chemicals import (
    LEVEL_FAMILIES,
    LEVEL_NAMES,
    Chemical,
    ChemicalsError,
    ChemicalTable,
    Sourced,
)
from sim.rule_files import as_mapping, check_cas, check_keys, read_rule_file

__all__ = ["ChemicalsError", "load_chemicals", "parse_chemicals"]

_REQUIRED = ("molar_mass_g_mol", "normal_boiling_point_k", "heat_capacity_ratio")
_OPTIONAL = (
    "liquid_density_kg_m3",
    "heat_of_vaporization_j_kg",
    "liquid_heat_capacity_j_kg_k",
    "heat_of_combustion_j_kg",
    "lfl_pct_vol",
    "ufl_pct_vol",
    "pool_burning_rate_kg_m2_s",
    "pool_k_beta_per_m",
)
_NAMES = {"name_zh", "name_en", "formula", "cas", "levels"}
_KEY = re.compile(r"[a-z][a-z0-9_]*")


# The shared rule-file checks, reporting in the chemical table's terms.
_check_cas = partial(check_cas, error=ChemicalsError)
_keys = partial(check_keys, error=ChemicalsError)
_mapping = partial(as_mapping, error=ChemicalsError)


def load_chemicals(path: str | os.PathLike[str]) -> ChemicalTable:
    """Read and validate a chemical table (YAML).

    Parameters
    ----------
    path : str or path-like
        The table, e.g. ``data/rules/chemicals.yaml``.

    Returns
    -------
    ChemicalTable

    Raises
    ------
    ChemicalsError
        When the file is not valid YAML or a value is missing, unsourced or impossible;
        the message starts with the path.
    OSError
        When the file cannot be read.

    Examples
    --------
    >>> from pathlib import Path
    >>> import sim
    >>> table = load_chemicals(Path(sim.__file__).parents[1] / "data/rules/chemicals.yaml")
    >>> table.version, table.chemical("ammonia").level_ppm("AEGL-2")
    ('chemicals demo-r1', 160.0)
    >>> table.chemical("chlorine").flammable, table.chemical("lpg").flammable
    (False, True)
    """
    return read_rule_file(path, parse_chemicals, ChemicalsError)


def parse_chemicals(data: Mapping[str, Any]) -> ChemicalTable:
    """Validate a parsed chemical table and build a `ChemicalTable`.

    Parameters
    ----------
    data : Mapping
        ``version``; ``sources``: key → citation; ``chemicals``: key → ``name_zh``,
        ``name_en``, ``formula``, ``cas``, the properties as ``{value, source}`` mappings
        (required: molar mass, normal boiling point, cp/cv) and ``levels``: level name →
        ``{ppm, source}``. ``check`` and ``note`` may annotate any value.

    Returns
    -------
    ChemicalTable

    Raises
    ------
    ChemicalsError
        Naming the offending entry: a missing or unknown field, a value that is not a
        positive number, a source key not in ``sources``, a CAS number with a wrong check
        digit, LFL not below UFL, or levels of one family not rising from 1 to 3.
    """
    _keys(data, "table", {"version", "sources", "chemicals"}, set())
    version = data["version"]
    if not isinstance(version, str) or not version.strip():
        raise ChemicalsError(f"version: expected a non-empty string, got {version!r}")
    sources = _mapping(data["sources"], "sources")
    if not sources or not all(isinstance(v, str) and v.strip() for v in sources.values()):
        raise ChemicalsError("sources: expected key → citation text for every source")
    chemicals = {
        key: _chemical(key, entry, sources)
        for key, entry in _mapping(data["chemicals"], "chemicals").items()
    }
    if not chemicals:
        raise ChemicalsError("chemicals: the table defines no chemical")
    return ChemicalTable(
        version=version,
        sources=MappingProxyType({str(k): str(v) for k, v in sources.items()}),
        chemicals=MappingProxyType(chemicals),
    )


def _chemical(key: Any, entry: Any, sources: Mapping[str, Any]) -> Chemical:
    where = f"chemicals.{key}"
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ChemicalsError(f"{where}: chemical keys are snake_case ASCII, like 'lpg'")
    entry = _mapping(entry, where)
    _keys(entry, where, {*_NAMES, *_REQUIRED}, set(_OPTIONAL))
    _check_cas(entry["cas"], f"{where}.cas")
    provenance: dict[str, Sourced] = {}
    values: dict[str, float | None] = {}
    for name in (*_REQUIRED, *_OPTIONAL):
        if name in entry:
            sourced = _sourced(entry[name], f"{where}.{name}", "value", sources)
            if sourced.value is None:
                raise ChemicalsError(f"{where}.{name}: a property needs a value")
            provenance[name] = sourced
        values[name] = provenance[name].value if name in provenance else None

    levels: dict[str, float | None] = {}
    for name, level in _mapping(entry["levels"], f"{where}.levels").items():
        if name not in LEVEL_NAMES:
            raise ChemicalsError(f"{where}.levels: unknown level {name!r}")
        sourced = _sourced(level, f"{where}.levels.{name}", "ppm", sources)
        provenance[f"level:{name}"] = sourced
        levels[name] = sourced.value
    _check_levels(levels, where)
    lfl, ufl = values["lfl_pct_vol"], values["ufl_pct_vol"]
    if lfl is not None and ufl is not None and not lfl < ufl:
        raise ChemicalsError(f"{where}: LFL {lfl} % must be below UFL {ufl} %")

    names = {n: entry[n] for n in ("name_zh", "name_en", "formula")}
    for n, text in names.items():
        if not isinstance(text, str) or not text.strip():
            raise ChemicalsError(f"{where}.{n}: expected a non-empty string")
    return Chemical(
        key=key,
        name_zh=names["name_zh"],
        name_en=names["name_en"],
        formula=names["formula"],
        cas=entry["cas"],
        levels_ppm=MappingProxyType(levels),
        provenance=MappingProxyType(provenance),
        **values,  # type: ignore[arg-type]
    )


def _sourced(value: Any, where: str, field: str, sources: Mapping[str, Any]) -> Sourced:
    entry = _mapping(value, where)
    _keys(entry, where, {field, "source"}, {"check", "note"})
    if entry["source"] not in sources:
        raise ChemicalsError(f"{where}.source: {entry['source']!r} is not a key of sources")
    number = entry[field]
    if number is not None:
        ok = isinstance(number, int | float) and not isinstance(number, bool)
        if not ok or not math.isfinite(number) or number <= 0:
            raise ChemicalsError(f"{where}.{field}: expected a positive number, got {number!r}")
        number = float(number)
    note = entry.get("note")
    return Sourced(number, entry["source"], bool(entry.get("check", False)), note and str(note))


def _check_levels(levels: Mapping[str, float | None], where: str) -> None:
    for family, names in LEVEL_FAMILIES.items():
        defined = [(n, levels[n]) for n in reversed(names) if levels.get(n) is not None]
        for (low_name, low), (high_name, high) in itertools.pairwise(defined):
            if low is not None and high is not None and low > high:
                raise ChemicalsError(
                    f"{where}.levels: {family} must rise with severity, but {low_name} "
                    f"({low} ppm) exceeds {high_name} ({high} ppm)"
                )
