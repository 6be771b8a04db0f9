"""Request dependencies: settings, the unit-of-work session, the caller and its rights."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session, sessionmaker

from twin.auth import service as auth_service
from twin.auth.permissions import PERMISSIONS, allowed
from twin.auth.service import Principal
from twin.config import Settings
from twin.db import session_scope
from twin.errors import Forbidden, Unauthorized

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_sessionmaker(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    return factory


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: committed once when the route succeeds, else rolled back."""
    with session_scope(get_sessionmaker(request)) as session:
        yield session


# scope="function": commit before the response is sent, so a failing commit (a deferred
# constraint, a lost connection) reaches the client as an error instead of a false 200.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def current_principal(
    session: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2)]
) -> Principal:
    if not token:
        raise Unauthorized("log in first: send 'Authorization: Bearer <token>'")
    return auth_service.principal_from_token(session, settings, token)


@dataclass(frozen=True)
class Require:
    """Dependency that admits callers whose role holds ``permission``.

    Routes declare it once; the permission-matrix test finds it on every route.
    """

    permission: str

    def __post_init__(self) -> None:
        if self.permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {self.permission}")

    def __call__(self, principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not allowed(principal.role, self.permission):
            raise Forbidden(f"role {principal.role!r} may not {self.permission}")
        return principal


# One alias per permission, so a route's signature says what it needs:
# ``user: PlantWrite``. The permission-matrix test finds the Require on every route.
PlantRead = Annotated[Principal, Depends(Require("plant:read"))]
PlantWrite = Annotated[Principal, Depends(Require("plant:write"))]
PlantImport = Annotated[Principal, Depends(Require("plant:import"))]
PlantExport = Annotated[Principal, Depends(Require("plant:export"))]
SitesWrite = Annotated[Principal, Depends(Require("sites:write"))]
UsersRead = Annotated[Principal, Depends(Require("users:read"))]
UsersWrite = Annotated[Principal, Depends(Require("users:write"))]
AuditRead = Annotated[Principal, Depends(Require("audit:read"))]
SelfRead = Annotated[Principal, Depends(Require("self:read"))]
AlarmsAck = Annotated[Principal, Depends(Require("alarms:ack"))]
AlarmsManage = Annotated[Principal, Depends(Require("alarms:manage"))]
MetricsRead = Annotated[Principal, Depends(Require("metrics:read"))]
IncidentsCommand = Annotated[Principal, Depends(Require("incidents:command"))]
DrillsRead = Annotated[Principal, Depends(Require("drills:read"))]
DrillsPlan = Annotated[Principal, Depends(Require("drills:plan"))]
DrillsRun = Annotated[Principal, Depends(Require("drills:run"))]
