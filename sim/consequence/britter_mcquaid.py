"""Britter-McQuaid workbook correlations for a continuous dense-gas release.

Britter and McQuaid's *Workbook on the Dispersion of Dense Gases* (HSE contract research
report 17/1988) correlates the field trials (Thorney Island, Maplin Sands, Burro…) for
a continuous ground-level source of volume rate q0 (m³/s of source gas), reduced gravity
g0' = g(ρ0 − ρa)/ρa and wind u (at 10 m) through

    Dc = (q0 / u)^½                 source length scale
    α  = 0.2 · log10(g0'² q0 / u⁵)  density effect
    β  = log10(x / Dc)              distance

For Cm/C0 = 0.1, 0.05, 0.02, 0.01, 0.005 and 0.002 the workbook's curves give β(α);
this module uses their piecewise-linear digitisation in CCPS, *Guidelines for Consequence
Analysis of Chemical Releases* (1999), and interpolates log10(Cm/C0) linearly in β
between them. Nearer than x/Dc = 30 it uses the workbook's near-field relation
Cm/C0 = 306 ξ⁻² / (1 + 306 ξ⁻²), ξ = x/Dc. A release colder than the air is corrected as
the workbook recommends: the curves give the isothermal-equivalent C*, and the real
volume fraction is C = C*·T' / (1 − C* + C*·T') with T' = Ta / T0.

The plume's plan shape (workbook relations as summarised by CCPS 1999): it reaches
Lu = Dc/2 + 2 lb upwind of the source and has the crosswind half-width
L_H = Dc + 8 lb + 2.5 lb^⅓ x^⅔, with lb = g0' q0 / u³ (L_H read as the half-width, the
wider of the two readings).

Validity: dense, (g0' q0 / (u³ Dc))^⅓ ≥ 0.15; curves digitised for α ≤ 1 (larger α uses
the α = 1 values); between Cm/C0 = 0.1 and 0.002.

Examples
--------
On the 0.01 curve at α = −0.25 (β = 2.45) the axis is at 1 % of the source gas:

>>> betas = curve_positions(-0.25)
>>> round(float(isothermal_ratio(10 ** 2.45, betas)), 6)
0.01
>>> round(float(real_fraction(0.01, 298.15, 239.11)), 5)  # the same, from cold chlorine
0.01244
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from sim.consequence.dispersion_coefficients import FloatArray

__all__ = [
    "DENSE_CRITERION",
    "NEAR_FIELD_XI",
    "RATIOS",
    "curve_positions",
    "isothermal_ratio",
    "real_fraction",
    "top_hat_half_width_m",
    "upwind_extent_m",
]

# Workbook criterion: below this the release behaves passively from the start.
DENSE_CRITERION = 0.15
# x/Dc below which the near-field relation replaces the curves.
NEAR_FIELD_XI = 30.0
RATIOS = (0.1, 0.05, 0.02, 0.01, 0.005, 0.002)
# β against α for each ratio, as knots of the piecewise-linear CCPS digitisation
# (constant below the first knot; the curves stop at α = 1).
_CURVES: tuple[tuple[tuple[float, ...], tuple[float, ...]], ...] = (
    ((-0.55, -0.14, 1.0), (1.75, 1.85, 1.28)),
    ((-0.68, -0.29, -0.18, 1.0), (1.92, 2.06, 2.06, 1.40)),
    ((-0.69, -0.31, -0.16, 1.0), (2.08, 2.25, 2.25, 1.62)),
    ((-0.70, -0.29, -0.20, 1.0), (2.25, 2.45, 2.45, 1.83)),
    ((-0.67, -0.28, -0.15, 1.0), (2.40, 2.63, 2.63, 2.07)),
    ((-0.69, -0.25, -0.13, 1.0), (2.60, 2.77, 2.77, 2.21)),
)


def curve_positions(alpha: float) -> FloatArray:
    """β = log10(x/Dc) of each curve in `RATIOS` for this α (α above 1 is taken as 1)."""
    a = min(alpha, 1.0)
    return np.array([np.interp(a, knots, betas) for knots, betas in _CURVES], dtype=np.float64)


def isothermal_ratio(xi: npt.ArrayLike, betas: FloatArray) -> FloatArray:
    """Isothermal Cm/C0 at ξ = x/Dc, from the near field out to the last curve.

    Beyond the 0.002 curve the value stays at the last knot's interpolation end; callers
    hand over to a passive plume there.
    """
    x = np.maximum(np.asarray(xi, dtype=np.float64), 1e-12)
    xi_near = min(NEAR_FIELD_XI, 10.0 ** float(betas[0]))
    knots = np.log10(RATIOS)
    # Joins the near-field relation to the 0.1 curve when the two leave a gap; when the
    # 0.1 curve lies nearer than ξ = 30 the near field simply ends there.
    if xi_near < 10.0 ** float(betas[0]):
        betas = np.concatenate(([math.log10(xi_near)], betas))
        knots = np.concatenate(([math.log10(float(_near_field(xi_near)))], knots))
    far = 10.0 ** np.interp(np.log10(x), betas, knots)
    return np.asarray(np.where(x <= xi_near, _near_field(x), far), dtype=np.float64)


def real_fraction(c_star: npt.ArrayLike, ambient_k: float, source_k: float) -> FloatArray:
    """Real volume fraction from the isothermal-equivalent C* of a source at ``source_k``."""
    t_ratio = ambient_k / source_k
    c = np.asarray(c_star, dtype=np.float64)
    return np.asarray(c * t_ratio / (1.0 - c + c * t_ratio), dtype=np.float64)


def top_hat_half_width_m(x_m: npt.ArrayLike, dc_m: float, lb_m: float) -> FloatArray:
    """L_H = Dc + 8 lb + 2.5 lb^⅓ x^⅔ (x ≥ 0; the source width upwind), m."""
    x = np.maximum(np.asarray(x_m, dtype=np.float64), 0.0)
    return np.asarray(dc_m + 8.0 * lb_m + 2.5 * lb_m ** (1.0 / 3.0) * x ** (2.0 / 3.0))


def upwind_extent_m(dc_m: float, lb_m: float) -> float:
    """Lu = Dc/2 + 2 lb: how far the slumping gas spreads upwind of the source, m."""
    return dc_m / 2.0 + 2.0 * lb_m


def _near_field(xi: npt.ArrayLike) -> FloatArray:
    k = 306.0 * np.asarray(xi, dtype=np.float64) ** -2.0
    return np.asarray(k / (1.0 + k), dtype=np.float64)
