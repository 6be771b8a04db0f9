"""Coordinate reference systems the twin accepts and the metric frames it works in.

Chinese submissions use CGCS2000 (EPSG:4490); at plant scale it agrees with WGS84
(EPSG:4326) to centimetres. Metric work uses the CGCS2000 3-degree Gauss-Krüger zone
whose central meridian is nearest the site (EPSG:4534-4554, no zone prefix).
"""

from __future__ import annotations

from functools import lru_cache

from pyproj import CRS, Transformer

__all__ = [
    "CGCS2000",
    "CRS84_URI",
    "WGS84",
    "gk3_cm_srid",
    "is_supported_srid",
    "parse_crs",
    "transformer",
]

CGCS2000 = 4490
WGS84 = 4326

# Projected frames an import may arrive in: CGCS2000 Gauss-Krüger 6-degree zones
# (4491-4512) and 3-degree zones (4513-4554), and UTM zones over China (32643-32653).
_PROJECTED = set(range(4491, 4555)) | set(range(32643, 32654))


def is_supported_srid(srid: int) -> bool:
    """True for the frames the twin converts from and to.

    GCJ-02 and BD-09 have no EPSG code and can never pass, which is intended: they are
    deliberately offset (50-500 m) and must never be overlaid on survey data.

    Examples
    --------
    >>> is_supported_srid(4490), is_supported_srid(4549), is_supported_srid(3857)
    (True, True, False)
    """
    return srid in (CGCS2000, WGS84) or srid in _PROJECTED


def gk3_cm_srid(lon_deg: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Krüger zone nearest ``lon_deg``.

    Parameters
    ----------
    lon_deg : float
        Longitude in degrees east, inside China (73.5-135).

    Returns
    -------
    int
        An EPSG code in 4534-4554 (central meridians 75°E … 135°E).

    Raises
    ------
    ValueError
        When the longitude lies outside the zones defined for CGCS2000.

    Examples
    --------
    >>> gk3_cm_srid(120.2)
    4549
    """
    zone = round((lon_deg - 75.0) / 3.0)
    if not 0 <= zone <= 20:
        raise ValueError(f"longitude {lon_deg} is outside the CGCS2000 3-degree zones")
    return 4534 + zone


@lru_cache(maxsize=64)
def transformer(src_srid: int, dst_srid: int) -> Transformer:
    """A cached lon/lat-ordered (``always_xy``) transformer between two EPSG codes."""
    return Transformer.from_crs(CRS.from_epsg(src_srid), CRS.from_epsg(dst_srid), always_xy=True)


_OGC_PREFIXES = (
    "http://www.opengis.net/def/crs/EPSG/0/",
    "https://www.opengis.net/def/crs/EPSG/0/",
    "EPSG:",
    "epsg:",
)
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def parse_crs(value: str | int | None, default: int = WGS84) -> int:
    """EPSG code from ``4490``, ``"EPSG:4490"``, an OGC CRS URI or CRS84.

    Raises
    ------
    ValueError
        When the text names no supported CRS.

    Examples
    --------
    >>> parse_crs("http://www.opengis.net/def/crs/EPSG/0/4490"), parse_crs(None)
    (4490, 4326)
    """
    if value is None or value == "":
        return default
    if isinstance(value, int):
        code = value
    else:
        text = value.strip()
        if text in (CRS84_URI, "CRS84", "OGC:CRS84"):
            return WGS84
        for prefix in _OGC_PREFIXES:
            if text.startswith(prefix):
                text = text[len(prefix) :]
                break
        if not text.isdigit():
            raise ValueError(
                f"unrecognised CRS {value!r}; use EPSG:4490, EPSG:4326 or an OGC CRS URI"
            )
        code = int(text)
    if not is_supported_srid(code):
        raise ValueError(
            f"CRS EPSG:{code} is not supported; use EPSG:4490 (CGCS2000), "
            "EPSG:4326 (WGS84) or a CGCS2000 Gauss-Krüger zone"
        )
    return code
