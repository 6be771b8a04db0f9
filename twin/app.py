"""The application factory. Nothing is wired at import time: the engine is built here
(or handed in by tests) and reached through ``app.state``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from twin import __version__
from twin.alarms.api import router as alarms_router
from twin.audit.api import router as audit_router
from twin.auth.api import router as auth_router
from twin.config import Settings
from twin.db import SessionLimits, guard_event_loop, make_engine, make_sessionmaker
from twin.drills.api import router as drills_router
from twin.errors import TwinError
from twin.events.bus import Bus
from twin.feeds.api import router as feeds_router
from twin.hazards.api import router as hazards_router
from twin.health import DatabaseProbe, health
from twin.incidents.api import router as incidents_router
from twin.live.api import router as live_router
from twin.live.plane import LivePlane
from twin.ogc.api import router as ogc_router
from twin.onemap.api import router as onemap_router
from twin.people.api import router as people_router
from twin.plant.api import router as plant_router
from twin.readings.api import router as readings_router
from twin.replay.api import router as replay_router
from twin.routes.api import router as routes_router
from twin.scene.api import router as scene_router
from twin.schemas import HealthOut
from twin.sites.api import router as sites_router
from twin.spatial.api import router as spatial_router
from twin.tiles.api import router as tiles_router
from twin.transfer.api import router as transfer_router
from viewer.pages import mount_assets
from viewer.pages import router as pages_router

log = logging.getLogger("twin")
API_PREFIX = "/api/v1"
# Every router with the prefix it is mounted under (the permission tests walk this).
ROUTERS = [
    (API_PREFIX, r)
    for r in (
        auth_router,
        sites_router,
        plant_router,
        spatial_router,
        transfer_router,
        onemap_router,
        audit_router,
        readings_router,
        alarms_router,
        live_router,
        feeds_router,
        hazards_router,
        incidents_router,
        tiles_router,
        people_router,
        scene_router,
        routes_router,
        replay_router,
        drills_router,
    )
] + [("", ogc_router), ("", pages_router)]


def _error(
    status: int, code: str, message: str, detail: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"error": code, "message": message}
    if detail is not None:
        body["detail"] = detail
    return JSONResponse(body, status_code=status, headers=headers)


# The session limits (twin.db.SessionLimits) by SQLSTATE: the transaction was rolled back.
DB_LIMITS = {
    "55P03": ("lock_timeout", "the data is locked by another change; nothing was changed, retry"),
    "57014": (
        "statement_timeout",
        "the request took too long and was cancelled; nothing was changed",
    ),
    "25P03": (
        "idle_timeout",
        "the transaction sat idle too long and was ended; nothing was changed",
    ),
}
DB_UNREACHABLE = ("unavailable", "the database is not reachable; retry shortly")


def _reason(exc: DBAPIError) -> str | None:
    """The database's own first line (constraint or value), without the SQL and parameters."""
    return str(exc.orig).splitlines()[0] if exc.orig else None


def install_error_handlers(app: FastAPI) -> None:
    """One handler per error family; routes never catch-and-convert themselves."""

    @app.exception_handler(TwinError)
    async def twin_error(_: Request, exc: TwinError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        if exc.status_code == 429 and isinstance(exc.detail, dict):
            headers = {"Retry-After": str(exc.detail.get("retry_after_s", 60))}
        return _error(exc.status_code, exc.code, exc.message, exc.detail, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        reasons = [
            {"where": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()
        ]
        return _error(422, "validation_failed", "the request is not valid", reasons)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(
            exc.status_code, "http_error", str(exc.detail), headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(IntegrityError)
    async def integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error: %s", exc.orig)
        return _error(409, "conflict", "the change conflicts with existing data", _reason(exc))

    @app.exception_handler(DataError)
    async def bad_data(_: Request, exc: DataError) -> JSONResponse:
        return _error(422, "validation_failed", "the database rejected a value", _reason(exc))

    @app.exception_handler(OperationalError)
    async def db_down(_: Request, exc: OperationalError) -> JSONResponse:
        sqlstate = getattr(exc.orig, "sqlstate", None)
        code, message = DB_LIMITS.get(sqlstate or "", DB_UNREACHABLE)
        log.error("database refused the request (%s): %s", sqlstate or "no state", exc.orig)
        return _error(503, code, message, headers={"Retry-After": "2"})

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(_: Request, exc: PoolTimeout) -> JSONResponse:
        log.error("no free database connection: %s", exc)
        return _error(
            503,
            "busy",
            "every database connection is in use; nothing was changed, retry shortly",
            headers={"Retry-After": "2"},
        )


def create_app(settings: Settings, engine: Engine | None = None, *, live: bool = False) -> FastAPI:
    """Build the app. Without ``engine`` one is made from ``settings.database_url``.

    ``live`` starts the live data plane (broker, MQTT ingest, alarm engine) with the app.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = engine is None
        eng = engine or make_engine(settings.database_url or "", SessionLimits.of(settings))
        guard_event_loop(eng, asyncio.get_running_loop())
        app.state.engine = eng
        bus = Bus()
        bus.bind(asyncio.get_running_loop())
        app.state.bus = bus
        app.state.sessionmaker = make_sessionmaker(eng, bus=bus)
        probe = DatabaseProbe(eng)
        app.state.db_probe = probe
        probing = asyncio.create_task(probe.run(), name="database-probe")
        plane = LivePlane(settings, app.state.sessionmaker, bus) if live else None
        app.state.live = plane
        app.state.feeds = plane.feeds if plane is not None else None
        if plane is not None:
            await plane.start()
        try:
            yield
        finally:
            probing.cancel()
            if plane is not None:
                await plane.stop()
            if own:
                eng.dispose()

    app = FastAPI(
        title="plant-twin",
        version=__version__,
        lifespan=lifespan,
        description="Digital twin and GIS situational awareness for hazardous-chemical plants",
    )
    app.state.settings = settings
    install_error_handlers(app)
    for prefix, router in ROUTERS:
        app.include_router(router, prefix=prefix)
    mount_assets(app)

    @app.get("/healthz", tags=["health"], response_model=HealthOut)
    async def healthz(request: Request) -> JSONResponse:
        """Liveness, database reachability and the feeds that are late or down; no token
        needed. Answers from memory (see twin.health), never waits for the database."""
        state = request.app.state
        status, body = health(state.db_probe, state.feeds, __version__)
        return JSONResponse(body, status)

    return app
