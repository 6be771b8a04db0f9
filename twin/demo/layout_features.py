"""The demo plant's features, built from the tables of ``data/demo/layout.yaml``.

Every function turns tables into ``(properties, geometry)`` features in local metres, in
table order. Keys of a table entry named like a property of its layer are copied as they
are; the rest (geometry, references into other tables) is turned into properties here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from itertools import product
from typing import Any

from shapely.geometry import Point, box

from twin.demo.geo import Feature, Layers
from twin.demo.setpoints import install_height_m, instrument_props, load_rules, sensor_fields
from twin.plant.layers import LAYERS

__all__ = ["features"]

Plant = Mapping[str, Any]
Entry = Mapping[str, Any]


def features(plant: Plant) -> Layers:
    """Every layer of the plant but the route network, in local metres."""
    return {
        "zones": [(_props("zones", z), box(*z["rect"])) for z in plant["zones"]],
        "installations": _installations(plant),
        "equipment": _at_xy("equipment", plant["equipment"]),
        "sensors": _gas_detectors(plant) + _process_sensors(plant),
        "cameras": _cameras(plant),
        "base_stations": _base_stations(plant),
        "exits": _at_xy("exits", plant["exits"]),
        "assembly_points": _at_xy("assembly_points", plant["assembly_points"]),
        "rescue_resources": _at_xy("rescue_resources", plant["rescue_resources"])
        + _hydrants(plant),
        "risk_zones": _risk_zones(plant),
    }


def _props(layer: str, entry: Entry) -> dict[str, Any]:
    """The keys of ``entry`` that are properties of ``layer``; absent ones keep defaults."""
    return {field: entry[field] for field in LAYERS[layer].fields if field in entry}


def _at_xy(layer: str, entries: Iterable[Entry]) -> list[Feature]:
    return [(_props(layer, e), Point(e["xy"])) for e in entries]


def _installations(plant: Plant) -> list[Feature]:
    out: list[Feature] = []
    for entry in plant["installations"]:
        if "centre" in entry:
            geom = Point(entry["centre"]).buffer(entry["diameter_m"] / 2, quad_segs=12)
        else:
            geom = box(*entry["rect"])
        owner = entry.get("hazard_source")
        props = {
            **_props("installations", entry),
            "is_hazard_source": owner is not None,
            # Tonnes as floats whether the table wrote 500 or 500.0.
            "inventory": [
                {
                    "chemical": item["chemical"],
                    "design_capacity_t": float(item["design_capacity_t"]),
                    "quantity_t": float(item["quantity_t"]),
                }
                for item in entry.get("inventory", [])
            ],
        }
        if owner is not None:
            props["responsible"] = dict(plant["responsible"][owner])
        out.append((props, geom))
    return out


def _gas_detectors(plant: Plant) -> list[Feature]:
    gases = load_rules()["gases"]
    out: list[Feature] = []
    for entry in plant["gas_detectors"]:
        gas = entry["gas"]
        label = "氧含量" if gas == "oxygen" else gases[gas]["name"]
        props = {
            "code": entry["code"],
            **sensor_fields(gas),
            "name": f"{label}探测器（{entry['place']}）",
            "name_en": f"{gases[gas]['name_en'].capitalize()} detector, {entry['place_en']}",
            "install_height_m": install_height_m(gas, entry["source_height_m"]),
            "zone_code": entry["zone_code"],
            "installation_code": entry["installation_code"],
        }
        out.append((props, Point(entry["xy"])))
    return out


def _process_sensors(plant: Plant) -> list[Feature]:
    return [
        (
            instrument_props(
                entry["code"],
                plant["instruments"][entry["instrument"]],
                install_height_m=entry["install_height_m"],
                zone_code=entry["zone_code"],
                installation_code=entry["installation_code"],
                name=entry["name"],
                name_en=entry["name_en"],
            ),
            Point(entry["xy"]),
        )
        for entry in plant["process_sensors"]
    ]


def _cameras(plant: Plant) -> list[Feature]:
    return [
        (
            {
                **_props("cameras", entry),
                "name": f"{entry['place']}摄像机",
                "name_en": f"{entry['place_en']} camera",
            },
            Point(entry["xy"]),
        )
        for entry in plant["cameras"]
    ]


def _base_stations(plant: Plant) -> list[Feature]:
    return [
        (
            {
                "code": f"BS-{n:02d}",
                "name": f"UWB定位基站{n:02d}",
                "name_en": f"UWB anchor {n:02d}",
                "technology": "uwb",
                "install_height_m": entry["install_height_m"],
                "floor": 0,
            },
            Point(entry["xy"]),
        )
        for n, entry in enumerate(plant["base_stations"], start=1)
    ]


def _hydrants(plant: Plant) -> list[Feature]:
    """Rows of hydrants: one coordinate fixed, the other a list of positions along it."""
    points = [
        point
        for row in plant["hydrants"]
        for point in product(*(_as_list(row[axis]) for axis in ("x", "y")))
    ]
    return [
        (
            {
                "code": f"HY-{n:02d}",
                "kind": "hydrant",
                "name": f"室外消火栓{n:02d}",
                "name_en": f"Hydrant {n:02d}",
                "quantity": 1,
                "unit": "个",
            },
            Point(xy),
        )
        for n, xy in enumerate(points, start=1)
    ]


def _as_list(value: float | list[float]) -> list[float]:
    return value if isinstance(value, list) else [value]


def _risk_zones(plant: Plant) -> list[Feature]:
    zones = {z["code"]: z for z in plant["zones"]}
    margin_m = plant["risk_zones"]["margin_m"]
    out: list[Feature] = []
    for risk in plant["risk_zones"]["zones"]:
        zone = zones[risk["zone"]]
        props = {
            "code": f"RZ-{zone['code'][2:]}",
            "name": f"{zone['name']}风险分区",
            "name_en": f"{zone['name_en']} risk zone",
            "grade": risk["grade"],
            "method": risk["method"],
            "score": math.prod(risk["factors"].values(), start=1.0),
            "factors": dict(risk["factors"]),
            "owner": risk["owner"],
        }
        out.append((props, box(*zone["rect"]).buffer(margin_m, join_style="mitre")))
    return out
