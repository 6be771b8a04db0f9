"""Nothing blocks the event loop: no async handler gets a synchronous session, and no
coroutine anywhere in the code runs database work itself.

The other half is at run time: the tests' engine refuses any statement issued from the
event loop's thread (``guard_event_loop(strict=True)`` in tests/conftest.py), so every
test that drives a route, a WebSocket or the live plane checks it too; the role matrix
(test_permissions.py) drives every route.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from sqlalchemy.engine import Engine

from twin.app import ROUTERS, create_app
from twin.config import Settings
from twin.db import BlockingCallOnEventLoop, guard_event_loop, make_sessionmaker, session_scope
from twin.deps import get_session

ROOT = Path(__file__).resolve().parents[2]
# Calls that run synchronous database work wherever they are made.
BLOCKING = {"session_scope", "execute", "scalars", "scalar", "commit", "flush", "get"}
# Receivers whose .execute/.get … are database calls (not a dict's .get).
DB_RECEIVERS = {"session", "conn", "connection", "engine", "factory"}


def test_no_async_handler_is_handed_a_database_session() -> None:
    app = create_app(Settings(demo=True))
    routes = [r for _, router in ROUTERS for r in router.routes] + list(app.routes)
    async_routes = 0
    for route in routes:
        if not isinstance(route, APIRoute | APIWebSocketRoute):
            continue
        if not inspect.iscoroutinefunction(route.endpoint):
            continue
        async_routes += 1
        # Its own parameters: what the body itself would use on the loop.
        direct = [d.call for d in route.dependant.dependencies]
        assert get_session not in direct, (
            f"{route.path}: async handler takes a session; make it `def`"
        )
    assert async_routes >= 3  # /healthz, the stream and the replay at least


def _async_functions(tree: ast.AST) -> Iterator[ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.AsyncFunctionDef):
            yield node


def _own_calls(fn: ast.AsyncFunctionDef) -> Iterator[ast.Call]:
    """Calls in the coroutine's own body (not in functions defined inside it, which run
    wherever they are handed: usually asyncio.to_thread)."""
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _blocking(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name) and func.id == "session_scope":
        return "session_scope()"
    if isinstance(func, ast.Attribute) and func.attr in BLOCKING:
        receiver = func.value
        name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
        if name in DB_RECEIVERS:
            return f"{name}.{func.attr}()"
    return None


def test_no_coroutine_runs_database_work_on_the_loop() -> None:
    found = []
    for folder in ("twin", "viewer", "devices"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for fn in _async_functions(tree):
                for call in _own_calls(fn):
                    what = _blocking(call)
                    if what is not None:
                        rel = path.relative_to(ROOT)
                        found.append(f"{rel}:{call.lineno} {fn.name}: {what}")
    assert not found, "database work on the event loop:\n" + "\n".join(found)


def test_the_guard_refuses_a_statement_on_the_loop_and_allows_it_in_a_thread(
    engine: Engine,
) -> None:
    factory = make_sessionmaker(engine)

    def one() -> int:
        with session_scope(factory) as session:
            return int(session.connection().exec_driver_sql("SELECT 1").scalar_one())

    async def scenario() -> int:
        guard_event_loop(engine, asyncio.get_running_loop())  # as the app does at start
        with pytest.raises(BlockingCallOnEventLoop):
            one()
        return await asyncio.to_thread(one)

    assert asyncio.run(scenario()) == 1
