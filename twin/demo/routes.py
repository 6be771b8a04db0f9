"""Turn drawn paths into a routable network of nodes and edges.

Paths are drawn as polylines; the builder splits them wherever they cross or touch, cuts
long pieces so nodes are at most ``spacing_m`` apart, and gives every edge the codes of
the nodes at its ends, whose points are exactly its end points.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from shapely import STRtree
from shapely.geometry import LineString, Point

from twin.demo.geo import Feature

__all__ = ["RouteBuilder"]

XY = tuple[float, float]
# Points closer than this (metres) are one node: drawing slack, far below any width.
SNAP_DECIMALS = 2


@dataclass(frozen=True, slots=True)
class _Path:
    points: tuple[XY, ...]
    props: dict[str, Any]
    floor: int


@dataclass(frozen=True, slots=True)
class _Link:
    a: XY
    floor_a: int
    b: XY
    floor_b: int
    props: dict[str, Any]


def _key(xy: XY, floor: int) -> tuple[float, float, int]:
    return round(float(xy[0]), SNAP_DECIMALS), round(float(xy[1]), SNAP_DECIMALS), floor


class RouteBuilder:
    """Collect paths, stair links and special nodes; :meth:`build` makes the features.

    Examples
    --------
    >>> r = RouteBuilder(spacing_m=10)
    >>> r.path([(0, 0), (20, 0)], "road", 7.0, "路", "road")
    >>> r.path([(10, -5), (10, 5)], "walkway", 1.5, "步道", "path")
    >>> nodes, edges = r.build()
    >>> len(nodes), len(edges)
    (5, 4)
    """

    def __init__(
        self, spacing_m: float = 25.0, node_prefix: str = "RN", edge_prefix: str = "RE"
    ) -> None:
        self.spacing_m = spacing_m
        self.node_prefix, self.edge_prefix = node_prefix, edge_prefix
        self._paths: list[_Path] = []
        self._links: list[_Link] = []
        self._marks: dict[tuple[float, float, int], tuple[str, str, str]] = {}

    def path(
        self,
        points: Sequence[XY],
        kind: str,
        width_m: float,
        name: str,
        name_en: str,
        *,
        floor: int = 0,
        one_way: bool = False,
    ) -> None:
        """A polyline walked or driven along; ``one_way`` keeps the drawing direction."""
        self._paths.append(
            _Path(
                tuple((float(x), float(y)) for x, y in points),
                {
                    "kind": kind,
                    "width_m": width_m,
                    "name": name,
                    "name_en": name_en,
                    "one_way": one_way,
                },
                floor,
            )
        )

    def link(
        self,
        a: XY,
        floor_a: int,
        b: XY,
        floor_b: int,
        kind: str,
        width_m: float,
        name: str,
        name_en: str,
    ) -> None:
        """A single edge between floors (a stair flight), never split or cut."""
        self._links.append(
            _Link(
                a,
                floor_a,
                b,
                floor_b,
                {
                    "kind": kind,
                    "width_m": width_m,
                    "name": name,
                    "name_en": name_en,
                    "one_way": False,
                },
            )
        )

    def mark(self, xy: XY, kind: str, name: str, name_en: str, floor: int = 0) -> None:
        """Give the node at ``xy`` a kind (gate, exit, door ...) and a name."""
        self._marks[_key(xy, floor)] = (kind, name, name_en)

    def build(self) -> tuple[list[Feature], list[Feature]]:
        """Node and edge features ``(properties, geometry)`` in local coordinates.

        Raises
        ------
        ValueError
            When two paths overlap along a stretch, an edge repeats, or a link or a
            mark names a point that is no node.
        """
        nodes: dict[tuple[float, float, int], XY] = {}
        edges: list[
            tuple[tuple[float, float, int], tuple[float, float, int], dict[str, Any], int]
        ] = []
        seen: set[frozenset[tuple[float, float, int]]] = set()

        def node(xy: XY, floor: int) -> tuple[float, float, int]:
            key = _key(xy, floor)
            nodes.setdefault(key, (float(xy[0]), float(xy[1])))
            return key

        def edge(
            a: tuple[float, float, int],
            b: tuple[float, float, int],
            props: dict[str, Any],
            floor: int,
        ) -> None:
            pair = frozenset((a, b))
            if a == b:
                return
            if pair in seen:
                raise ValueError(f"edge between {a} and {b} drawn twice")
            seen.add(pair)
            edges.append((a, b, props, floor))

        for floor, pieces in self._segments().items():
            for line, path, cuts in pieces:
                keys = [node(xy, floor) for xy in self._stations(line, cuts)]
                for a, b in pairwise(keys):
                    edge(a, b, path.props, floor)
        for link in self._links:
            a, b = _key(link.a, link.floor_a), _key(link.b, link.floor_b)
            if a not in nodes or b not in nodes:
                raise ValueError(
                    f"link {link.a}@{link.floor_a} -> {link.b}@{link.floor_b} "
                    "does not end on drawn paths"
                )
            edge(a, b, link.props, min(link.floor_a, link.floor_b))
        missing = sorted(set(self._marks) - set(nodes))
        if missing:
            raise ValueError(f"marked points are not on the network: {missing}")
        return self._features(nodes, edges)

    def _segments(self) -> dict[int, list[tuple[LineString, _Path, list[XY]]]]:
        """Straight segments per floor with the points where other segments meet them."""
        by_floor: dict[int, list[tuple[LineString, _Path]]] = defaultdict(list)
        for path in self._paths:
            for a, b in pairwise(path.points):
                by_floor[path.floor].append((LineString([a, b]), path))
        out: dict[int, list[tuple[LineString, _Path, list[XY]]]] = {}
        for floor, segs in by_floor.items():
            lines = [line for line, _ in segs]
            cuts: list[list[XY]] = [[] for _ in lines]
            left, right = STRtree(lines).query(lines, predicate="intersects")
            for i, j in zip(left.tolist(), right.tolist(), strict=True):
                if i == j:
                    continue
                hit = lines[i].intersection(lines[j])
                if not isinstance(hit, Point):
                    raise ValueError(f"paths overlap along {hit.wkt}")
                cuts[i].append((hit.x, hit.y))
            out[floor] = [(line, path, cut) for (line, path), cut in zip(segs, cuts, strict=True)]
        return out

    def _stations(self, line: LineString, cuts: list[XY]) -> list[XY]:
        """End points, crossing points and evenly spaced points in between, in order."""
        (ax, ay), (bx, by) = line.coords
        length = line.length
        marks = sorted({0.0, length, *(round(line.project(Point(c)), 6) for c in cuts)})
        exact = {round(line.project(Point(c)), 6): c for c in cuts}
        out: list[XY] = []
        for d0, d1 in pairwise(marks):
            count = max(1, math.ceil((d1 - d0) / self.spacing_m - 1e-9))
            for k in range(count):
                d = d0 + (d1 - d0) * k / count
                out.append(
                    exact.get(d) or (ax + (bx - ax) * d / length, ay + (by - ay) * d / length)
                )
        out.append((bx, by))
        return out

    def _features(
        self,
        nodes: dict[tuple[float, float, int], XY],
        edges: list[tuple[Any, Any, dict[str, Any], int]],
    ) -> tuple[list[Feature], list[Feature]]:
        codes: dict[tuple[float, float, int], str] = {}
        node_features: list[Feature] = []
        for index, (key, xy) in enumerate(nodes.items(), start=1):
            code = codes[key] = f"{self.node_prefix}-{index:04d}"
            kind, name, name_en = self._marks.get(
                key, ("junction", f"路网节点{index:04d}", f"Route node {index:04d}")
            )
            node_features.append(
                (
                    {"code": code, "kind": kind, "floor": key[2], "name": name, "name_en": name_en},
                    Point(xy),
                )
            )
        edge_features: list[Feature] = []
        for index, (a, b, props, floor) in enumerate(edges, start=1):
            edge_features.append(
                (
                    {
                        "code": f"{self.edge_prefix}-{index:04d}",
                        "from_node": codes[a],
                        "to_node": codes[b],
                        "floor": floor,
                        **props,
                    },
                    LineString([nodes[a], nodes[b]]),
                )
            )
        return node_features, edge_features
