from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from twin.deps import IncidentsCommand, PlantRead, SessionDep
from twin.incidents import report, service
from twin.incidents.schemas import IncidentOut
from twin.sites.service import get_site

router = APIRouter(tags=["incidents"])


class IncidentIn(BaseModel):
    """Declare an incident at a hazard source, from an alarm, or at a point (lon/lat)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["toxic_release", "fire", "explosion"]
    title: str | None = Field(default=None, max_length=200)
    hazard_source: str | None = Field(default=None, max_length=64)
    alarm_id: int | None = None
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    chemical: str | None = Field(default=None, max_length=64)
    release_kg_s: float | None = Field(default=None, gt=0, le=10_000)


class CommandIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=2000)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    summary: str = Field(min_length=2, max_length=4000)


@router.get("/sites/{site}/incidents", response_model=list[IncidentOut])
def list_incidents(
    site: str,
    session: SessionDep,
    _: PlantRead,
    state: Annotated[str | None, Query(description="open or closed")] = None,
) -> list[dict[str, Any]]:
    return [
        service.as_dict(session, i)
        for i in service.list_incidents(session, get_site(session, site), state)
    ]


@router.post("/sites/{site}/incidents", status_code=201, response_model=IncidentOut)
def open_incident(
    site: str,
    body: IncidentIn,
    session: SessionDep,
    user: IncidentsCommand,
) -> dict[str, Any]:
    """Open an incident; the live loop then keeps its zones, people and routes current."""
    lonlat = (body.lon, body.lat) if body.lon is not None and body.lat is not None else None
    declared = service.Declared(
        body.kind,
        body.title,
        body.hazard_source,
        body.alarm_id,
        lonlat,
        body.chemical,
        body.release_kg_s,
    )
    s = get_site(session, site)
    incident = service.open_incident(session, s, user.username, declared)
    return service.as_dict(session, incident)


@router.get("/sites/{site}/incidents/{incident_id}", response_model=IncidentOut)
def get_incident(site: str, incident_id: int, session: SessionDep, _: PlantRead) -> dict[str, Any]:
    """Everything about one incident: zones, people inside, resources, plan, timeline."""
    incident = service.get_incident(session, get_site(session, site), incident_id)
    return service.as_dict(session, incident, full=True)


@router.post(
    "/sites/{site}/incidents/{incident_id}/commands", status_code=201, response_model=IncidentOut
)
def command(
    site: str,
    incident_id: int,
    body: CommandIn,
    session: SessionDep,
    user: IncidentsCommand,
) -> dict[str, Any]:
    s = get_site(session, site)
    incident = service.command(session, s, incident_id, user.username, body.text)
    return service.as_dict(session, incident)


@router.post("/sites/{site}/incidents/{incident_id}/close", response_model=IncidentOut)
def close(
    site: str,
    incident_id: int,
    body: CloseIn,
    session: SessionDep,
    user: IncidentsCommand,
) -> dict[str, Any]:
    s = get_site(session, site)
    incident = service.close_incident(session, s, incident_id, user.username, body.summary)
    return service.as_dict(session, incident)


@router.get("/sites/{site}/incidents/{incident_id}/report.html", response_class=HTMLResponse)
def report_html(site: str, incident_id: int, session: SessionDep, _: PlantRead) -> HTMLResponse:
    """The incident report with its map (Chinese and English), for the file or a printer."""
    s = get_site(session, site)
    incident = service.get_incident(session, s, incident_id)
    return HTMLResponse(report.report_html(session, s, incident))


@router.get("/sites/{site}/incidents/{incident_id}/report.pdf", response_class=Response)
def report_pdf(site: str, incident_id: int, session: SessionDep, _: PlantRead) -> Response:
    """The same report as A4 PDF."""
    s = get_site(session, site)
    html = report.report_html(session, s, service.get_incident(session, s, incident_id))
    return Response(
        report.report_pdf(html),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{site}-incident-{incident_id}.pdf"'
        },
    )
