"""Database sessions run under limits: a request that waits too long on a lock is cut off,
rolled back and answered 503 with the reason; nothing of it is left, and the chain is not
touched."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.conftest import auth
from tests.twin.helpers import point_feature, sensor_props
from twin.app import create_app
from twin.config import Settings
from twin.db import SessionLimits, make_engine


def test_the_session_limits_come_from_the_settings(engine: Engine) -> None:
    with engine.connect() as conn:
        shown = dict(
            conn.execute(
                text(
                    "SELECT name, setting::int FROM pg_settings WHERE name IN "
                    "('lock_timeout', 'statement_timeout', 'idle_in_transaction_session_timeout')"
                )
            ).all()
        )
    limits = SessionLimits()
    assert shown == {
        "lock_timeout": limits.lock_timeout_s * 1000,
        "statement_timeout": limits.statement_timeout_s * 1000,
        "idle_in_transaction_session_timeout": limits.idle_in_transaction_timeout_s * 1000,
    }


def test_a_lock_wait_past_the_limit_answers_503_and_leaves_nothing(
    session: Session, database_url: str, settings: Settings, tokens: dict[str, str]
) -> None:
    # A stuck transaction holds the chain's head (this test's own, never committed).
    session.execute(text("SELECT * FROM audit_head WHERE id = 1 FOR UPDATE"))
    before = session.scalar(text("SELECT last_id FROM audit_head"))
    impatient = make_engine(database_url, SessionLimits(lock_timeout_s=0.3))
    try:
        with TestClient(create_app(settings, impatient), raise_server_exceptions=False) as c:
            r = c.post(
                "/api/v1/sites/demo/layers/sensors",
                json=point_feature(sensor_props("LOCKED-1"), 119.98, 31.78),
                headers=auth(tokens["safety_engineer"]),
            )
            assert r.status_code == 503, r.text
            body = r.json()
            assert body["error"] == "lock_timeout" and "nothing was changed" in body["message"]
            assert r.headers["Retry-After"]
            # The server answers the next request as usual.
            assert c.get("/healthz").status_code in (200, 503)
        with impatient.connect() as conn:
            left = conn.scalar(text("SELECT count(*) FROM sensors WHERE code = 'LOCKED-1'"))
            assert left == 0, "the rolled-back feature is not there"
            assert conn.scalar(text("SELECT max(id) FROM audit_log")) == before
    finally:
        impatient.dispose()
