"""What a run answers: each person's outcome, the muster curve, the bottlenecks, and the
density and positions sampled over time for a map or a replay. Pure data, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.evacuation.params import EvacuationParams

__all__ = ["Bottleneck", "EvacuationResult", "PersonOutcome", "State", "outcomes"]


class State:
    """Codes of ``EvacuationResult.states``."""

    WAITING = 0  # pre-movement
    WALKING = 1
    QUEUING = 2  # at a link's end waiting for room or capacity, or in a jam
    ARRIVED = 3
    STOPPED = 4  # no safe route, or off the network


@dataclass(frozen=True, slots=True)
class PersonOutcome:
    """One person's evacuation.

    ``start_s`` is when the person steps onto the route network (pre-movement and the
    walk from where they stood); ``path`` the route edges walked, in order;
    ``queued_s`` the time spent waiting at bottlenecks. ``no_safe_route`` gives the
    reason a person who did not arrive had none at the end (``no_path``,
    ``off_network``), None otherwise; a person who still walked at the end of the run
    has neither an arrival nor a reason.
    """

    id: str
    premovement_s: float
    start_s: float
    arrival_s: float | None
    assembly_point: str | None
    path: tuple[str, ...]
    queued_s: float
    no_safe_route: str | None


@dataclass(frozen=True, slots=True)
class Bottleneck:
    """Where people waited: a link's entrance (a door, a stair) or an assembly point's.

    ``max_queue_p`` is the longest queue; ``waiting_person_s`` the person-seconds spent
    in it; ``queue_s`` how long a queue stood; ``first_s``/``last_s`` when it did.
    """

    edge: str
    kind: str
    max_queue_p: int
    waiting_person_s: float
    queue_s: float
    first_s: float
    last_s: float


@dataclass(frozen=True)
class EvacuationResult:
    """Everything a run produces (arrays in the network's metric CRS).

    Attributes
    ----------
    people : tuple of PersonOutcome
        In the order given.
    assembly_points : tuple of str
    bottlenecks : tuple of Bottleneck
        Most waiting first.
    edge_codes : tuple of str
        Columns of ``density_p_m2``.
    sample_t_s : ndarray
        ``(S,)`` times of the samples: the state as each sampled step begins, every
        ``params.sample_every_s``, and once more at the end of the run.
    density_p_m2 : ndarray
        ``(S, n_edges)`` persons per m² of each link's effective area.
    positions_xy : ndarray
        ``(S, n_people, 2)``: on their link, at their place before they set off, at the
        assembly point once arrived.
    states : ndarray
        ``(S, n_people)`` codes from :class:`State`.
    simulated_s : float
        Simulated time when the run stopped.
    params : EvacuationParams
    """

    people: tuple[PersonOutcome, ...]
    assembly_points: tuple[str, ...]
    bottlenecks: tuple[Bottleneck, ...]
    edge_codes: tuple[str, ...]
    sample_t_s: np.ndarray
    density_p_m2: np.ndarray
    positions_xy: np.ndarray
    states: np.ndarray
    simulated_s: float
    params: EvacuationParams

    @property
    def evacuated(self) -> int:
        return sum(p.arrival_s is not None for p in self.people)

    @property
    def all_evacuated(self) -> bool:
        return self.evacuated == len(self.people)

    @property
    def total_s(self) -> float | None:
        """When the last person who arrived arrived (None if nobody did); see
        :attr:`all_evacuated` for whether that was everyone."""
        times = [p.arrival_s for p in self.people if p.arrival_s is not None]
        return max(times) if times else None

    @property
    def not_evacuated(self) -> tuple[PersonOutcome, ...]:
        return tuple(p for p in self.people if p.arrival_s is None)

    def arrivals_s(self, assembly_point: str | None = None) -> np.ndarray:
        """Sorted arrival times, at one assembly point or at all."""
        return np.sort(
            [
                p.arrival_s
                for p in self.people
                if p.arrival_s is not None
                and (assembly_point is None or p.assembly_point == assembly_point)
            ]
        )

    def muster_curve(
        self, assembly_point: str | None = None, every_s: float = 10.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(t_s, count)``: how many had counted in by each time, every ``every_s``
        up to the end of the run, at one assembly point or at all."""
        t = np.arange(0.0, self.simulated_s + every_s, every_s)
        arrivals = self.arrivals_s(assembly_point)
        return t, np.searchsorted(arrivals, t, side="right")


def outcomes(
    ids: Sequence[str],
    premovement_s: np.ndarray,
    start_s: np.ndarray,
    arrival_s: np.ndarray,
    arrived_at: np.ndarray,
    assembly_points: Sequence[str],
    paths: Sequence[Sequence[int]],
    edge_codes: Sequence[str],
    queued_s: np.ndarray,
    reasons: Sequence[str | None],
) -> tuple[PersonOutcome, ...]:
    """Each person's outcome from the run's arrays (``arrived_at`` -1: not arrived)."""
    out = []
    for i, person in enumerate(ids):
        arrived = arrived_at[i] >= 0
        path = [edge_codes[e] for k, e in enumerate(paths[i]) if k == 0 or e != paths[i][k - 1]]
        out.append(
            PersonOutcome(
                id=person,
                premovement_s=float(premovement_s[i]),
                start_s=float(start_s[i]),
                arrival_s=float(arrival_s[i]) if arrived else None,
                assembly_point=assembly_points[arrived_at[i]] if arrived else None,
                path=tuple(path),
                queued_s=float(queued_s[i]),
                no_safe_route=None if arrived else reasons[i],
            )
        )
    return tuple(out)
