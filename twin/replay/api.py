"""Replay over the live protocol, and the key events of a period.

``WS /sites/{site}/replay?access_token=&start=&end=&speed=&drill=`` streams the period
as the live stream does (a snapshot, then events) plus ``replay`` clock messages, and
takes ``{"cmd": "play" | "pause" | "seek" | "speed", …}`` from the client. ``drill``
names a simulated drill run (``sim-<id>``) to replay instead of the real plant.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect

from twin.auth.permissions import allowed
from twin.auth.websocket import POLICY, admitted
from twin.deps import PlantRead, SessionDep
from twin.errors import Forbidden, ValidationFailed
from twin.events.drills import from_a_drill, without_drills
from twin.replay import timeline
from twin.replay.frames import Scope
from twin.replay.player import Player, Replay, Send, checked_speed
from twin.replay.schemas import KeyEvent
from twin.sites.service import get_site

router = APIRouter(tags=["replay"])
log = logging.getLogger("twin.replay")

SIMULATION_PREFIX = "sim-"


def _scope(drill: str | None) -> Scope:
    if drill is None or drill == "":
        return Scope()
    if not drill.startswith(SIMULATION_PREFIX):
        raise ValidationFailed(
            "drill names a simulated run (sim-<id>); a live drill is replayed with the plant"
        )
    return Scope(drill)


def _period(start: str | None, end: str | None, scope: Scope) -> tuple[datetime, datetime]:
    try:
        a = datetime.fromisoformat(start or "")
        b = datetime.fromisoformat(end or "")
    except ValueError as exc:
        raise ValidationFailed("start and end must be ISO 8601 times with a zone") from exc
    timeline.check_period(a, b)
    if scope.simulation is None and b > datetime.now(UTC) + timedelta(seconds=5):
        raise ValidationFailed("end lies in the future; the live stream shows now")
    return a, b


@router.get("/sites/{site}/replay/timeline", response_model=list[KeyEvent])
def key_events(
    site: str,
    session: SessionDep,
    user: PlantRead,
    start: datetime,
    end: datetime,
    drill: Annotated[str | None, Query(max_length=64)] = None,
) -> list[dict[str, Any]]:
    """Alarms raised and acknowledged, incident steps and drill events in [start, end)
    (without the drill events for whoever may not see drills)."""
    sees_drills = allowed(user.role, "drills:read")
    if drill and not sees_drills:
        raise Forbidden(f"role {user.role!r} may not drills:read")
    marks = timeline.key_events(session, get_site(session, site), start, end, _scope(drill))
    return marks if sees_drills else [m for m in marks if not m["drill_id"]]


@router.websocket("/sites/{site}/replay")
async def replay(websocket: WebSocket, site: str) -> None:
    principal = await admitted(websocket, site)
    if principal is None:
        return
    q = websocket.query_params
    try:
        scope = _scope(q.get("drill"))
        start, end = _period(q.get("start"), q.get("end"), scope)
        speed = checked_speed(q.get("speed", "1"))
    except ValidationFailed as exc:
        await websocket.close(code=POLICY, reason=exc.message[:120])
        return
    send: Send = websocket.send_json
    if not allowed(principal.role, "drills:read"):
        if scope.simulation is not None:
            await websocket.close(code=POLICY, reason="not allowed to see drills")
            return
        send = _real_only(websocket)
    player = Player(websocket.app.state.sessionmaker, Replay(site, start, end, scope, speed), send)
    tasks = {
        asyncio.create_task(player.run(), name="replay-player"),
        asyncio.create_task(_commands(websocket, player), name="replay-commands"),
    }
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.error("replay of %s failed", site, exc_info=task.exception())
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await websocket.close()


def _real_only(websocket: WebSocket) -> Send:
    """What the regulator's replay sends: the real plant, never a drill."""

    async def send(event: dict[str, Any]) -> None:
        if event.get("type") == "snapshot":
            await websocket.send_json(without_drills(event))
        elif not from_a_drill(event):
            await websocket.send_json(event)

    return send


async def _commands(websocket: WebSocket, player: Player) -> None:
    """The client's commands to the player; one that is not a JSON object gets an error
    message and is otherwise ignored. Returns when the client leaves."""
    try:
        while True:
            raw = await websocket.receive_text()
            try:
                message = json.loads(raw)
            except ValueError:
                message = None
            if isinstance(message, dict):
                player.commands.put_nowait(message)
            else:
                await websocket.send_json(
                    {"type": "error", "message": 'send a JSON object such as {"cmd": "pause"}'}
                )
    except WebSocketDisconnect:
        return
