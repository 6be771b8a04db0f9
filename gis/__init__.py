"""Pure spatial library: CRS, geometry validation, file I/O, routing, query builders.

Usable headless from a notebook or a script, with no database or web server.
"""

from gis.crs import CGCS2000, WGS84, gk3_cm_srid, is_supported_srid, transformer
from gis.validate import geometry_problems

__all__ = [
    "CGCS2000",
    "WGS84",
    "geometry_problems",
    "gk3_cm_srid",
    "is_supported_srid",
    "transformer",
]
