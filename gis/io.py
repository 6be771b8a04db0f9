"""Read and write GeoJSON, GeoPackage and KML through pyogrio (GDAL).

Formats by file extension. KML goes through GDAL's LIBKML driver so attributes survive
the round trip as ExtendedData.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio

__all__ = ["DRIVERS", "driver_for", "read_layers", "write_layers"]

DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".kml": "LIBKML"}


def driver_for(filename: str) -> str:
    """GDAL driver for a file name.

    Raises
    ------
    ValueError
        For an extension the twin does not read or write.
    """
    suffix = Path(filename).suffix.lower()
    try:
        return DRIVERS[suffix]
    except KeyError as exc:
        raise ValueError(
            f"unsupported file type {suffix or '(none)'}; use .geojson, .gpkg or .kml"
        ) from exc


def read_layers(path: Path | str) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of a file as GeoDataFrames keyed by layer name.

    A single-layer GeoJSON yields one entry named after the file's layer.
    """
    driver_for(str(path))  # refuse unknown extensions before GDAL guesses
    layers = pyogrio.list_layers(path)
    frames = {}
    for name, _geom_type in layers:
        frames[str(name)] = pyogrio.read_dataframe(path, layer=name)
    return frames


def write_layers(frames: dict[str, gpd.GeoDataFrame], path: Path | str) -> None:
    """Write several layers into one GeoPackage or KML file (GeoJSON: one layer)."""
    driver = driver_for(str(path))
    if driver == "GeoJSON" and len(frames) != 1:
        raise ValueError("a GeoJSON file holds exactly one layer")
    for name, frame in frames.items():
        pyogrio.write_dataframe(frame, path, layer=name, driver=driver, append=Path(path).exists())
