"""The time-stepped hydraulic model on the route graph.

Each step (``dt_s``, everyone in parallel, vectorised with NumPy):

1. When the threat zones change, the fields are rebuilt (:mod:`~sim.evacuation.fields`)
   and everyone re-routes from where they stand; whoever has no safe way left stops and
   is reported (``no_path``), and walks again if a later change opens a way.
2. People whose pre-movement (and walk onto the network) is over choose their way.
3. On each link, people walk at the SFPE speed for the link's density (persons over its
   effective area), scaled by their own speed; across a door at their free speed.
4. People at the end of their link pass into the next one (or count in at an assembly
   point) first come, first served, within the links' capacities and free room
   (:mod:`~sim.evacuation.nodes`): queues form at doors and stairs and grow back.

Times within a step are interpolated (a lone walker arrives at the exact time); a person
released from a queue leaves at the end of the step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from shapely.geometry.base import BaseGeometry

from gis.routing import WALK, Place, Profile, RouteNetwork
from sim.evacuation.fields import Router
from sim.evacuation.links import build_links, locate, points_on
from sim.evacuation.nodes import admit, fronts
from sim.evacuation.params import EvacuationParams, PreMovement
from sim.evacuation.people import (
    EvacuationError,
    Person,
    ThreatStep,
    closed_mask,
    premovement_times,
    threat_steps,
)
from sim.evacuation.queues import QueueLog
from sim.evacuation.results import EvacuationResult, State, outcomes

__all__ = ["simulate"]

WAITING, MOVING, ARRIVED, STOPPED = 0, 1, 2, 3


def simulate(
    network: RouteNetwork,
    people: Sequence[Person],
    assembly_points: Sequence[Place],
    threats: Sequence[tuple[float, Sequence[BaseGeometry]]] | Sequence[ThreatStep] = (),
    *,
    closed_edges: Sequence[str] = (),
    premovement: PreMovement | None = None,
    params: EvacuationParams = EvacuationParams(),
    profile: Profile = WALK,
) -> EvacuationResult:
    """Simulate an evacuation of ``people`` to ``assembly_points`` over ``network``.

    Parameters
    ----------
    network : RouteNetwork
        In a metric CRS; edge kinds ``road``, ``walkway``, ``stair``, ``door``.
    people : sequence of Person
    assembly_points : sequence of Place
        Labelled; people count in at the nearest one they can reach safely.
    threats : sequence of (t_s, zones)
        Threat zones (polygons in the network's CRS) active from ``t_s`` on, e.g. a
        plume growing every 30 s. People re-route whenever they change.
    closed_edges : sequence of str
        Route edges closed throughout (a locked gate).
    premovement : PreMovement, optional
        Draws the pre-movement of people who have none (seeded by ``params.seed``).
    params : EvacuationParams
    profile : Profile
        Whose route costs choose the way (the network must carry it).

    Returns
    -------
    EvacuationResult

    Raises
    ------
    EvacuationError
        Without assembly points, when someone has no pre-movement time and no
        distribution is given, or when a closed edge is not in the network.
    """
    if not assembly_points:
        raise EvacuationError("an evacuation needs at least one assembly point")
    if profile.name not in network.costs:
        raise EvacuationError(f"the network was not built for profile {profile.name!r}")
    return _Run(
        network, people, assembly_points, threat_steps(threats), closed_edges, premovement,
        params, profile,
    ).run()  # fmt: skip


class _Run:
    def __init__(
        self,
        network: RouteNetwork,
        people: Sequence[Person],
        assembly_points: Sequence[Place],
        steps: list[ThreatStep],
        closed_edges: Sequence[str],
        premovement: PreMovement | None,
        params: EvacuationParams,
        profile: Profile,
    ) -> None:
        self.network, self.people, self.params, self.steps = network, people, params, steps
        self.links = links = build_links(network, params, profile)
        open_links = links.usable & ~closed_mask(network, closed_edges)
        places = [p.place for p in people]
        self.loc = locate(network, links, places, params.max_snap_m, open_links)
        # An assembly point behind a closed edge stays there, out of reach; people are
        # not standing in a locked gate, so they join the nearest open link.
        self.aps = locate(network, links, assembly_points, params.max_snap_m)
        self.ap_labels = tuple(p.label or f"AP-{i + 1}" for i, p in enumerate(assembly_points))
        self.router = Router(network, links, self.aps, closed_edges)
        n, n_links, n_aps = len(people), len(links), len(assembly_points)
        self.pre = pre = premovement_times(people, premovement, params.seed)
        free = params.free_speed_m_s
        self.speed = np.array([p.speed_m_s or free for p in people], dtype=float)
        self.ratio = self.speed / free
        self.start = pre + self.loc.access_m / self.speed
        self.status = np.where(self.loc.link >= 0, WAITING, STOPPED).astype(np.int8)
        self.reason: list[str | None] = [None if e >= 0 else "off_network" for e in self.loc.link]
        self.link = np.where(self.loc.link >= 0, self.loc.link, 0)
        self.dirn = np.zeros(n, dtype=np.int8)
        self.s = self.loc.at_m.copy()
        self.target = self.links.length_m[self.link].copy()
        self.ap = np.full(n, -1, dtype=np.int64)
        self.queued_at = np.full(n, np.inf)
        self.budget = np.full(n, params.dt_s)
        self.field = np.zeros(n, dtype=np.int64)
        self.arrival = np.full(n, np.nan)
        self.arrived_at = np.full(n, -1, dtype=np.int64)
        self.queued_s = np.zeros(n)
        self.held = np.zeros(n, dtype=bool)
        self.paths: list[list[int]] = [[] for _ in range(n)]
        ap_link = np.where(self.aps.link >= 0, self.aps.link, 0)
        ap_capacity = np.where(self.aps.link >= 0, links.capacity_p_s[ap_link], 0.0)
        self.out_step = links.capacity_p_s * params.dt_s
        self.in_step = np.r_[links.capacity_p_s, ap_capacity] * params.dt_s
        self.out_credit, self.in_credit = self.out_step + 1.0, self.in_step + 1.0
        self.holder = np.full(len(self.in_step), -1, dtype=np.int64)
        self.storage = np.r_[links.storage_p, np.full(n_aps, np.inf)]
        kinds = [*links.kind, *["assembly_point"] * n_aps]
        self.queues = QueueLog([*links.code, *self.ap_labels], kinds, params.dt_s)
        self.n_links = n_links
        self.samples: list[tuple[float, np.ndarray, np.ndarray, np.ndarray]] = []

    # The run ----------------------------------------------------------------------------

    def run(self) -> EvacuationResult:
        p = self.params
        dt, n_steps = p.dt_s, math.ceil(p.duration_s / p.dt_s - 1e-9)
        events, next_event = self.steps, 0
        every = max(1, round(p.sample_every_s / dt))
        t = 0.0
        for k in range(n_steps):
            t = k * dt
            changed = False
            while next_event < len(events) and events[next_event].t_s <= t + 1e-9:
                self.router.set_zones(events[next_event].zones)
                next_event, changed = next_event + 1, True
            if changed:
                self._reroute(t)
            counts = self._occupancy()
            if k % every == 0:
                self._sample(t, counts)
            self._activate(t)
            counts = self._occupancy()
            self._step(t, counts)
            if self._finished(next_event < len(events)):
                t = (k + 1) * dt
                break
        else:
            t = n_steps * dt
        self._sample(t, self._occupancy())
        return self._result(t)

    def _finished(self, more_events: bool) -> bool:
        if np.any((self.status == WAITING) | (self.status == MOVING)):
            return False
        stopped_on_links = any(r == "no_path" for r in self.reason)
        return not (more_events and stopped_on_links)

    def _occupancy(self) -> np.ndarray:
        on = (self.status == MOVING) | ((self.status == STOPPED) & (self.loc.link >= 0))
        return np.bincount(self.link[on], minlength=self.n_links)

    # Routing ----------------------------------------------------------------------------

    def _reroute(self, t: float) -> None:
        """Zones changed: everyone not yet arrived follows the new fields from where they
        stand; whoever cannot stops, whoever can again walks on."""
        alive = np.flatnonzero((self.status != ARRIVED) & (self.loc.link >= 0))
        if not alive.size:
            return
        xy = self._xy(alive)
        self.field[alive] = self.router.field_ids(self.router.inside(xy))
        on = alive[self.status[alive] != WAITING]
        if not on.size:
            return
        length = self.links.length_m[self.link[on]]
        pos = np.where(self.dirn[on] == 0, self.s[on], length - self.s[on])
        self._follow(on, pos, t)

    def _activate(self, t: float) -> None:
        dt = self.params.dt_s
        new = np.flatnonzero((self.status == WAITING) & (self.start < t + dt))
        if new.size:
            self.link[new] = self.loc.link[new]
            go = self._follow(new, self.loc.at_m[new], t)
            self.budget[go] = t + dt - np.maximum(self.start[go], t)

    def _follow(self, who: np.ndarray, pos: np.ndarray, t: float) -> np.ndarray:
        """Set ``who``, standing ``pos`` metres from their link's first node, on their best
        way; whoever has none stops. Returns those who walk."""
        choice = self.router.choose(self.link[who], pos, self.field[who])
        ok = np.isfinite(choice.eta_s)
        go, stop = who[ok], who[~ok]
        length = self.links.length_m[self.link[go]]
        self.dirn[go], self.target[go] = choice.dirn[ok], choice.target_m[ok]
        self.ap[go] = choice.ap[ok]
        self.s[go] = np.where(choice.dirn[ok] == 0, pos[ok], length - pos[ok])
        self.queued_at[go] = np.where(self.s[go] >= self.target[go], t, np.inf)
        self.status[go] = MOVING
        self.status[stop], self.dirn[stop], self.s[stop] = STOPPED, 0, pos[~ok]
        for i in go.tolist():
            self.reason[i] = None
            if not self.paths[i]:
                self.paths[i].append(int(self.link[i]))
        for i in stop.tolist():
            self.reason[i] = "no_path"
        return go

    # Movement ---------------------------------------------------------------------------

    def _step(self, t: float, counts: np.ndarray) -> None:
        p, links = self.params, self.links
        dt = p.dt_s
        density = counts / links.area_m2
        moving = self.status == MOVING
        walk = np.flatnonzero(moving & (self.s < self.target))
        e = self.link[walk]
        v = np.where(
            links.transition[e],
            self.speed[walk],
            p.speed_m_s(density[e], links.k_m_s[e]) * self.ratio[walk],
        )
        speed = np.zeros(len(self.s))
        speed[walk] = v
        budget = self.budget[walk]
        ahead = self.s[walk] + v * budget
        reach = ahead >= self.target[walk]
        with np.errstate(divide="ignore", invalid="ignore"):
            when = t + dt - budget + (self.target[walk] - self.s[walk]) / v
        self.queued_at[walk[reach]] = when[reach]
        self.s[walk] = np.minimum(ahead, self.target[walk])
        self.budget[walk] = dt
        self._pass_nodes(t, counts, density, moving, speed)

    def _pass_nodes(
        self,
        t: float,
        counts: np.ndarray,
        density: np.ndarray,
        moving: np.ndarray,
        speed: np.ndarray,
    ) -> None:
        """Admit people at the ends of their links (and the fronts of congested links)
        into the next link or an assembly point (see :mod:`~sim.evacuation.nodes`)."""
        links, dt, n_links = self.links, self.params.dt_s, self.n_links
        self.out_credit = np.minimum(self.out_credit + self.out_step, self.out_step + 1.0)
        self.in_credit = np.minimum(self.in_credit + self.in_step, self.in_step + 1.0)
        at_end = moving & (self.s >= self.target)
        congested = ~links.transition & (density >= self.params.critical_density_p_m2)
        front = np.flatnonzero(moving & ~at_end & congested[self.link])
        if front.size:
            allowance = np.floor(self.out_credit + 1e-9) - np.bincount(
                self.link[at_end], minlength=n_links
            )
            remaining = self.target[front] - self.s[front]
            front = front[fronts(self.link[front], remaining, allowance)]
        c = np.r_[np.flatnonzero(at_end), front]
        if not c.size:
            return
        e = self.link[c]
        node = np.where(self.dirn[c] == 0, links.v[e], links.u[e])
        f = self.field[c]
        to_ap = self.ap[c] >= 0
        nxt = self.router.link[f, node]
        lost = ~to_ap & (nxt < 0)
        if lost.any():  # the fields left them no way on: they stop where they are
            for i in c[lost].tolist():
                self.status[i], self.reason[i] = STOPPED, "no_path"
            keep = ~lost
            c, e, node, f, nxt, to_ap = (
                c[keep],
                e[keep],
                node[keep],
                f[keep],
                nxt[keep],
                to_ap[keep],
            )
        res = np.where(to_ap, n_links + self.ap[c], nxt)
        key = np.where(at_end[c], self.queued_at[c], t + dt + (self.target[c] - self.s[c]))
        free = self.storage - np.r_[counts, np.zeros(len(self.ap_labels))]
        ok, waits_at = admit(
            e, res, key, to_ap, self.out_credit, self.in_credit, free,
            self.out_step, self.in_step, self.holder,
        )  # fmt: skip
        self.queues.record(t, np.bincount(waits_at[~ok], minlength=len(self.in_credit)))
        self.queued_s[c[~ok]] += dt
        # Those held before leave within this step, say at its end; the others when they
        # got there (a lone walker's exact time), or as the step starts if that was in the
        # last one, whose transitions were already done.
        first_go = at_end[c] & ~self.held[c]
        pass_t = np.where(first_go, np.maximum(self.queued_at[c], t), t + dt)
        self.held[c[~ok]] = True
        self.out_credit -= np.bincount(e[ok & ~to_ap], minlength=n_links)
        self.in_credit -= np.bincount(res[ok], minlength=len(self.in_credit))
        arrive = ok & to_ap
        a = c[arrive]
        self.status[a], self.arrival[a], self.arrived_at[a] = ARRIVED, pass_t[arrive], self.ap[a]
        go = ok & ~to_ap
        self._enter(c[go], node[go], f[go], res[go], pass_t[go], speed, t)

    def _enter(
        self,
        who: np.ndarray,
        node: np.ndarray,
        field: np.ndarray,
        link: np.ndarray,
        pass_t: np.ndarray,
        speed: np.ndarray,
        t: float,
    ) -> None:
        r = self.router
        dt = self.params.dt_s
        leftover = np.clip(t + dt - pass_t, 0.0, dt)
        step = leftover * speed[who]
        target = r.target_m[field, node]
        self.link[who], self.dirn[who], self.ap[who] = link, r.dirn[field, node], r.ap[field, node]
        self.target[who] = target
        self.s[who] = np.minimum(step, target)
        on_link_s = np.divide(target, speed[who], out=np.zeros_like(target), where=speed[who] > 0)
        self.queued_at[who] = np.where(step >= target, pass_t + on_link_s, np.inf)
        self.held[who] = False
        self.field[who] = np.where(r.unsafe[node], field, 0)
        for i, e in zip(who.tolist(), link.tolist(), strict=True):
            self.paths[i].append(e)

    # Output -----------------------------------------------------------------------------

    def _xy(self, who: np.ndarray) -> np.ndarray:
        """Positions: on the link once set off, the place before, the assembly point after."""
        xy = self.loc.xy[who].copy()
        on = (self.status[who] == MOVING) | (
            (self.status[who] == STOPPED) & (self.loc.link[who] >= 0)
        )
        arrived = self.status[who] == ARRIVED
        if arrived.any():
            xy[arrived] = self.aps.xy[self.arrived_at[who[arrived]]]
        if on.any():
            i = who[on]
            xy[on] = points_on(self.network, self.links, self.link[i], self.dirn[i], self.s[i])
        return xy

    def _sample(self, t: float, counts: np.ndarray) -> None:
        status, moving = self.status, self.status == MOVING
        state = np.select(
            [status == ARRIVED, status == STOPPED, moving & (self.s >= self.target), moving],
            [State.ARRIVED, State.STOPPED, State.QUEUING, State.WALKING],
            State.WAITING,
        ).astype(np.int8)
        xy = self._xy(np.arange(len(self.people)))
        self.samples.append((t, counts / self.links.area_m2, xy, state))

    def _result(self, t_end: float) -> EvacuationResult:
        people = outcomes(
            [p.id for p in self.people], self.pre, self.start, self.arrival, self.arrived_at,
            self.ap_labels, self.paths, self.links.code, self.queued_s, self.reason,
        )  # fmt: skip
        ts, density, xy, states = zip(*self.samples, strict=True)
        return EvacuationResult(
            people=people,
            assembly_points=self.ap_labels,
            bottlenecks=self.queues.bottlenecks(),
            edge_codes=tuple(self.links.code),
            sample_t_s=np.array(ts),
            density_p_m2=np.array(density),
            positions_xy=np.array(xy),
            states=np.array(states),
            simulated_s=t_end,
            params=self.params,
        )
