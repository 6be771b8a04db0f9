"""Temporary nodes joining a query's places to the graph it searches.

A query's places join the network part-way along edges, through legs (see
:mod:`gis.routing.places`). A search needs them as nodes: a super source joined to every
start place, a super target joined from every end place. They are added for the query and
removed after it, under the network's lock, to networkx's graph (k alternatives,
evacuation) or to a compiled rustworkx graph (single routes, :mod:`gis.routing.compiled`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import rustworkx as rx

from gis.routing.network import RouteNetwork
from gis.routing.places import Attachment, Leg, direct
from gis.routing.profiles import Profile
from gis.routing.results import Route, assemble

__all__ = ["Scratch", "scratch"]


class Scratch:
    """Temporary nodes joining a query's places to a graph (removed on exit).

    Nodes are numbered on from the network's own, in networkx's graph (``graph``) or,
    given ``compiled``, as the numbers the compiled graph's new nodes carry (``index``
    maps them to their indexes there; the network's own nodes sit at their numbers).
    """

    def __init__(
        self,
        network: RouteNetwork,
        profile: Profile,
        compiled: rx.PyDiGraph[int, float] | None = None,
    ) -> None:
        self.network, self.graph, self.profile = network, network.graph, profile
        self.compiled = compiled
        self.added: list[int] = []
        self.index: dict[int, int] = {}
        self.legs: dict[tuple[int, int], Leg] = {}
        self.sources: dict[int, Attachment] = {}
        self.targets: dict[int, Attachment] = {}

    def node(self) -> int:
        n = self.network.n_nodes + len(self.added)
        self.added.append(n)
        if self.compiled is None:
            self.graph.add_node(n)
        else:
            self.index[n] = self.compiled.add_node(n)
        return n

    def edge(self, a: int, b: int, cost: float, leg: Leg | None = None) -> None:
        if leg is not None:
            self.legs[a, b] = leg
        if self.compiled is None:
            self.graph.add_edge(a, b, e=-1, leg=leg, **{self.profile.name: cost})
        else:
            index = self.index
            self.compiled.add_edge(index.get(a, a), index.get(b, b), cost)

    def wire(self, starts: list[Attachment], ends: list[Attachment]) -> tuple[int, int]:
        """A super source and a super target joined to every start and end place."""
        first, last = self.node(), self.node()
        for a in starts:
            s = self.node()
            self.sources[s] = a
            self.edge(first, s, 0.0)
            for leg in a.legs:
                self.edge(s, leg.node, leg.cost_s, leg)
        for b in ends:
            t = self.node()
            self.targets[t] = b
            self.edge(t, last, 0.0)
            for leg in b.legs:
                self.edge(leg.node, t, leg.cost_s, leg)
        for s, a in self.sources.items():
            for t, b in self.targets.items():
                shortcut = direct(self.network, a, b, self.profile)
                if shortcut is not None:
                    self.edge(s, t, shortcut.cost_s, shortcut)
        return first, last

    def estimates(self, bounds: np.ndarray | None) -> np.ndarray:
        """A* lower bounds by node number: the network's ``bounds`` (none: zeros), and
        zero for every temporary node."""
        if bounds is None:
            bounds = np.zeros(self.network.n_nodes)
        return np.concatenate((bounds, np.zeros(len(self.added))))

    def numbers(self, indexes: list[int]) -> list[int]:
        """Node numbers along a path found in the compiled graph, which runs super source,
        start, graph nodes …, end, super target: graph nodes sit at their own numbers
        there, so only the two temporary nodes at either end need looking up."""
        number = {i: n for n, i in self.index.items()}
        path = list(indexes)
        for k in (0, 1, -2, -1):
            path[k] = number[path[k]]
        return path

    def route(self, path: list[int]) -> Route:
        """``path`` runs super source, start, graph nodes …, end, super target."""
        s, t = path[1], path[-2]
        first = self.legs[s, path[2]]
        last = None if path[2] == t else self.legs[path[-3], t]
        return assemble(
            self.network,
            self.profile.name,
            self.sources[s],
            self.targets[t],
            first,
            path[2:-2],
            last,
        )

    def close(self) -> None:
        if self.compiled is None:
            self.graph.remove_nodes_from(self.added)
        else:
            self.compiled.remove_nodes_from(list(self.index.values()))


@contextmanager
def scratch(
    network: RouteNetwork,
    profile: Profile,
    compiled: rx.PyDiGraph[int, float] | None = None,
) -> Iterator[Scratch]:
    """A :class:`Scratch` on networkx's graph, or on ``compiled``, holding the lock."""
    with network.lock:
        s = Scratch(network, profile, compiled)
        try:
            yield s
        finally:
            s.close()
