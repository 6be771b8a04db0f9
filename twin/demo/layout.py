"""The demo plant: a fictional hazardous-chemical site in a Jiangsu chemical park.

The plant is the hand-edited file ``data/demo/layout.yaml``. It is authored in local metres
(x east, y north from the south-west fence corner) on the CGCS2000 3-degree Gauss-Krüger
zone with central meridian 120°E (EPSG:4549) and transformed to CGCS2000 geographic
(EPSG:4490). The builder is deterministic: running ``python -m twin.demo.layout``
rewrites ``data/demo/site.json`` and ``data/demo/plant.geojson`` byte for byte.

:mod:`twin.demo.layout_features` turns the tables into features,
:mod:`twin.demo.layout_network` draws the route network and :mod:`twin.demo.geo` places
everything on the map.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shapely.geometry import box

from twin.demo import geo
from twin.demo.datafiles import DATA_DIR, load_yaml
from twin.demo.geo import Layers
from twin.demo.layout_features import features
from twin.demo.layout_network import network

__all__ = ["DEMO_DIR", "LAYOUT_PATH", "SECTIONS", "build", "build_local", "main"]

DEMO_DIR = DATA_DIR / "demo"
LAYOUT_PATH = DEMO_DIR / "layout.yaml"
# Top-level sections of the plant file, all of which the builder reads.
SECTIONS = (
    "site",
    "zones",
    "responsible",
    "installations",
    "equipment",
    "gas_detectors",
    "instruments",
    "process_sensors",
    "cameras",
    "base_stations",
    "exits",
    "assembly_points",
    "rescue_resources",
    "hydrants",
    "risk_zones",
    "routes",
)


def build_local(path: Path = LAYOUT_PATH) -> Layers:
    """Every layer in local metres, in registry order.

    Raises
    ------
    ValueError
        When the plant file lacks one of ``SECTIONS``.
    """
    plant = load_yaml(path, SECTIONS)
    nodes, edges = network(plant)
    return geo.ordered({**features(plant), "route_nodes": nodes, "route_edges": edges})


def build(path: Path = LAYOUT_PATH) -> tuple[dict[str, Any], Layers]:
    """The demo site record (like ``site.json``) and its layers in EPSG:4490.

    Returns
    -------
    site : dict
        Code, names, credit code, metric SRID and the fence as a GeoJSON Polygon.
    layers : dict
        Layer name -> list of ``(properties, geometry)``, in registry order.
    """
    spec = load_yaml(path, SECTIONS)["site"]
    width_m, height_m = spec["size_m"]
    origin = geo.origin_for(width_m, height_m)
    credit = spec["credit_code"]
    site = geo.site_record(
        spec["code"],
        spec["name"],
        spec["name_en"],
        geo.credit_code(credit["region"], credit["organisation"]),
        geo.to_cgcs2000_geometry(box(0.0, 0.0, width_m, height_m), origin),
        people_outside_500m=spec["people_outside_500m"],
    )
    return site, geo.to_cgcs2000(build_local(path), origin)


def main(out_dir: Path = DEMO_DIR) -> None:
    """Write ``site.json`` and ``plant.geojson`` into ``out_dir`` and print the counts."""
    site, layers = build()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "site.json").write_text(
        json.dumps(site, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    geo.write_geojson(layers, out_dir / "plant.geojson", name=f"{site['code']}_plant")
    for name, layer in layers.items():
        print(f"{name:18} {len(layer):5d}")
    print(f"{'total':18} {geo.total_features(layers):5d}")


if __name__ == "__main__":
    main()
