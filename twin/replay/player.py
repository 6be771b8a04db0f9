"""Plays a replay to one client at ×1 to ×60: play, pause, seek and speed on command.

The client's commands (JSON over the same WebSocket) are read beside the playing; each
frame is sent when its plant time comes due at the current speed, followed by a clock
message ``{"type": "replay", "state", "t", ...}`` that the map shows. A seek sends a
fresh snapshot at the new instant, as a reconnect does on the live stream.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from twin.db import session_scope
from twin.errors import ValidationFailed
from twin.replay.frames import CHUNK, Frame, Scope, chunk_frames, snapshot_at
from twin.sites.service import get_site

__all__ = ["MAX_SPEED", "MIN_SPEED", "Player", "Replay", "Send", "checked_speed"]

MIN_SPEED, MAX_SPEED = 1.0, 60.0

Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Replay:
    site: str
    start: datetime
    end: datetime
    scope: Scope
    speed: float = 1.0


def checked_speed(value: Any) -> float:
    try:
        speed = float(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("speed must be a number") from exc
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValidationFailed(f"speed must be between ×{MIN_SPEED:g} and ×{MAX_SPEED:g}")
    return speed


class Player:
    def __init__(self, factory: sessionmaker[Session], replay: Replay, send: Send) -> None:
        self.factory, self.replay, self.send = factory, replay, send
        self.speed = replay.speed
        self.playing = True
        self.origin = replay.start  # frames are cut from here (the start, or a seek)
        self.t = replay.start  # plant time shown
        self.pending: deque[Frame] = deque()
        self.fetched_to = replay.start
        self.commands: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        # Wall clock and plant time when playing last (re)started at this speed.
        self._anchor = (time.monotonic(), replay.start)

    async def run(self) -> None:
        await self._restart(self.replay.start)
        while True:
            if self.playing and self.t < self.replay.end:
                if not self.pending:
                    await self._fetch()
                frame = self.pending[0]
                due = self._anchor[0] + (frame.end - self._anchor[1]).total_seconds() / self.speed
                command = await self._command(max(0.0, due - time.monotonic()))
                if command is not None:
                    await self._obey(command)
                    continue
                self.pending.popleft()
                for event in frame.events:
                    await self.send(event)
                self.t = frame.end
                await self._clock()
            else:
                await self._obey(await self.commands.get())

    async def _command(self, timeout_s: float) -> dict[str, Any] | None:
        try:
            async with asyncio.timeout(timeout_s):
                return await self.commands.get()
        except TimeoutError:
            return None

    async def _obey(self, command: dict[str, Any]) -> None:
        """Commands: ``play``, ``pause``, ``seek`` (``t``: ISO time), ``speed`` (``value``).
        A bad one is answered with an error message and changes nothing."""
        try:
            match command.get("cmd"):
                case "play":
                    self.playing = True
                    self._anchor = (time.monotonic(), self.t)
                case "pause":
                    self.playing = False
                case "speed":
                    self.speed = checked_speed(command.get("value"))
                    self._anchor = (time.monotonic(), self.t)
                case "seek":
                    await self._restart(self._instant(command.get("t")))
                    return
                case other:
                    raise ValidationFailed(f"unknown command {other!r}")
        except ValidationFailed as exc:
            await self.send({"type": "error", "message": exc.message})
            return
        await self._clock()

    def _instant(self, value: Any) -> datetime:
        try:
            t = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise ValidationFailed("seek needs t, an ISO 8601 time with a zone") from exc
        if t.tzinfo is None or not self.replay.start <= t <= self.replay.end:
            raise ValidationFailed("seek t must lie in the replayed period (with a zone)")
        return t

    async def _restart(self, t: datetime) -> None:
        """Show the plant at ``t`` and cut frames from there."""
        self.origin = self.t = self.fetched_to = t
        self.pending.clear()
        snapshot = await asyncio.to_thread(self._snapshot, t)
        await self.send(snapshot)
        self._anchor = (time.monotonic(), t)
        await self._clock()

    def _snapshot(self, t: datetime) -> dict[str, Any]:
        with session_scope(self.factory) as session:
            site = get_site(session, self.replay.site)
            return snapshot_at(session, site, t, self.replay.scope) | {"replay": True}

    async def _fetch(self) -> None:
        a = self.fetched_to
        b = min(a + CHUNK, self.replay.end)
        self.pending.extend(await asyncio.to_thread(self._frames, a, b))
        self.fetched_to = b

    def _frames(self, a: datetime, b: datetime) -> list[Frame]:
        with session_scope(self.factory) as session:
            site = get_site(session, self.replay.site)
            return chunk_frames(session, site, self.origin, a, b, self.replay.scope)

    async def _clock(self) -> None:
        ended = self.t >= self.replay.end
        await self.send(
            {
                "type": "replay",
                "state": "ended" if ended else ("playing" if self.playing else "paused"),
                "t": self.t.isoformat(),
                "start": self.replay.start.isoformat(),
                "end": self.replay.end.isoformat(),
                "speed": self.speed,
                "simulation": self.replay.scope.simulation,
            }
        )
