from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.conftest import auth
from tests.twin.helpers import LAT0, LON0, make_site, point_feature, sensor_props
from twin.audit import service
from twin.cli.main import app as cli


def _write_some(client: TestClient, session: Session, tokens: dict[str, str]) -> None:
    make_site(session)
    h = auth(tokens["safety_engineer"])
    for i in range(3):
        r = client.post(
            "/api/v1/sites/t1/layers/sensors",
            headers=h,
            json=point_feature(sensor_props(f"A-{i}"), LON0 + 0.001 * (i + 1), LAT0 + 0.001),
        )
        assert r.status_code == 201


def test_every_write_is_attributed_with_before_and_after(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    _write_some(client, session, tokens)
    h = auth(tokens["safety_engineer"])
    client.put(
        "/api/v1/sites/t1/layers/sensors/A-0",
        headers=h,
        json=point_feature(sensor_props("A-0", alarm_high_1=30), LON0 + 0.001, LAT0 + 0.001),
    )
    entries = client.get(
        "/api/v1/audit",
        params={"site": "t1", "entity": "sensors"},
        headers=auth(tokens["regulator"]),
    ).json()
    assert [e["action"] for e in entries] == ["sensors.update"] + ["sensors.create"] * 3
    update = entries[0]
    assert update["actor"] == "safety_engineer"
    assert update["before"]["properties"]["alarm_high_1"] == 20
    assert update["after"]["properties"]["alarm_high_1"] == 30


def test_audit_log_refuses_update_and_delete(session: Session) -> None:
    make_site(session)
    for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(text(sql))


def _tamper(session: Session, sql: str) -> None:
    # Only a superuser can switch triggers off; this is the attack verify must expose.
    session.execute(text("SET LOCAL session_replication_role = replica"))
    session.execute(text(sql))
    session.execute(text("SET LOCAL session_replication_role = origin"))


@pytest.mark.parametrize(
    ("sql", "finding"),
    [
        (
            "UPDATE audit_log SET after = jsonb_set(after, '{properties,alarm_high_1}', '99') "
            "WHERE id = (SELECT max(id) - 1 FROM audit_log)",
            "edited",
        ),
        ("DELETE FROM audit_log WHERE id = (SELECT max(id) - 1 FROM audit_log)", "missing"),
        ("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)", "cut from the end"),
        (
            "UPDATE audit_log SET actor = 'someone-else' "
            "WHERE id = (SELECT min(id) FROM audit_log)",
            "edited",
        ),
    ],
)
def test_verify_detects_tampering(
    client: TestClient, session: Session, tokens: dict[str, str], sql: str, finding: str
) -> None:
    _write_some(client, session, tokens)
    assert service.verify(session).ok
    _tamper(session, sql)
    report = service.verify(session)
    assert not report.ok
    assert any(finding in p for p in report.problems), report.problems
    r = client.get("/api/v1/audit/verify", headers=auth(tokens["admin"]))
    assert r.json()["ok"] is False


def test_twin_audit_verify_command(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWIN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("TWIN_DEMO", "1")
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.output
