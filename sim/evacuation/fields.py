"""Where everyone heads: time fields to the nearest safe assembly point, rebuilt only when
the threat zones change, and each person's choice on the link they stand on.

One multi-source Dijkstra from the usable assembly points (outside every zone, on an open
link) gives every node its time to the nearest one and the link to take: field 0. The
routing library's safety rule (:mod:`gis.routing.search`) applies to the rest: a route
never touches a zone, except that someone standing *inside* zones may cross those zones,
leaving them, until the first node outside every zone. For each distinct set of zones
people stand in, one more search runs inward from the safe nodes over the links that
touch only those zones: one more field. Someone outside every zone on a link a zone has
just reached may still walk off it along a part the zones do not touch.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from gis.routing import RouteNetwork, find_closures
from sim.evacuation.links import Links, Located

__all__ = ["Choice", "Router"]


@dataclass(frozen=True)
class Choice:
    """What people on links decide: direction (0 toward ``v``), where they stop on the
    link (its end, or an assembly point on it), which assembly point (-1: none on this
    link) and the time to an assembly point from here (infinite: no safe way)."""

    dirn: np.ndarray
    target_m: np.ndarray
    ap: np.ndarray
    eta_s: np.ndarray


class Router:
    """The fields for the current threat zones.

    Field arrays are ``(n_fields, n_nodes)``: ``dist`` seconds to an assembly point,
    ``link`` to take (-1: none), ``dirn`` along it, ``target_m`` where to stop on it,
    ``ap`` the assembly point reached on it (-1: walk on).
    """

    def __init__(
        self,
        network: RouteNetwork,
        links: Links,
        aps: Located,
        closed_edges: Sequence[str] = (),
    ) -> None:
        self.network, self.links, self.aps = network, links, aps
        self.closed_codes = tuple(closed_edges)
        self.set_zones([])

    def set_zones(self, zones: Sequence[BaseGeometry]) -> None:
        """New zones: closures, usable assembly points and field 0; escape fields go."""
        net, links = self.network, self.links
        closures = find_closures(net, zones, self.closed_codes)
        self.zones = closures.zones
        n_links, n_zones = len(links), len(self.zones)
        self.closed = np.zeros(n_links, dtype=bool)
        self.closed[list(closures.closed)] = True
        self.blocked = np.zeros(n_links, dtype=bool)
        self.blocked[list(closures.blocked)] = True
        self.edge_zone = np.zeros((n_links, n_zones), dtype=bool)
        for e, zs in closures.edge_zones.items():
            self.edge_zone[e, list(zs)] = True
        self.unsafe = np.zeros(net.n_nodes, dtype=bool)
        self.unsafe[[n for n in closures.unsafe_nodes if n < net.n_nodes]] = True
        self.ap_usable = (self.aps.link >= 0) & ~self.inside(self.aps.xy).any(axis=1)
        open_links = links.usable & ~self.blocked
        main = self._search(self._ap_seeds(), open_links, None)
        self.dist, self.link, self.dirn, self.target_m, self.ap = (a[None] for a in main)
        self.field_zones = np.zeros((1, n_zones), dtype=bool)
        self._field_of: dict[bytes, int] = {}

    def inside(self, xy: np.ndarray) -> np.ndarray:
        """``(n, n_zones)``: which zones each point lies in or on."""
        out = np.zeros((len(xy), len(self.zones)), dtype=bool)
        for j, zone in enumerate(self.zones):
            out[:, j] = shapely.intersects_xy(zone, xy[:, 0], xy[:, 1])
        return out

    def field_ids(self, inside: np.ndarray) -> np.ndarray:
        """The field each person follows, given the zones they stand in (0: none);
        builds the escape fields not built yet."""
        ids = np.zeros(len(inside), dtype=np.int64)
        caught = np.flatnonzero(inside.any(axis=1))
        if not caught.size:
            return ids
        sets, back = np.unique(inside[caught], axis=0, return_inverse=True)
        for k, zone_set in enumerate(sets):
            key = zone_set.tobytes()
            if key not in self._field_of:
                self._field_of[key] = self._add_escape_field(zone_set)
            ids[caught[back.reshape(-1) == k]] = self._field_of[key]
        return ids

    def choose(self, link: np.ndarray, at_m: np.ndarray, field: np.ndarray) -> Choice:
        """The best way to an assembly point for people at ``at_m`` on ``link``: on to its
        last node, back to its first, or to an assembly point on the link itself."""
        links = self.links
        length = links.length_m[link]
        frac = np.divide(at_m, length, out=np.zeros_like(at_m), where=length > 0)
        ok = self._passable(link, field)
        ok_fwd, ok_bwd = ok.copy(), ok.copy()
        partial = np.flatnonzero((field == 0) & self.blocked[link] & ~self.closed[link])
        for i in partial.tolist():
            ok_fwd[i], ok_bwd[i] = self._walk_off(int(link[i]), float(frac[i]))
        cost_f, cost_b = links.cost_s[0, link], links.cost_s[1, link]
        eta_f = np.where(ok_fwd, (1 - frac) * cost_f + self.dist[field, links.v[link]], np.inf)
        eta_b = np.where(ok_bwd, frac * cost_b + self.dist[field, links.u[link]], np.inf)
        back = eta_b < eta_f
        eta = np.where(back, eta_b, eta_f)
        dirn = back.astype(np.int8)
        target = length.copy()
        ap = np.full(len(link), -1, dtype=np.int64)
        for i in np.flatnonzero(self.ap_usable).tolist():
            on = (link == self.aps.link[i]) & ok
            a = self.aps.at_m[i]
            for j in partial[link[partial] == self.aps.link[i]].tolist():
                on[j] = self._clear(int(link[j]), float(frac[j]), self._frac(i))
            if not on.any():
                continue
            ahead = a >= at_m
            part = np.abs(a - at_m) / np.where(length > 0, length, 1.0)
            cost = np.where(on, part * np.where(ahead, cost_f, cost_b), np.inf)
            better = cost <= eta  # ties: the assembly point on this very link
            eta = np.where(better, cost, eta)
            dirn = np.where(better, (~ahead).astype(np.int8), dirn)
            target = np.where(better, np.where(ahead, a, length - a), target)
            ap = np.where(better, i, ap)
        return Choice(dirn, target, ap, eta)

    def _passable(self, link: np.ndarray, field: np.ndarray) -> np.ndarray:
        ok = ~self.blocked[link]
        escaping = field > 0
        if escaping.any():
            e, f = link[escaping], field[escaping]
            other = self.edge_zone[e] & ~self.field_zones[f]
            ok[escaping] = self.links.usable[e] & ~self.closed[e] & ~other.any(axis=1)
        return ok

    def _walk_off(self, e: int, frac: float) -> tuple[bool, bool]:
        """Whether the parts of link ``e`` ahead of and behind ``frac`` miss every zone."""
        return self._clear(e, frac, 1.0), self._clear(e, 0.0, frac)

    def _clear(self, e: int, frac_a: float, frac_b: float) -> bool:
        """Whether link ``e`` between two fractions of its length misses every zone."""
        if not self.blocked[e]:
            return True
        if self.closed[e]:
            return False
        lo, hi = sorted((frac_a, frac_b))
        part = substring(self.network.lines[e], lo, hi, normalized=True)
        return not bool(shapely.intersects(self.zones[self.edge_zone[e]], part).any())

    def _frac(self, ap: int) -> float:
        length = float(self.links.length_m[self.aps.link[ap]])
        return float(self.aps.at_m[ap]) / length if length > 0 else 0.0

    def _ap_seeds(self) -> list[tuple[float, int, int, int, float, int]]:
        links, seeds = self.links, []
        for i in np.flatnonzero(self.ap_usable).tolist():
            e = int(self.aps.link[i])
            a, length, f = float(self.aps.at_m[i]), float(links.length_m[e]), self._frac(i)
            # An assembly point on a link a zone touches is still reached from the side
            # the zone leaves clear.
            if np.isfinite(links.cost_s[0, e]) and self._clear(e, 0.0, f):
                seeds.append((f * links.cost_s[0, e], int(links.u[e]), e, 0, a, i))
            if np.isfinite(links.cost_s[1, e]) and self._clear(e, f, 1.0):
                seeds.append(((1 - f) * links.cost_s[1, e], int(links.v[e]), e, 1, length - a, i))
        return seeds

    def _add_escape_field(self, zone_set: np.ndarray) -> int:
        """One more field: from unsafe nodes out over links touching only ``zone_set``."""
        links = self.links
        allowed = links.usable & ~self.closed & ~(self.edge_zone & ~zone_set[None, :]).any(axis=1)
        main = self.dist[0].tolist()
        # Safe nodes keep their field-0 labels: the search only labels unsafe ones anew.
        seeds = [
            (
                d,
                n,
                int(self.link[0, n]),
                int(self.dirn[0, n]),
                float(self.target_m[0, n]),
                int(self.ap[0, n]),
            )
            for n, d in enumerate(main)
            if d < np.inf
        ]
        dist, link, dirn, target, ap = self._search(seeds, allowed, self.unsafe)
        self.dist = np.vstack([self.dist, dist])
        self.link = np.vstack([self.link, link])
        self.dirn = np.vstack([self.dirn, dirn])
        self.target_m = np.vstack([self.target_m, target])
        self.ap = np.vstack([self.ap, ap])
        self.field_zones = np.vstack([self.field_zones, zone_set[None, :]])
        return len(self.dist) - 1

    def _search(
        self,
        seeds: list[tuple[float, int, int, int, float, int]],
        allowed: np.ndarray,
        only_into: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Multi-source Dijkstra toward the seeds; ``only_into`` limits which nodes may
        take a label from a neighbour (the unsafe ones, for an escape field)."""
        links, n = self.links, self.network.n_nodes
        dist = np.full(n, np.inf)
        link = np.full(n, -1, dtype=np.int64)
        dirn = np.zeros(n, dtype=np.int8)
        target = np.zeros(n)
        ap = np.full(n, -1, dtype=np.int64)
        best = dist.tolist()
        heap: list[tuple[float, int]] = []
        for d, node, e, way, at, i in seeds:
            if d < best[node]:
                best[node] = d
                link[node], dirn[node], target[node], ap[node] = e, way, at, i
                heapq.heappush(heap, (d, node))
        ok = allowed.tolist()
        into = None if only_into is None else only_into.tolist()
        u_of, cost_f, cost_b = links.u.tolist(), links.cost_s[0].tolist(), links.cost_s[1].tolist()
        length = links.length_m.tolist()
        adjacency = links.adjacency
        while heap:
            d, m = heapq.heappop(heap)
            if d > best[m]:
                continue
            for e, other in adjacency[m]:
                if not ok[e] or (into is not None and not into[other]):
                    continue
                forward = other == u_of[e]  # walking other -> m along the link's direction
                nd = d + (cost_f[e] if forward else cost_b[e])
                if nd < best[other]:
                    best[other] = nd
                    link[other], dirn[other] = e, 0 if forward else 1
                    target[other], ap[other] = length[e], -1
                    heapq.heappush(heap, (nd, other))
        dist[:] = best
        return dist, link, dirn, target, ap
