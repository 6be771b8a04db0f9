from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from twin.deps import PlantRead, PlantWrite, SessionDep
from twin.errors import ValidationFailed
from twin.people import service
from twin.people.schemas import (
    PersonKind,
    PersonPosition,
    TagOut,
    TagTrack,
    Technology,
    ZoneHeadcount,
)
from twin.sites.service import get_site

router = APIRouter(tags=["people"])


class TagIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    technology: Technology = "uwb"
    person_name: str = Field(min_length=1, max_length=64)
    person_kind: PersonKind
    company: str | None = Field(default=None, max_length=128)


def _tag(tag: Any) -> TagOut:
    return TagOut(
        code=tag.code,
        technology=tag.technology,
        person_name=tag.person_name,
        person_kind=tag.person_kind,
        company=tag.company,
    )


@router.get("/sites/{site}/tags")
def list_tags(site: str, session: SessionDep, _: PlantRead) -> list[TagOut]:
    return [_tag(t) for t in service.list_tags(session, get_site(session, site))]


@router.post("/sites/{site}/tags", status_code=201)
def create_tag(site: str, body: TagIn, session: SessionDep, user: PlantWrite) -> TagOut:
    """Issue a positioning tag to a person (employee, contractor or visitor)."""
    return _tag(
        service.create_tag(session, get_site(session, site), user.username, body.model_dump())
    )


@router.get("/sites/{site}/headcount")
def headcount(site: str, session: SessionDep, _: PlantRead) -> list[ZoneHeadcount]:
    """People per zone now (positions from the last minute), with who they are."""
    return [
        ZoneHeadcount.model_validate(z)
        for z in service.headcount(session, get_site(session, site), datetime.now(UTC))
    ]


@router.get("/sites/{site}/positions")
def positions(site: str, session: SessionDep, _: PlantRead) -> list[PersonPosition]:
    """Where every tag heard in the last minute is (CGCS2000 lon/lat)."""
    return [
        PersonPosition.model_validate(p)
        for p in service.latest_positions(session, get_site(session, site), datetime.now(UTC))
    ]


@router.get("/sites/{site}/tags/{tag}/trajectory")
def trajectory(
    site: str,
    tag: str,
    session: SessionDep,
    _: PlantRead,
    start: datetime,
    end: datetime | None = None,
) -> TagTrack:
    """A tag's track over a period as a GeoJSON LineString with a time per vertex."""
    if start.tzinfo is None or (end is not None and end.tzinfo is None):
        raise ValidationFailed("start and end need a time zone")
    return TagTrack.model_validate(
        service.trajectory(session, get_site(session, site), tag, start, end or datetime.now(UTC))
    )
