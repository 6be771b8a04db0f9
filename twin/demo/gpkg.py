"""Write plant layers to a GeoPackage, one layer per plant layer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from twin.demo import geo
from twin.demo.geo import Layers
from twin.plant.layers import LAYERS

__all__ = ["write_gpkg"]


def _flat(props: dict[str, Any]) -> dict[str, Any]:
    return {
        k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
        for k, v in props.items()
    }


def write_gpkg(site: dict[str, Any], layers: Layers, path: Path | str) -> Path:
    """Write one GeoPackage layer per plant layer (EPSG:4490), replacing ``path``.

    Layers are named exactly like the plant layers, columns follow the layer's schema
    and nested values (inventory, responsible, factors) are JSON text, as the twin's own
    exports write them. The site record travels as dataset metadata.

    Returns
    -------
    Path
        The written file.
    """
    path = Path(path)
    path.unlink(missing_ok=True)
    metadata = {"site_code": site["code"], "site": json.dumps(site, ensure_ascii=False)}
    for name, features in geo.ordered(layers).items():
        if not features:
            continue
        records = [_flat(geo.feature_properties(name, props)) for props, _ in features]
        frame = gpd.GeoDataFrame(
            pd.DataFrame.from_records(records, columns=LAYERS[name].fields),
            geometry=[geom for _, geom in features],
            crs="EPSG:4490",
        )
        exists = path.exists()
        pyogrio.write_dataframe(
            frame,
            path,
            layer=name,
            driver="GPKG",
            append=exists,
            dataset_metadata=None if exists else metadata,
        )
    return path
