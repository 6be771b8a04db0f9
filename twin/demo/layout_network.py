"""The demo plant's route network, drawn from ``routes`` in ``data/demo/layout.yaml``.

Drawing order is part of the data: :class:`~twin.demo.routes.RouteBuilder` numbers nodes
and edges in the order paths are drawn, so the file's order fixes every route code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from twin.demo.geo import Feature
from twin.demo.routes import XY, RouteBuilder

__all__ = ["network"]

Plant = Mapping[str, Any]
Spec = Mapping[str, Any]


def network(plant: Plant) -> tuple[list[Feature], list[Feature]]:
    """Route nodes and edges in local metres, with gates, exits and assembly points marked.

    Returns
    -------
    nodes, edges : list of Feature
        As :meth:`RouteBuilder.build` makes them.
    """
    routes = RouteBuilder()
    rects = {zone["code"]: zone["rect"] for zone in plant["zones"]}
    for group in plant["routes"]["paths"]:
        for points in _polylines(group, rects):
            routes.path(
                points,
                group["kind"],
                group["width_m"],
                group["name"],
                group["name_en"],
                one_way=group.get("one_way", False),
            )
    _buildings(routes, plant["routes"])
    for exit_ in plant["exits"]:
        kind = "gate" if exit_["kind"] == "gate" else "exit"
        routes.mark(exit_["xy"], kind, exit_["name"], exit_["name_en"])
    for point in plant["assembly_points"]:
        routes.mark(point["xy"], "assembly", point["name"], point["name_en"])
    return routes.build()


def _polylines(group: Spec, rects: Mapping[str, Sequence[float]]) -> list[Sequence[XY]]:
    """The polylines of one path entry: ``points``, several ``lines``, or zone loops."""
    if "points" in group:
        return [group["points"]]
    if "lines" in group:
        return list(group["lines"])
    return [_loop(rects[code]) for code in group["around_zones"]]


def _loop(rect: Sequence[float]) -> list[XY]:
    x0, y0, x1, y1 = rect
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]


def _buildings(routes: RouteBuilder, spec: Spec) -> None:
    """Doors and corridors of every building first, then their stairs."""
    widths = spec["building_widths_m"]
    for building in spec["buildings"]:
        for door in building["doors"]:
            _door(routes, building, door, widths)
    for building in spec["buildings"]:
        if "stairs" in building:
            _stairs(routes, building, building["stairs"], widths)


def _door(routes: RouteBuilder, building: Spec, door: Spec, widths: Spec) -> None:
    name, name_en = building["name"], building["name_en"]
    routes.path(
        door["outside"],
        "walkway",
        widths["entrance"],
        f"{name}出入口通道",
        f"{name_en} entrance path",
    )
    routes.path(door["door"], "door", door["width_m"], f"{name}门", f"{name_en} door")
    routes.mark(door["door"][0], "door", f"{name}门", f"{name_en} door")
    for line in door.get("corridors", []):
        routes.path(line, "walkway", widths["corridor"], f"{name}室内通道", f"{name_en} corridor")


def _stairs(routes: RouteBuilder, building: Spec, stairs: Spec, widths: Spec) -> None:
    """A switchback: landings alternate between two points on successive floors."""
    name, name_en = building["name"], building["name_en"]
    landings, floors = stairs["landings"], stairs["floors"]
    for floor in range(floors):
        here = landings[floor % 2]
        routes.mark(here, "stair", f"{name}楼梯", f"{name_en} stair", floor=floor)
        if floor:
            routes.path(
                [here, (stairs["corridor_x"], here[1])],
                "walkway",
                widths["corridor"],
                f"{name}{floor + 1}层走廊",
                f"{name_en} floor {floor + 1} corridor",
                floor=floor,
            )
        if floor + 1 < floors:
            routes.link(
                here,
                floor,
                landings[(floor + 1) % 2],
                floor + 1,
                "stair",
                widths["stair"],
                f"{name}楼梯",
                f"{name_en} stair",
            )
