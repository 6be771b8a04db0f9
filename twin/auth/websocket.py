"""WebSocket admission: browsers cannot set headers on a WebSocket, so the token comes as
``?access_token=`` and is checked (off the event loop) before the socket is accepted."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import WebSocket

from twin.auth.permissions import allowed
from twin.auth.service import Principal, principal_from_token
from twin.db import session_scope
from twin.errors import TwinError
from twin.sites.service import get_site

__all__ = ["POLICY", "TRY_AGAIN", "admitted"]

# WebSocket close codes: 1008 policy violation (auth), 1013 try again later (lagging).
POLICY, TRY_AGAIN = 1008, 1013


def _authenticate(app: Any, token: str, site: str) -> Principal:
    with session_scope(app.state.sessionmaker) as session:
        principal = principal_from_token(session, app.state.settings, token)
        get_site(session, site)
    return principal


async def admitted(
    websocket: WebSocket, site: str, permission: str = "plant:read"
) -> Principal | None:
    """Authenticate a WebSocket with ``?access_token=`` (browsers cannot set headers on
    WebSockets) and accept it when the caller may ``permission`` at an existing ``site``
    (returns the caller); otherwise close it with the reason (1008)."""
    app = websocket.app
    token = websocket.query_params.get("access_token", "")
    try:
        # Off the loop: a token check reads the database.
        principal = await asyncio.to_thread(_authenticate, app, token, site)
    except TwinError as exc:
        await websocket.close(code=POLICY, reason=exc.message[:120])
        return None
    if not allowed(principal.role, permission):
        await websocket.close(code=POLICY, reason="not allowed")
        return None
    await websocket.accept()
    return principal
