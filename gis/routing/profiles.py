"""Travel profiles: who moves on the route network, on which edges, and how fast.

An edge's cost is the time to traverse it, in seconds: its travelled length over the
profile's speed for the edge's kind, plus a door's passing time. A profile that has no
speed for a kind, or needs more width than the edge has, cannot use the edge.

Sources of the numbers (the domain reference marks such figures *(check)*; a site that
needs others builds its own :class:`Profile`):

* Walking evacuee, the SFPE hydraulic model (SFPE Handbook of Fire Protection
  Engineering, 5th ed. 2016, ch. 59, Gwynne & Rosenbaum): speed ``S = k - a k D`` with
  ``k = 1.40 m/s`` for corridors, walkways and doorways, capped at ``0.85 k = 1.19 m/s``
  below 0.54 persons/m² (a lone evacuee). On stairs S is measured along the line of travel
  (the slope); ``k = 1.00`` for the steepest class listed (7.5 in riser / 10 in tread),
  which also covers the GB 50352 limit for public stairs (riser ≤ 0.175 m, tread
  ≥ 0.26 m), so ``S = 0.85 m/s``.
* A door costs one person's share of its peak flow: SFPE's maximum specific flow
  1.3 persons/s per metre of effective width, the clear width less a 0.15 m boundary
  layer each side. A 1.2 m door adds 0.85 s.
* Fire engine: roads only, at least 4.0 m wide, the clear width of a fire lane
  (GB 50016-2014, 2018 ed., §7.1.8), driving one-way roads only in their direction,
  at 20 km/h, GB 4387-2008's limit at junctions, bends and narrow roads (which a plant's
  road grid mostly is).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["FIRE_ENGINE", "PROFILES", "WALK", "Profile"]

# SFPE hydraulic model (see the module docstring).
_SFPE_K_LEVEL_M_S = 1.40
_SFPE_K_STAIR_M_S = 1.00
_SFPE_FREE_FRACTION = 0.85
_SFPE_DOOR_FLOW_P_S_M = 1.3
_SFPE_DOOR_BOUNDARY_M = 0.15


@dataclass(frozen=True, slots=True)
class Profile:
    """How one kind of traveller uses the network.

    Parameters
    ----------
    name : str
        Key of the profile (``"walk"``, ``"fire_engine"``).
    speeds_m_s : mapping of str to float
        Speed by edge kind, metres per second along the travelled length. Kinds missing
        here are not usable.
    min_width_m : float
        Narrower edges are not usable.
    one_way : bool
        True when the profile drives ``one_way`` edges only from their first node to
        their last (vehicles); walkers may walk either way.
    door_flow_p_s_m : float or None
        Peak specific flow through doors (persons per second per metre of effective
        width); a door then adds ``1 / (flow × effective width)`` seconds.
    door_boundary_m : float
        Boundary layer taken off each side of a door's clear width.
    version : str
        Recorded with every answer, so a result names the rules that produced it.

    Examples
    --------
    >>> round(WALK.cost_s("walkway", 119.0, 2.0), 3)
    100.0
    >>> round(WALK.cost_s("stair", 8.0, 1.2, rise_m=3.0), 2)  # along the slope
    10.05
    >>> FIRE_ENGINE.cost_s("walkway", 50.0, 2.0) is None
    True
    """

    name: str
    speeds_m_s: Mapping[str, float] = field(hash=False)
    min_width_m: float = 0.0
    one_way: bool = False
    door_flow_p_s_m: float | None = None
    door_boundary_m: float = 0.0
    version: str = "1"

    def usable(self, kind: str, width_m: float) -> bool:
        """True when the profile may use an edge of ``kind`` and ``width_m``."""
        return kind in self.speeds_m_s and width_m >= self.min_width_m

    @property
    def access_speed_m_s(self) -> float:
        """Speed on the straight leg between a place and the network (its best speed)."""
        return max(self.speeds_m_s.values())

    def door_delay_s(self, width_m: float) -> float:
        """Seconds one traveller takes to pass a door of clear ``width_m``."""
        if self.door_flow_p_s_m is None:
            return 0.0
        effective_m = max(width_m - 2 * self.door_boundary_m, 0.1)
        return 1.0 / (self.door_flow_p_s_m * effective_m)

    def cost_s(
        self, kind: str, length_m: float, width_m: float, *, rise_m: float = 0.0
    ) -> float | None:
        """Seconds to traverse a whole edge, or None when the profile cannot use it.

        Parameters
        ----------
        kind : str
            ``road``, ``walkway``, ``stair`` or ``door``.
        length_m : float
            Plan (horizontal) length.
        width_m : float
            Usable width.
        rise_m : float
            Height climbed or descended between the edge's ends (stairs between floors).
        """
        if not self.usable(kind, width_m):
            return None
        seconds = travel_length_m(length_m, rise_m) / self.speeds_m_s[kind]
        if kind == "door":
            seconds += self.door_delay_s(width_m)
        return seconds


def travel_length_m(length_m: float, rise_m: float) -> float:
    """Length along the slope: a stair flight is longer than its plan.

    Examples
    --------
    >>> travel_length_m(4.0, 3.0)
    5.0
    """
    return math.hypot(length_m, rise_m) if rise_m else length_m


_WALK_M_S = _SFPE_FREE_FRACTION * _SFPE_K_LEVEL_M_S
WALK = Profile(
    name="walk",
    speeds_m_s={
        "walkway": _WALK_M_S,
        "road": _WALK_M_S,
        "door": _WALK_M_S,
        "stair": _SFPE_FREE_FRACTION * _SFPE_K_STAIR_M_S,
    },
    door_flow_p_s_m=_SFPE_DOOR_FLOW_P_S_M,
    door_boundary_m=_SFPE_DOOR_BOUNDARY_M,
    version="walk/sfpe-5/1",
)
FIRE_ENGINE = Profile(
    name="fire_engine",
    speeds_m_s={"road": 20 / 3.6},
    min_width_m=4.0,
    one_way=True,
    version="fire_engine/gb50016-gb4387/1",
)
PROFILES: dict[str, Profile] = {p.name: p for p in (WALK, FIRE_ENGINE)}
