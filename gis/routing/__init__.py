"""Routing on a plant's route network: evacuation, rescue and alternative routes that
never pass through a threat zone.

Pure, like networkx (which it uses): build a :class:`RouteNetwork` from edge records in a
metric CRS, find the closures of a query set (closed edges, threat zones) once, then ask.

>>> from shapely import LineString, box
>>> from gis.routing import (EdgeRecord, Place, build_network, find_closures,
...                          nearest_routes, shortest_route)
>>> xs = [0, 300, 360, 440, 600]
>>> net = build_network(
...     EdgeRecord(f"E{i}", f"N{i}", f"N{i + 1}", "road", 8.0, LineString([(a, 0), (b, 0)]))
...     for i, (a, b) in enumerate(zip(xs, xs[1:])))
>>> gas = find_closures(net, [box(380, -20, 420, 20)])
>>> shortest_route(net, Place(100, 5), Place(500, 5), closures=gas).reason
'no_path'
>>> aps = [Place(0, 0, label="AP-W"), Place(600, 0, label="AP-E")]
>>> [r.destination for r in nearest_routes(net, [Place(330, 5), Place(450, 5)], aps,
...                                        closures=gas)]
['AP-W', 'AP-E']

Modules: :mod:`~gis.routing.profiles` (who moves how fast, with sources),
:mod:`~gis.routing.network` (the graph), :mod:`~gis.routing.landmarks` (A*'s lower
bounds), :mod:`~gis.routing.closures`, :mod:`~gis.routing.places` (snapping),
:mod:`~gis.routing.scratch` (places joined to the graph for one query),
:mod:`~gis.routing.search` (the safety rule, shortest and k alternative routes),
:mod:`~gis.routing.compiled` (the single-route search in rustworkx),
:mod:`~gis.routing.evacuation` (everyone at once).
"""

from gis.routing.closures import Closures, find_closures
from gis.routing.errors import RoutingError, SnapError
from gis.routing.evacuation import nearest_routes
from gis.routing.network import EdgeRecord, NodeRecord, RouteNetwork, build_network
from gis.routing.places import MAX_SNAP_M, Place, Snap, snap
from gis.routing.profiles import FIRE_ENGINE, PROFILES, WALK, Profile
from gis.routing.results import NoSafeRoute, Route
from gis.routing.search import MAX_ALTERNATIVES, k_shortest_routes, shortest_route

__all__ = [
    "FIRE_ENGINE",
    "MAX_ALTERNATIVES",
    "MAX_SNAP_M",
    "PROFILES",
    "WALK",
    "Closures",
    "EdgeRecord",
    "NoSafeRoute",
    "NodeRecord",
    "Place",
    "Profile",
    "Route",
    "RouteNetwork",
    "RoutingError",
    "Snap",
    "SnapError",
    "build_network",
    "find_closures",
    "k_shortest_routes",
    "nearest_routes",
    "shortest_route",
    "snap",
]
