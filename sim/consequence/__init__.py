"""Consequence models of hazardous-chemical releases, ALOHA-style, as a pure library.

Modules, each named after what it computes:

- `chemicals`, `chemical_table`: properties and toxic levels of concern, from a
  versioned table where every number names its source;
- `atmosphere`: constants and ideal-gas densities;
- `stability`: Pasquill stability class from wind, sun and cloud;
- `dispersion_coefficients`: σy, σz (Pasquill-Gifford/Turner fits, Briggs rural/urban);
- `gaussian_plume`: neutrally buoyant continuous plume with ground reflection;
- `britter_mcquaid`, `dense_gas`: workbook correlations and the continuous dense-gas
  plume built on them (chlorine, cold ammonia);
- `source_terms`: release rate from a hole (liquid Bernoulli, gas choked/unchoked);
- `thermal_radiation`, `pool_fire`, `jet_fire`: fires and the heat flux they radiate;
- `explosion`: vapour-cloud explosion overpressure (TNT equivalence, Kingery-Bulmash);
- `levels`: the levels of concern (AEGL / ERPG / IDLH, 10 / 5 / 2 kW/m², 8 / 3.5 / 1 psi);
- `footprint`, `zones`: threat-zone polygons for three levels of concern, rotated for
  the wind, and the threat at a point;
- `scenarios`, `assessment`: one run from a chemical and a release, ready for JSON.

Every model reports the limits a run reaches as `ModelWarning` items (low wind, near
field, far field, density, continuity…), as ALOHA does. Nothing here reads files or
clocks except `chemical_table.load_chemicals`, which the caller invokes.

Examples
--------
>>> from sim.consequence import GaussianPlume, stability_class
>>> plume = GaussianPlume(1.0, 4.0, stability_class(4.0, "overcast"))
>>> f"{float(plume.centreline_mg_m3(1000.0)):.1f}"
'36.4'
"""

from sim.consequence.assessment import Assessment
from sim.consequence.chemical_table import load_chemicals, parse_chemicals
from sim.consequence.chemicals import Chemical, ChemicalTable, mg_m3_to_ppm, ppm_to_mg_m3
from sim.consequence.dense_gas import DenseGasPlume
from sim.consequence.dispersion_coefficients import sigma_y_m, sigma_z_m
from sim.consequence.explosion import VapourCloudExplosion, kingery_bulmash_kpa, tnt_equivalent_kg
from sim.consequence.gaussian_plume import GaussianPlume
from sim.consequence.jet_fire import JetFire
from sim.consequence.limits import ModelWarning
from sim.consequence.pool_fire import PoolFire, burning_rate_kg_m2_s, equilibrium_pool_diameter_m
from sim.consequence.scenarios import (
    dense_gas_assessment,
    explosion_assessment,
    jet_fire_assessment,
    plume_assessment,
    pool_fire_assessment,
)
from sim.consequence.source_terms import flash_fraction, gas_release, liquid_release_kg_s
from sim.consequence.stability import stability_class
from sim.consequence.zones import (
    HEAT_LEVELS,
    OVERPRESSURE_LEVELS,
    LevelOfConcern,
    PointThreat,
    ThreatZones,
    Zone,
    radial_at_point,
    radial_zones,
    toxic_at_point,
    toxic_levels,
    toxic_zones,
)

__all__ = [
    "HEAT_LEVELS",
    "OVERPRESSURE_LEVELS",
    "Assessment",
    "Chemical",
    "ChemicalTable",
    "DenseGasPlume",
    "GaussianPlume",
    "JetFire",
    "LevelOfConcern",
    "ModelWarning",
    "PointThreat",
    "PoolFire",
    "ThreatZones",
    "VapourCloudExplosion",
    "Zone",
    "burning_rate_kg_m2_s",
    "dense_gas_assessment",
    "equilibrium_pool_diameter_m",
    "explosion_assessment",
    "flash_fraction",
    "gas_release",
    "jet_fire_assessment",
    "kingery_bulmash_kpa",
    "liquid_release_kg_s",
    "load_chemicals",
    "mg_m3_to_ppm",
    "parse_chemicals",
    "plume_assessment",
    "pool_fire_assessment",
    "ppm_to_mg_m3",
    "radial_at_point",
    "radial_zones",
    "sigma_y_m",
    "sigma_z_m",
    "stability_class",
    "tnt_equivalent_kg",
    "toxic_at_point",
    "toxic_levels",
    "toxic_zones",
]
