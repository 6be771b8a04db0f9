"""Pasquill atmospheric stability class from wind speed, sunshine and cloud.

Classes run from A (very unstable: strong sun, light wind, vigorous vertical mixing) to
F (moderately stable: clear night, light wind, a thin plume that stays concentrated).
`stability_class` applies Pasquill's (1961) table as printed by Turner (1970) and in
*Fundamentals of Air Pollution* (3rd ed., table 19-3):

============  ======  ========  ======  ===================  ===========
wind (m/s)    strong  moderate  slight  night, ≥ 4/8 cloud   night, ≤ 3/8
============  ======  ========  ======  ===================  ===========
< 2           A       A-B       B       (F)                  (F)
2-3           A-B     B         C       E                    F
3-5           B       B-C       C       D                    E
5-6           C       C-D       D       D                    D
> 6           C       D         D       D                    D
============  ======  ========  ======  ===================  ===========

Overcast skies (day or night) and the hour either side of night are D at any wind.
Pasquill leaves night below 2 m/s blank; this module returns F there (as ALOHA does) and
the Gaussian plume then reports its low-wind limit. The split classes A-B, B-C and C-D
resolve to the more stable letter by default, which gives the higher ground-level
concentration for a ground-level release (``resolve="unstable"`` picks the other).

Examples
--------
>>> stability_class(2.5, "night_clear")
'F'
>>> stability_class(4.0, "strong_sun"), stability_class(4.0, "moderate_sun")
('B', 'C')
>>> stability_class(4.0, "moderate_sun", resolve="unstable")
'B'
>>> stability_class(12.0, "overcast")
'D'
"""

from __future__ import annotations

import math
from typing import Literal, get_args

__all__ = ["STABILITY_CLASSES", "Sky", "Stability", "stability_class"]

Stability = Literal["A", "B", "C", "D", "E", "F"]
STABILITY_CLASSES: tuple[Stability, ...] = get_args(Stability)

Sky = Literal["strong_sun", "moderate_sun", "slight_sun", "night_cloudy", "night_clear", "overcast"]
_SKIES: tuple[str, ...] = get_args(Sky)

# Rows: upper wind bound (m/s, exclusive) → class per sky column, in the order of _SKIES
# without "overcast". Night below 2 m/s is blank in Pasquill's table (see module notes).
_TABLE: tuple[tuple[float, tuple[str, str, str, str, str]], ...] = (
    (2.0, ("A", "AB", "B", "F", "F")),
    (3.0, ("AB", "B", "C", "E", "F")),
    (5.0, ("B", "BC", "C", "D", "E")),
    (6.0, ("C", "CD", "D", "D", "D")),
    (math.inf, ("C", "D", "D", "D", "D")),
)


def stability_class(
    wind_m_s: float,
    sky: Sky,
    *,
    resolve: Literal["stable", "unstable"] = "stable",
) -> Stability:
    """Pasquill stability class for a 10 m wind speed and the state of the sky.

    Parameters
    ----------
    wind_m_s : float
        Wind speed at 10 m, m/s.
    sky : {"strong_sun", "moderate_sun", "slight_sun", "night_cloudy", "night_clear", \
"overcast"}
        Daytime insolation (strong: sunny midsummer midday; slight: sunny midwinter),
        or at night (from an hour before sunset to an hour after sunrise) the cloud:
        ``"night_cloudy"`` thinly overcast or ≥ 4/8 low cloud, ``"night_clear"`` ≤ 3/8;
        ``"overcast"`` for a fully overcast sky, day or night.
    resolve : {"stable", "unstable"}
        Which letter to return for the split classes A-B, B-C and C-D.

    Returns
    -------
    str
        One of ``"A"`` … ``"F"``.

    Raises
    ------
    ValueError
        When the wind speed is negative or not finite, or ``sky`` is unknown.
    """
    if not math.isfinite(wind_m_s) or wind_m_s < 0:
        raise ValueError(f"wind speed must be a finite number ≥ 0 m/s, got {wind_m_s}")
    if sky not in _SKIES:
        raise ValueError(f"unknown sky {sky!r}; expected one of {', '.join(_SKIES)}")
    if sky == "overcast":
        return "D"
    column = _SKIES.index(sky)
    cell = next(row[column] for bound, row in _TABLE if wind_m_s < bound)
    letter = cell[-1] if resolve == "stable" else cell[0]
    return _as_stability(letter)


def _as_stability(letter: str) -> Stability:
    for s in STABILITY_CLASSES:
        if s == letter:
            return s
    raise ValueError(f"not a stability class: {letter!r}")
