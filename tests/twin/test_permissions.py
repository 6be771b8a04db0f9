"""The role x endpoint matrix, exhaustively: every route, every role, and no token."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.conftest import auth
from twin.app import ROUTERS, create_app
from twin.auth.permissions import PERMISSIONS, ROLES
from twin.config import Settings
from twin.deps import Require

PUBLIC = {
    ("POST", "/api/v1/auth/token"),
    ("GET", "/healthz"),
    ("GET", "/"),
    ("GET", "/3d"),
    ("GET", "/regulator"),
    # The drills page itself holds no data: what it shows comes from the API by role.
    ("GET", "/drills"),
}


def _requirement(route: APIRoute) -> str | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Require):
            return dep.call.permission
        stack.extend(dep.dependencies)
    return None


def _routes() -> list[tuple[str, str, str | None]]:
    out = []
    for prefix, router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                for method in sorted(route.methods - {"HEAD"}):
                    out.append((method, prefix + route.path, _requirement(route)))
    return out


ROUTES = _routes()


def test_every_route_is_public_by_design_or_names_a_permission() -> None:
    for method, path, permission in ROUTES:
        if (method, path) in PUBLIC:
            assert permission is None, f"{method} {path} is public yet asks {permission}"
        else:
            assert permission in PERMISSIONS, f"{method} {path} has no permission"


def test_matrix_covers_every_operation_in_the_openapi_document() -> None:
    schema = create_app(Settings(demo=True)).openapi()
    documented = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    assert documented <= {(m, p) for m, p, _ in ROUTES} | PUBLIC


def _concrete(path: str) -> str:
    samples = {
        "site": "demo",
        "layer": "sensors",
        "code": "no-such-code",
        "collection_id": "zones",
        "feature_id": "demo:no-such",
        "alarm_id": "999999999",
        "incident_id": "999999999",
        "run_id": "999999999",
        "tag": "no-such-tag",
        "username": "nobody",
        "z": "15",
        "x": "27000",
        "y": "13000",
    }
    return re.sub(r"\{(\w+)\}", lambda m: samples[m.group(1)], path)


# Routes that load the app's own pages in a browser: the test client has no real port, so
# past the gate they answer 503 (tests/live/test_command_map.py runs them for real).
NEEDS_A_REAL_SERVER = {("GET", "/api/v1/sites/{site}/map.png")}


@pytest.mark.parametrize(
    ("method", "path", "permission"),
    [r for r in ROUTES if (r[0], r[1]) not in PUBLIC],
    ids=[f"{m} {p}" for m, p, _ in ROUTES if (m, p) not in PUBLIC],
)
def test_role_matrix(
    client: TestClient, tokens: dict[str, str], method: str, path: str, permission: str
) -> None:
    url = _concrete(path)
    assert client.request(method, url).status_code == 401
    for role in ROLES:
        status = client.request(method, url, headers=auth(tokens[role])).status_code
        if role in PERMISSIONS[permission]:
            # Allowed callers get past the gate: any answer but 401/403 (404, 422 …).
            assert status not in (401, 403), f"{role} refused {method} {path}"
            ok = status < 500 or (status == 503 and (method, path) in NEEDS_A_REAL_SERVER)
            assert ok, f"{role}: {method} {path} answered {status}"
        else:
            assert status == 403, f"{role} reached {method} {path} ({status})"


def test_regulator_reads_and_exports_but_cannot_write(
    client: TestClient, tokens: dict[str, str]
) -> None:
    h = auth(tokens["regulator"])
    assert client.get("/api/v1/sites/demo/layers/risk_zones", headers=h).status_code == 200
    assert client.get("/api/v1/sites/demo/export?format=geojson", headers=h).status_code == 200
    r = client.delete("/api/v1/sites/demo/layers/risk_zones/anything", headers=h)
    assert r.status_code == 403 and "may not plant:write" in r.json()["message"]
