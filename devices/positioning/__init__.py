"""Range-based positioning of worn UWB / BLE tags: robust fixes and per-tag tracking.

``solve_fix`` turns one epoch of ranges into a 2D fix, rejecting NLOS ranges;
``TagTracker`` runs a Kalman track per tag over those fixes and emits
:class:`devices.values.Position`; ``simulate`` makes seeded walks with ground truth.
Nothing here does I/O: adapters feed ranges in and put the positions on their queue.
"""

from devices.positioning.geometry import (
    DegenerateGeometryError,
    InsufficientRangesError,
    PositioningError,
    Ranges,
    StationMap,
    linear_fix,
)
from devices.positioning.simulate import (
    BLE_RANGING,
    UNIT_SIZE_M,
    UNIT_SPACING_M,
    UNIT_WALK_AREA_M,
    UWB_LOS,
    UWB_NLOS,
    NoiseModel,
    RangeEpoch,
    grid_stations,
    simulate_walks,
    visible_counts,
)
from devices.positioning.solver import BLE, UWB, Fix, RangingModel, solve_fix
from devices.positioning.tracking import ConstantVelocityFilter, TagTracker

__all__ = [
    "BLE",
    "BLE_RANGING",
    "UNIT_SIZE_M",
    "UNIT_SPACING_M",
    "UNIT_WALK_AREA_M",
    "UWB",
    "UWB_LOS",
    "UWB_NLOS",
    "ConstantVelocityFilter",
    "DegenerateGeometryError",
    "Fix",
    "InsufficientRangesError",
    "NoiseModel",
    "PositioningError",
    "RangeEpoch",
    "Ranges",
    "RangingModel",
    "StationMap",
    "TagTracker",
    "grid_stations",
    "linear_fix",
    "simulate_walks",
    "solve_fix",
    "visible_counts",
]
