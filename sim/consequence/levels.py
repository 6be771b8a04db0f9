"""Levels of concern: the thresholds threat zones are drawn for.

Toxic: AEGL-1/2/3 (60 min), ERPG-1/2/3 or IDLH from the chemical table, in ppm and
converted to mg/m³ at 25 °C for the models (`toxic_levels`). Heat: 10 / 5 / 2 kW/m²,
ALOHA's defaults (potentially lethal within 60 s, second-degree burns within 60 s, pain
within 60 s). Overpressure: 8 / 3.5 / 1 psi, ALOHA's defaults (destruction of buildings,
serious injury likely, shattered glass).

Examples
--------
>>> [lv.name for lv in HEAT_LEVELS], [round(lv.model_value, 2) for lv in OVERPRESSURE_LEVELS]
(['10 kW/m²', '5 kW/m²', '2 kW/m²'], [55.16, 24.13, 6.89])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sim.consequence.chemicals import LEVEL_FAMILIES, Chemical
from sim.consequence.limits import ModelWarning

__all__ = ["HEAT_LEVELS", "OVERPRESSURE_LEVELS", "PSI_KPA", "LevelOfConcern", "toxic_levels"]

PSI_KPA = 6.894757


@dataclass(frozen=True, slots=True)
class LevelOfConcern:
    """A threshold drawn as a zone.

    Attributes
    ----------
    name : str
        ``"AEGL-3"``, ``"10 kW/m²"``, ``"8 psi"``…
    value : float
        The threshold in ``unit`` as people quote it.
    unit : str
        ``"ppm"``, ``"mg/m3"``, ``"kW/m2"`` or ``"psi"``.
    model_value : float
        The threshold in the model's unit: mg/m³, kW/m² or kPa.
    """

    name: str
    value: float
    unit: str
    model_value: float


HEAT_LEVELS: tuple[LevelOfConcern, ...] = tuple(
    LevelOfConcern(f"{q:g} kW/m²", q, "kW/m2", q) for q in (10.0, 5.0, 2.0)
)
OVERPRESSURE_LEVELS: tuple[LevelOfConcern, ...] = tuple(
    LevelOfConcern(f"{p:g} psi", p, "psi", p * PSI_KPA) for p in (8.0, 3.5, 1.0)
)


def toxic_levels(
    chemical: Chemical, family: str | Sequence[str] = "AEGL"
) -> tuple[tuple[LevelOfConcern, ...], tuple[ModelWarning, ...]]:
    """The toxic levels of concern of ``chemical``, most severe first.

    Parameters
    ----------
    chemical : Chemical
    family : str or sequence of str
        ``"AEGL"``, ``"ERPG"`` or ``"IDLH"``, or explicit level names
        (``["AEGL-3", "ERPG-2", "IDLH"]``).

    Returns
    -------
    levels : tuple of LevelOfConcern
        The levels established for the chemical, ordered by concentration, highest first.
    warnings : tuple of ModelWarning
        One per requested level that is not established (the zone is left out).

    Raises
    ------
    ValueError
        When the family or a level name is unknown, or no requested level exists.
    """
    if isinstance(family, str):
        if family not in LEVEL_FAMILIES:
            raise ValueError(f"unknown level family {family!r}; expected AEGL, ERPG or IDLH")
        names: Sequence[str] = LEVEL_FAMILIES[family]
    else:
        names = family
    levels, warnings = [], []
    for name in names:
        try:
            ppm = chemical.level_ppm(name)
        except KeyError as exc:
            if name not in chemical.levels_ppm:
                raise ValueError(str(exc.args[0])) from exc
            warnings.append(ModelWarning("level_not_established", str(exc.args[0])))
            continue
        mg_m3 = chemical.level_mg_m3(name)
        levels.append(LevelOfConcern(name, ppm, "ppm", mg_m3))
    if not levels:
        raise ValueError(f"none of {list(names)} is established for {chemical.key}")
    levels.sort(key=lambda lv: lv.model_value, reverse=True)
    return tuple(levels), tuple(warnings)
