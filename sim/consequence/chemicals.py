"""Chemical properties and toxic levels of concern, as the consequence models use them.

A `Chemical` carries what the models need (molar mass, boiling point, heat of combustion,
flammability limits, pool burning rate…) and its levels of concern (AEGL-1/2/3 for
60 minutes, ERPG-1/2/3, IDLH), each number with its source (`Sourced`). Tables are read
and checked by `sim.consequence.chemical_table`; ``version`` of the `ChemicalTable` is
recorded on every model result built from it.

Levels are stored in ppm by volume and converted to mg/m³ at 25 °C and 101.325 kPa
(molar volume 24.45 L/mol), the convention of the AEGL and ERPG documents.

Examples
--------
>>> round(ppm_to_mg_m3(300, 17.031), 1), round(mg_m3_to_ppm(209.0, 17.031), 1)
(209.0, 300.0)
>>> LEVEL_FAMILIES["AEGL"]
('AEGL-3', 'AEGL-2', 'AEGL-1')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "LEVEL_FAMILIES",
    "LEVEL_NAMES",
    "MOLAR_VOLUME_25C_L_MOL",
    "Chemical",
    "ChemicalTable",
    "ChemicalsError",
    "Sourced",
    "UnknownChemicalError",
    "mg_m3_to_ppm",
    "ppm_to_mg_m3",
]

# Ideal-gas molar volume at 25 °C and 101.325 kPa: the AEGL/ERPG ppm ↔ mg/m³ convention.
MOLAR_VOLUME_25C_L_MOL = 24.45

# The three-level families a caller may choose for toxic zones, most severe first. IDLH is
# a single level, so its family has one member.
LEVEL_FAMILIES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "AEGL": ("AEGL-3", "AEGL-2", "AEGL-1"),
        "ERPG": ("ERPG-3", "ERPG-2", "ERPG-1"),
        "IDLH": ("IDLH",),
    }
)
LEVEL_NAMES = frozenset(name for names in LEVEL_FAMILIES.values() for name in names)


class ChemicalsError(ValueError):
    """The chemical table is missing something or holds a value that cannot be right."""


class UnknownChemicalError(LookupError):
    """A chemical key the table does not define; the message lists the keys it does."""


@dataclass(frozen=True, slots=True)
class Sourced:
    """One number of the table with where it comes from.

    Attributes
    ----------
    value : float or None
        The number, or None for a level that is not established.
    source : str
        Key of the table's ``sources`` naming the document.
    check : bool
        True when the value still has to be checked against the primary document.
    note : str or None
        Condition or caveat (``"at the normal boiling point"``).
    """

    value: float | None
    source: str
    check: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Chemical:
    """Properties of one chemical, in SI units named in the fields.

    ``liquid_density_kg_m3`` … ``pool_k_beta_per_m`` are None when the table has no value
    (a permanent gas has no liquid density; chlorine has no heat of combustion). Levels
    of concern are in ``levels_ppm``; None marks a level that is not established.
    ``provenance`` maps each field name (``"level:AEGL-3"`` for levels) to its `Sourced`.
    """

    key: str
    name_zh: str
    name_en: str
    formula: str
    cas: str
    molar_mass_g_mol: float
    normal_boiling_point_k: float
    heat_capacity_ratio: float
    liquid_density_kg_m3: float | None
    heat_of_vaporization_j_kg: float | None
    liquid_heat_capacity_j_kg_k: float | None
    heat_of_combustion_j_kg: float | None
    lfl_pct_vol: float | None
    ufl_pct_vol: float | None
    pool_burning_rate_kg_m2_s: float | None
    pool_k_beta_per_m: float | None
    levels_ppm: Mapping[str, float | None]
    provenance: Mapping[str, Sourced]

    def level_ppm(self, name: str) -> float:
        """A level of concern in ppm.

        Raises
        ------
        KeyError
            When ``name`` is not one of AEGL-1/2/3, ERPG-1/2/3, IDLH, or the level is not
            established for this chemical (the message says why, from the table's note).
        """
        if name not in LEVEL_NAMES:
            raise KeyError(
                f"unknown level of concern {name!r}; expected one of {sorted(LEVEL_NAMES)}"
            )
        ppm = self.levels_ppm.get(name)
        if ppm is None:
            note = self.provenance.get(f"level:{name}")
            why = f" ({note.note})" if note is not None and note.note else ""
            raise KeyError(f"{name} is not established for {self.key}{why}")
        return ppm

    def level_mg_m3(self, name: str) -> float:
        """A level of concern in mg/m³ at 25 °C (see `level_ppm` for errors)."""
        return ppm_to_mg_m3(self.level_ppm(name), self.molar_mass_g_mol)

    @property
    def flammable(self) -> bool:
        """True when the table gives a heat of combustion and a lower flammability limit."""
        return self.heat_of_combustion_j_kg is not None and self.lfl_pct_vol is not None


@dataclass(frozen=True, slots=True)
class ChemicalTable:
    """A validated chemical table: its version, its sources and its chemicals."""

    version: str
    sources: Mapping[str, str]
    chemicals: Mapping[str, Chemical]

    def chemical(self, key: str) -> Chemical:
        """The chemical ``key``.

        Raises
        ------
        UnknownChemicalError
            When the table does not define ``key``.
        """
        try:
            return self.chemicals[key]
        except KeyError:
            known = ", ".join(sorted(self.chemicals))
            raise UnknownChemicalError(
                f"chemical {key!r} is not in table {self.version!r}; known: {known}"
            ) from None


def ppm_to_mg_m3(ppm: float, molar_mass_g_mol: float) -> float:
    """Convert a gas concentration from ppm (by volume) to mg/m³ at 25 °C, 101.325 kPa."""
    return ppm * molar_mass_g_mol / MOLAR_VOLUME_25C_L_MOL


def mg_m3_to_ppm(mg_m3: float, molar_mass_g_mol: float) -> float:
    """Convert a gas concentration from mg/m³ to ppm (by volume) at 25 °C, 101.325 kPa."""
    return mg_m3 * MOLAR_VOLUME_25C_L_MOL / molar_mass_g_mol
