"""The live plane's data feeds as this process sees them."""

from __future__ import annotations

from fastapi import APIRouter, Request

from twin.deps import PlantRead, SessionDep
from twin.feeds.schemas import FeedOut
from twin.sites.service import get_site

router = APIRouter(tags=["live"])


@router.get("/sites/{site}/feeds")
def feeds(site: str, request: Request, session: SessionDep, _: PlantRead) -> list[FeedOut]:
    """Each feed of the site (and the ones serving every site) with its state: live, late
    or down, since when, and why. Empty when the live plane does not run in this process."""
    get_site(session, site)  # the 404
    board = getattr(request.app.state, "feeds", None)
    if board is None:
        return []
    return [FeedOut.model_validate(f.as_dict()) for f in board.feeds(site)]
