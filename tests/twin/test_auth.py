from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from fastapi.testclient import TestClient

from tests.conftest import DEMO_PASSWORD, auth
from twin.auth.service import JWT_ALGORITHM, JWT_AUDIENCE
from twin.config import Settings


def login(client: TestClient, username: str, password: str) -> tuple[int, dict]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    return r.status_code, r.json()


def test_password_login_returns_a_working_bearer_token(client: TestClient) -> None:
    status, body = login(client, "commander", DEMO_PASSWORD)
    assert status == 200 and body["token_type"] == "bearer" and body["role"] == "commander"
    me = client.get("/api/v1/auth/me", headers=auth(body["access_token"]))
    assert me.status_code == 200 and me.json()["username"] == "commander"


def test_wrong_password_and_unknown_user_look_the_same(client: TestClient) -> None:
    s1, b1 = login(client, "commander", "wrong")
    s2, b2 = login(client, "nobody", "wrong")
    assert s1 == s2 == 401
    assert b1["message"] == b2["message"] == "wrong username or password"


def test_repeated_failures_are_throttled_even_with_the_right_password(
    client: TestClient, settings: Settings
) -> None:
    for _ in range(settings.login_max_failures):
        assert login(client, "operator", "guess")[0] == 401
    r = client.post("/api/v1/auth/token", data={"username": "operator", "password": DEMO_PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    # Other accounts are not locked by someone guessing this one.
    assert login(client, "commander", DEMO_PASSWORD)[0] == 200


def test_requests_without_or_with_bad_tokens_are_refused(
    client: TestClient, settings: Settings
) -> None:
    assert client.get("/api/v1/sites").status_code == 401
    assert client.get("/api/v1/sites", headers=auth("not-a-jwt")).status_code == 401
    expired = jwt.encode(
        {"sub": "admin", "aud": JWT_AUDIENCE, "exp": datetime.now(UTC) - timedelta(minutes=1)},
        settings.secret_key.get_secret_value(),
        algorithm=JWT_ALGORITHM,
    )
    r = client.get("/api/v1/sites", headers=auth(expired))
    assert r.status_code == 401 and "expired" in r.json()["message"]
    forged = jwt.encode(
        {"sub": "admin", "aud": JWT_AUDIENCE, "exp": datetime.now(UTC) + timedelta(hours=1)},
        "x" * 40,
        algorithm=JWT_ALGORITHM,
    )
    assert client.get("/api/v1/sites", headers=auth(forged)).status_code == 401
    assert client.get("/healthz").status_code == 200


def test_disabled_account_loses_access_at_once(client: TestClient, tokens: dict[str, str]) -> None:
    r = client.patch(
        "/api/v1/users/drill_planner", json={"is_active": False}, headers=auth(tokens["admin"])
    )
    assert r.status_code == 200
    assert client.get("/api/v1/sites", headers=auth(tokens["drill_planner"])).status_code == 401


def test_admin_creates_a_user_who_can_log_in(client: TestClient, tokens: dict[str, str]) -> None:
    r = client.post(
        "/api/v1/users",
        headers=auth(tokens["admin"]),
        json={"username": "li.wei", "password": "s3cret-enough", "role": "safety_engineer"},
    )
    assert r.status_code == 201 and "password" not in r.text
    assert login(client, "li.wei", "s3cret-enough")[0] == 200
    dup = client.post(
        "/api/v1/users",
        headers=auth(tokens["admin"]),
        json={"username": "li.wei", "password": "s3cret-enough", "role": "operator"},
    )
    assert dup.status_code == 409
    weak = client.post(
        "/api/v1/users",
        headers=auth(tokens["admin"]),
        json={"username": "wang", "password": "short", "role": "operator"},
    )
    assert weak.status_code == 422


def test_default_secret_is_refused_outside_demo_mode() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="demo key"):
        Settings(demo=False)
    with pytest.raises(ValidationError, match="32 characters"):
        Settings(demo=False, secret_key="short")  # type: ignore[arg-type]
    assert Settings(demo=False, secret_key="k" * 40).demo is False  # type: ignore[arg-type]
