"""The lattice synthetic plants are laid out on: 200 m blocks of 25 m cells.

Roads run along the block edges and walkways along the inner lattice lines. Whatever stands
in a block sits inside a cell, away from the lattice lines, so no path crosses it. Cells
are numbered ``(column, row)`` from a block's south-west corner.
"""

from __future__ import annotations

__all__ = [
    "ANCHOR_CELLS",
    "BLOCK_CELLS",
    "BLOCK_M",
    "CAMERA_CELLS",
    "CELL_M",
    "DETECTOR_OFFSETS_M",
    "EQUIPMENT_OFFSET_M",
    "INSTALLATION_CELLS",
    "MARGIN_M",
    "RISK_MARGIN_M",
    "ROAD_WIDTH_M",
    "SCBA_CELL",
    "WALKWAY_WIDTH_M",
    "WIND_CELL",
    "ZONE_INSET_M",
]

CELL_M = 25.0
BLOCK_CELLS = 8
BLOCK_M = CELL_M * BLOCK_CELLS
# Fence to the outermost road: room for gates, assembly points and hydrants.
MARGIN_M = 30.0
ROAD_WIDTH_M, WALKWAY_WIDTH_M = 8.0, 1.8

# A block's zone keeps clear of the roads around it; its risk zone reaches a little past.
ZONE_INSET_M, RISK_MARGIN_M = 6.0, 3.0
# Cells that hold an installation: odd columns and rows, never on a lattice line.
INSTALLATION_CELLS = [(c, r) for r in (1, 3, 5) for c in (1, 3, 5)]
# Detector offsets from an installation's cell centre, inside the cell.
DETECTOR_OFFSETS_M = ((9.5, 9.5), (-9.5, 9.5), (-9.5, -9.5), (9.5, -9.5))
# An installation's equipment stands east of it, still inside the cell.
EQUIPMENT_OFFSET_M = 10.5
# UWB anchors in the four corner cells; cameras on the west and east edges facing in.
ANCHOR_CELLS = ((0, 0), (7, 0), (0, 7), (7, 7))
CAMERA_CELLS = ((0, 3, 90.0), (7, 4, 270.0))  # column, row, heading (degrees from north)
WIND_CELL, SCBA_CELL = (0, 4), (0, 2)
