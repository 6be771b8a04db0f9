"""The per-site live stream: a snapshot on connect, then readings, alarms and headcount."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response, WebSocket, WebSocketDisconnect

from twin.alarms import service as alarms
from twin.auth.permissions import allowed
from twin.auth.websocket import TRY_AGAIN, admitted
from twin.db import session_scope
from twin.deps import MetricsRead, PlantRead
from twin.drills import service as drill_service
from twin.events.drills import from_a_drill, without_drills
from twin.incidents import service as incidents
from twin.live.metrics import CONTENT_TYPE, render
from twin.live.schemas import DeviceOut
from twin.people import service as people
from twin.readings import service as readings
from twin.sites.service import get_site

router = APIRouter(tags=["live"])


@router.get("/metrics", response_class=Response)
def metrics(request: Request, _: MetricsRead) -> Response:
    """Prometheus text format (scrape with a bearer token of an admin)."""
    return Response(render(request.app.state), media_type=CONTENT_TYPE)


def _snapshot(factory: Any, site_code: str) -> dict[str, Any]:
    with session_scope(factory) as session:
        site = get_site(session, site_code)
        drills = drill_service.running_live(session, site)
        running = [d["drill_id"] for d in drills]
        active = alarms.list_alarms(session, site, state="active", drills=running)
        now = datetime.now(UTC)
        return {
            "type": "snapshot",
            "site": site_code,
            "sensors": readings.sensors_with_latest(session, site),
            "alarms": [alarms.as_dict(a, code) for a, code in active],
            "headcount": people.headcount(session, site, now),
            "positions": people.latest_positions(session, site, now),
            # The map fetches each open incident in full (zones, people, plan) on its own.
            "incidents": [
                incidents.as_dict(session, i)
                for i in incidents.list_incidents(session, site, "open")
            ],
            # A live drill running now: every map shows its banner (and its alarms).
            "drills": drills,
        }


@router.websocket("/sites/{site}/stream")
async def stream(websocket: WebSocket, site: str) -> None:
    """Live events: a snapshot, then readings, alarms, positions, headcount, incidents.
    Whoever may not see drills (the regulator) gets the real plant only."""
    principal = await admitted(websocket, site)
    if principal is None:
        return
    real_only = not allowed(principal.role, "drills:read")
    app = websocket.app
    factory = app.state.sessionmaker
    bus = app.state.bus
    # Subscribe before the snapshot so nothing that happens in between is missed.
    sub = bus.subscribe(site)
    # The stream is one-way, but only reading tells that the client left: without this a
    # quiet site would keep a closed page's subscription (and a shutting-down server) alive.
    gone = asyncio.create_task(_until_disconnect(websocket))
    try:
        snapshot = await asyncio.to_thread(_snapshot, factory, site)
        board = getattr(app.state, "feeds", None)
        snapshot["feeds"] = [f.as_dict() for f in board.feeds(site)] if board else []
        await websocket.send_json(without_drills(snapshot) if real_only else snapshot)
        while not gone.done():
            try:
                async with asyncio.timeout(1.0):  # not wait_for: it may drop an event
                    event = await sub.queue.get()
            except TimeoutError:
                if sub.lagging:
                    await websocket.close(code=TRY_AGAIN, reason="too slow; reconnect")
                    return
                continue
            if not (real_only and from_a_drill(event)):
                await websocket.send_json(event)
    except WebSocketDisconnect:
        pass
    finally:
        gone.cancel()
        bus.unsubscribe(sub)
        with contextlib.suppress(Exception):
            await websocket.close()


async def _until_disconnect(websocket: WebSocket) -> None:
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass  # whatever a client sends is ignored


@router.get("/sites/{site}/devices", response_model=list[DeviceOut])
def devices(site: str, request: Request, _: PlantRead) -> list[dict[str, Any]]:
    """Field devices as this process sees them: MQTT status (retained, last will) and
    Modbus polling state. Empty when the live plane is not running here."""
    plane = getattr(request.app.state, "live", None)
    if plane is None:
        return []
    out: list[dict[str, Any]] = []
    if plane.ingest is not None:
        out += [
            {
                "device": s.device,
                "protocol": "mqtt",
                "state": s.state,
                "since": s.ts_utc.isoformat(),
            }
            for (site_code, _dev), s in sorted(plane.ingest.devices.items())
            if site_code == site
        ]
    if (
        plane.modbus is not None
        and plane.modbus.poller is not None
        and plane.modbus.devices.site == site
    ):
        for source, status in sorted(plane.modbus.poller.status.items()):
            out.append(
                {
                    "device": source,
                    "protocol": "modbus",
                    "state": status.state.value,
                    "last_error": status.last_error,
                    "consecutive_failures": status.consecutive_failures,
                    "last_ok_at": status.last_ok_at.isoformat() if status.last_ok_at else None,
                }
            )
    return out
