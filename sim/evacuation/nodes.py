"""The node model: each step, who passes from the end of a link into the next link (or
into an assembly point), in the hydraulic model's terms.

* A link lets out at most its capacity (maximum specific flow times effective width) and
  the next link lets in at most its own, and no more than its free room: the smaller
  element governs, as SFPE's transition rule says, and a full link stops its feeders.
* People go first come, first served: those at a link's end in the order they got
  there. Assembly points are reached inside a link and use only their own entrance.
* A congested link (density past the peak of the flow curve, ``1 / 2a`` ≈ 1.88 p/m²)
  discharges at its capacity from its front, as a queue does in the hydraulic model,
  instead of at the falling flow of ever slower walkers; this also frees a link packed
  past the density where walking stops.
"""

from __future__ import annotations

import numpy as np

__all__ = ["admit", "fronts", "group_rank"]

# Credits are counts of persons kept in floating point; a hair of slack keeps 2.9999999
# from rounding down to 2.
_EPS = 1e-9
# How far back a queue through full links is traced to the element that holds it.
_CHAIN = 8


def group_rank(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Each item's place (0, 1, …) within its group when ordered by ``key`` (ties by
    position).

    Examples
    --------
    >>> group_rank(np.array([1, 0, 1, 1]), np.array([5.0, 1.0, 2.0, 9.0])).tolist()
    [1, 0, 0, 2]
    """
    if not group.size:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((np.arange(group.size), key, group))
    g = group[order]
    rank = np.empty(group.size, dtype=np.int64)
    rank[order] = np.arange(group.size) - np.searchsorted(g, g, side="left")
    return rank


def fronts(link: np.ndarray, remaining_m: np.ndarray, allowance: np.ndarray) -> np.ndarray:
    """Which people at the front of congested links may leave this step: per link, the
    ``allowance[link]`` nearest its end."""
    return group_rank(link, remaining_m) < allowance[link]


def admit(
    own: np.ndarray,
    res: np.ndarray,
    key: np.ndarray,
    to_ap: np.ndarray,
    out_credit: np.ndarray,
    in_credit: np.ndarray,
    free: np.ndarray,
    out_step: np.ndarray,
    in_step: np.ndarray,
    holder: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Who passes, and where those who do not wait.

    Parameters
    ----------
    own : ndarray of int
        Each candidate's link.
    res : ndarray of int
        What each wants to enter: a link, or ``n_links + k`` for assembly point ``k``.
    key : ndarray
        First come, first served order (when each reached the end).
    to_ap : ndarray of bool
        Candidates reaching an assembly point on their own link.
    out_credit : ndarray
        Persons each link may still let out this step.
    in_credit, free : ndarray
        Persons each link or assembly point may still let in, and its free room.
    out_step, in_step : ndarray
        Capacities per step, to name the element that holds those who wait.
    holder : ndarray of int
        Per link, the element last seen holding its people (-1: none yet); kept across
        steps by the caller and updated here.

    Returns
    -------
    ok : ndarray of bool
    waits_at : ndarray of int
        For those who do not pass: the element holding them (see ``_blamed``).

    Examples
    --------
    Three people at the end of link 0 want link 1, which lets in 2 per step:

    >>> ok, at = admit(np.zeros(3, int), np.ones(3, int), np.array([0.2, 0.1, 0.3]),
    ...                np.zeros(3, bool), np.array([5.0, 5.0]), np.array([5.0, 2.0]),
    ...                np.array([9.0, 9.0]), np.array([5.0, 5.0]), np.array([5.0, 2.0]),
    ...                np.full(2, -1))
    >>> ok.tolist(), at[~ok].tolist()
    ([True, True, False], [1])
    """
    through = ~to_ap
    ok_out = to_ap.copy()
    if through.any():
        rank = group_rank(own[through], key[through])
        ok_out[through] = rank < np.floor(out_credit[own[through]] + _EPS)
    ok = np.zeros(own.size, dtype=bool)
    if ok_out.any():
        rank = group_rank(res[ok_out], key[ok_out])
        limit = np.minimum(
            np.floor(in_credit[res[ok_out]] + _EPS), np.maximum(free[res[ok_out]], 0)
        )
        ok[ok_out] = rank < limit
    return ok, _blamed(own, res, ok, out_step, in_step, free, in_credit, holder)


def _blamed(
    own: np.ndarray,
    res: np.ndarray,
    ok: np.ndarray,
    out_step: np.ndarray,
    in_step: np.ndarray,
    free: np.ndarray,
    in_credit: np.ndarray,
    holder: np.ndarray,
) -> np.ndarray:
    """The element holding each person: the narrower of their link's exit and what they
    want to enter; but when what they want to enter is full (its room, not its
    capacity, turns them away), whatever holds that link's own people: a queue in front
    of a corridor packed up to a door is the door's."""
    n_links = out_step.size
    narrower = np.zeros(own.size, dtype=bool)
    to_link = res < n_links
    narrower[to_link] = out_step[own[to_link]] < in_step[res[to_link]]
    at = np.where(narrower, own, res)
    held = ~ok
    demand = np.bincount(res, minlength=free.size)
    room = np.floor(np.maximum(free, 0.0) + _EPS)
    full = (room < demand) & (room <= np.floor(in_credit + _EPS))
    holder[own[held]] = at[held]
    for _ in range(_CHAIN):
        hop = held & full[at] & (holder[at] >= 0) & (holder[at] != at)
        if not hop.any():
            break
        at = np.where(hop, holder[at], at)
    return at
