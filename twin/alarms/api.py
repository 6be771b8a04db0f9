from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from twin.alarms import service
from twin.alarms.schemas import AlarmOut
from twin.deps import AlarmsAck, AlarmsManage, PlantRead, SessionDep
from twin.sites.service import get_site

router = APIRouter(tags=["alarms"])


class AckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str | None = Field(default=None, max_length=500)


class ShelveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minutes: int
    reason: str = Field(min_length=2, max_length=500)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cause: str = Field(min_length=2, max_length=2000)
    measures: str = Field(min_length=2, max_length=2000)


@router.get("/sites/{site}/alarms", response_model=list[AlarmOut])
def list_alarms(
    site: str,
    session: SessionDep,
    _: PlantRead,
    state: Annotated[
        str | None, Query(description="active, shelved, raised, acknowledged, cleared, closed")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[dict[str, Any]]:
    """Alarms newest first (real ones only; drills keep theirs apart)."""
    return [
        service.as_dict(alarm, code)
        for alarm, code in service.list_alarms(
            session, get_site(session, site), state=state, limit=limit
        )
    ]


@router.post("/sites/{site}/alarms/{alarm_id}/acknowledge", response_model=AlarmOut)
def acknowledge(
    site: str,
    alarm_id: int,
    body: AckIn,
    session: SessionDep,
    user: AlarmsAck,
) -> dict[str, Any]:
    the_site = get_site(session, site)
    alarm = service.acknowledge(session, the_site, alarm_id, user.username, body.comment)
    return service.as_dict(alarm, service.sensor_code(session, alarm))


@router.post("/sites/{site}/alarms/{alarm_id}/shelve", response_model=AlarmOut)
def shelve(
    site: str,
    alarm_id: int,
    body: ShelveIn,
    session: SessionDep,
    user: AlarmsManage,
) -> dict[str, Any]:
    the_site = get_site(session, site)
    alarm = service.shelve(session, the_site, alarm_id, user.username, body.minutes, body.reason)
    return service.as_dict(alarm, service.sensor_code(session, alarm))


@router.post("/sites/{site}/alarms/{alarm_id}/close", response_model=AlarmOut)
def close(
    site: str,
    alarm_id: int,
    body: CloseIn,
    session: SessionDep,
    user: AlarmsManage,
) -> dict[str, Any]:
    the_site = get_site(session, site)
    alarm = service.close(session, the_site, alarm_id, user.username, body.cause, body.measures)
    return service.as_dict(alarm, service.sensor_code(session, alarm))
