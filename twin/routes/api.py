"""Safe routes: point to point, rescue, alternatives, and evacuation for everyone at once.

Both endpoints are queries (``plant:read``). "No safe route" is an answer, not an error:
200 with ``no_safe_route: true``, a ``reason`` code and a message. A place too far from
the network, an unknown feature or edge, or a malformed zone is a 422.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import TypeAdapter

from twin.deps import PlantRead, SessionDep
from twin.routes import service
from twin.routes.schemas import (
    EvacuationAnswer,
    EvacuationIn,
    RouteAnswer,
    RouteIn,
    RouteRefused,
    RoutesFound,
)
from twin.routes.service import RouteCache
from twin.sites.service import get_site

router = APIRouter(tags=["routes"])


def get_route_cache(request: Request) -> RouteCache:
    """The app's route networks, made on first use (a race builds one twice, harmlessly)."""
    cache = getattr(request.app.state, "route_cache", None)
    if cache is None:
        cache = request.app.state.route_cache = RouteCache()
    return cache


RouteCacheDep = Annotated[RouteCache, Depends(get_route_cache)]
_ROUTE_ANSWER: TypeAdapter[RoutesFound | RouteRefused] = TypeAdapter(RouteAnswer)


@router.post("/sites/{site}/routes", response_model=RouteAnswer)
def find_route(
    site: str, body: RouteIn, session: SessionDep, _: PlantRead, cache: RouteCacheDep
) -> RoutesFound | RouteRefused:
    """The quickest route that touches no threat zone in ``avoid`` and no closed edge.

    ``from`` / ``to``: ``{"lon", "lat"}``, ``{"x_m", "y_m"}`` (site metric CRS),
    ``{"feature": {"layer", "code"}}`` or ``{"nearest": "assembly_point" | "fire_station"}``,
    each with an optional ``floor``. ``profile``: ``walk`` or ``fire_engine`` (roads at
    least 4 m wide). ``alternatives``: up to 5 distinct routes, quickest first.

    Answers a GeoJSON FeatureCollection (lon/lat) of LineStrings with ``length_m``,
    ``eta_s``, the edges and nodes passed; or ``no_safe_route: true`` with a ``reason``.
    A start inside a zone may leave it (and only it) by the quickest way.
    """
    return _ROUTE_ANSWER.validate_python(
        service.route(session, cache, get_site(session, site), body)
    )


@router.post("/sites/{site}/routes/evacuation")
def evacuation_routes(
    site: str, body: EvacuationIn, session: SessionDep, _: PlantRead, cache: RouteCacheDep
) -> EvacuationAnswer:
    """The nearest safe assembly point and the walking route there, for every person
    positioned in the last minute (or for the ``people`` given), in one search.

    One Feature per person: ``assembly_point``, ``length_m``, ``eta_s`` and the route, or
    ``no_safe_route: true`` with a ``reason`` (``no_path`` when zones enclose them,
    ``off_network`` when the position is too far from any walkway). ``summary`` counts them.
    """
    return EvacuationAnswer.model_validate(
        service.evacuation(session, cache, get_site(session, site), body, datetime.now(UTC))
    )
