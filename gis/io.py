"""Read and write GeoJSON, GeoPackage and KML through pyogrio (GDAL).

Formats by file extension. KML goes through GDAL's LIBKML driver so attributes survive
the round trip as ExtendedData.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
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


def write_layers(
    frames: Mapping[str, gpd.GeoDataFrame],
    path: Path | str,
    *,
    titles: Mapping[str, str] | None = None,
    geometry_types: Mapping[str, str] | None = None,
) -> None:
    """Write several layers into one GeoPackage, KML or GeoJSON file.

    GeoPackage: one table per layer. KML: one ``Folder`` per layer. GeoJSON has no
    layers (RFC 7946), so the file is one FeatureCollection whose features carry a
    ``layer`` property.

    Parameters
    ----------
    frames : mapping of str to GeoDataFrame
        Layers by name, in the order to write them. An empty frame still makes its
        (empty) table or folder; in GeoJSON it adds nothing.
    path : str or Path
        The file; its extension picks the format. Layers are added to an existing
        GeoPackage or KML file; a GeoJSON file is replaced.
    titles : mapping of str to str, optional
        KML folder names shown to people (e.g. Chinese titles); the layer name otherwise.
    geometry_types : mapping of str to str, optional
        Declared geometry type per layer (``"MultiPolygon"`` …), so that an empty layer
        is typed too.

    Raises
    ------
    ValueError
        For an unknown extension, or GeoJSON frames not in WGS84 (EPSG:4326).

    Examples
    --------
    >>> import tempfile
    >>> from shapely import Point
    >>> a = gpd.GeoDataFrame({"code": ["A"]}, geometry=[Point(120, 31)], crs=4326)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "two.gpkg"
    ...     write_layers({"a": a, "b": a}, path)
    ...     [str(name) for name, _ in pyogrio.list_layers(path)]
    ['a', 'b']
    """
    driver = driver_for(str(path))
    if driver == "GeoJSON":
        _write_geojson(frames, Path(path))
        return
    titles = titles or {}
    geometry_types = geometry_types or {}
    for name, frame in frames.items():
        options = {"FOLDER": "YES", "NAME": titles.get(name, name)} if driver == "LIBKML" else {}
        pyogrio.write_dataframe(
            frame,
            path,
            layer=name,
            driver=driver,
            append=Path(path).exists(),
            geometry_type=geometry_types.get(name),
            layer_options=options,
        )


def _write_geojson(frames: Mapping[str, gpd.GeoDataFrame], path: Path) -> None:
    features = []
    for name, frame in frames.items():
        if frame.crs is not None and frame.crs.to_epsg() != 4326:
            raise ValueError(
                f"GeoJSON is WGS84 lon/lat (RFC 7946); layer {name!r} is in {frame.crs.name}"
            )
        for feature in frame.to_geo_dict(na="null", drop_id=True)["features"]:
            feature["properties"] = {"layer": name, **feature["properties"]}
            features.append(feature)
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
