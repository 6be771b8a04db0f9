"""4–20 mA loop current to engineering value, with NAMUR NE43 signal levels.

NE43 splits the loop current into measurement and failure information:

==================  ============  ===============================================
loop current        quality       value
==================  ============  ===============================================
< 3.6 mA            bad           None: the transmitter signals a failure (or the
                                  loop is broken); never "0 % LEL"
3.6 – < 3.8 mA      uncertain     linear, below ``range_min``: under-range
                                  saturation, neither a measurement nor a failure
3.8 – 20.5 mA       good          linear, may lie slightly outside the range: NE43
                                  counts this whole band as measurement information
> 20.5 – 21.0 mA    uncertain     linear, above ``range_max``: over-range saturation
                                  (a gas detector above full scale ends up here)
> 21.0 mA           bad           None: failure signal
==================  ============  ===============================================

The saturation bands keep their number because a gas reading pinned above full scale is
exactly what an operator must see; the quality says it is not a trustworthy measurement.
"""

from __future__ import annotations

from devices.values import Quality

__all__ = [
    "BAND_EDGE_DECIMALS",
    "FAILURE_HIGH_MA",
    "FAILURE_LOW_MA",
    "LOOP_MAX_MA",
    "LOOP_MIN_MA",
    "MEASURE_HIGH_MA",
    "MEASURE_LOW_MA",
    "current_to_engineering",
    "engineering_to_current_ma",
]

# The live-zero loop: 4 mA is range_min, 20 mA is range_max.
LOOP_MIN_MA = 4.0
LOOP_MAX_MA = 20.0
# NE43 failure thresholds: a transmitter drives ≤ 3.6 mA or ≥ 21 mA to report a fault.
FAILURE_LOW_MA = 3.6
FAILURE_HIGH_MA = 21.0
# NE43 measurement band edges: between these and the failure thresholds lies saturation.
MEASURE_LOW_MA = 3.8
MEASURE_HIGH_MA = 20.5
# Decimal places of mA kept before comparing with the band edges: register scaling
# (µA × 0.001) leaves float dust like 20.500000000000004 that must not move a reading
# across an edge, and a nanoamp is far below any loop's resolution.
BAND_EDGE_DECIMALS = 6


def current_to_engineering(
    current_ma: float, range_min: float, range_max: float
) -> tuple[float | None, Quality]:
    """Engineering value and quality of one loop current.

    Parameters
    ----------
    current_ma : float
        Measured loop current, mA.
    range_min, range_max : float
        The transmitter's calibrated range: the values at 4 mA and at 20 mA.

    Returns
    -------
    value : float or None
        ``range_min + (current_ma − 4) / 16 × (range_max − range_min)``; None for a
        failure signal.
    quality : Quality

    Examples
    --------
    >>> current_to_engineering(12.0, 0.0, 100.0)
    (50.0, <Quality.GOOD: 'good'>)
    >>> current_to_engineering(2.0, 0.0, 100.0)
    (None, <Quality.BAD: 'bad'>)
    >>> current_to_engineering(20.8, 0.0, 100.0)[1]
    <Quality.UNCERTAIN: 'uncertain'>
    """
    current_ma = round(current_ma, BAND_EDGE_DECIMALS)
    if not FAILURE_LOW_MA <= current_ma <= FAILURE_HIGH_MA:
        return None, Quality.BAD
    value = range_min + (current_ma - LOOP_MIN_MA) / (LOOP_MAX_MA - LOOP_MIN_MA) * (
        range_max - range_min
    )
    if MEASURE_LOW_MA <= current_ma <= MEASURE_HIGH_MA:
        return value, Quality.GOOD
    return value, Quality.UNCERTAIN


def engineering_to_current_ma(value: float, range_min: float, range_max: float) -> float:
    """Loop current a transmitter would drive for ``value``; the inverse of the scaling.

    Examples
    --------
    >>> engineering_to_current_ma(25.0, 0.0, 100.0)
    8.0
    """
    return LOOP_MIN_MA + (value - range_min) / (range_max - range_min) * (LOOP_MAX_MA - LOOP_MIN_MA)
