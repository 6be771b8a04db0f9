"""Errors a routing query raises for bad input (an answer of "no safe route" is a result,
:class:`gis.routing.results.NoSafeRoute`, never an error)."""

from __future__ import annotations

from typing import Any

__all__ = ["RoutingError", "SnapError"]


class RoutingError(ValueError):
    """The query names something the network does not have (an edge, a node)."""


class SnapError(RoutingError):
    """A place is too far from any edge its profile may use to join the network.

    ``place`` is the place that could not join.
    """

    def __init__(self, message: str, place: Any = None) -> None:
        super().__init__(message)
        self.place = place
