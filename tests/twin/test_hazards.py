from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.conftest import auth


def test_registered_and_live_grades_of_the_demo_hazard_sources(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    session.execute(text("UPDATE sites SET people_outside_500m = 30 WHERE code = 'demo'"))
    level = session.execute(
        text(
            "SELECT s.id, s.code FROM sensors s JOIN sites ON sites.id = s.site_id "
            "WHERE sites.code = 'demo' AND s.installation_code = 'T-NH3-01' AND s.kind = 'level'"
        )
    ).one()
    session.execute(
        text(
            "INSERT INTO latest_readings (sensor_id, ts_utc, value, quality) VALUES (:s, :t, 45, 0)"
            " ON CONFLICT (sensor_id) DO UPDATE SET value = 45, quality = 0, ts_utc = :t"
        ),
        {"s": level.id, "t": datetime.now(UTC)},
    )
    session.flush()
    r = client.get("/api/v1/sites/demo/hazard-sources", headers=auth(tokens["regulator"]))
    assert r.status_code == 200
    sources = {s["code"]: s for s in r.json()}
    assert len(sources) == 10
    ammonia = sources["T-NH3-01"]
    # 500 t of ammonia (Q = 10 t, β = 2), α = 1.2 for 30 people: S = 50, R = 120, grade 1.
    assert ammonia["registered"]["s"] == 50 and ammonia["registered"]["r"] == 120
    assert ammonia["registered"]["grade"] == 1
    live = ammonia["live"]
    assert live["basis"] == "level" and live["sensor"] == level.code
    # The ammonia tanks are spheres: at 45 % level they hold x²(3 − 2x) = 42.525 % of
    # (500 t / 0.9) = 236.25 t, so S = 23.625 and R = 1.2 × 2 × 23.625 = 56.7: grade 2.
    assert abs(live["s"] - 23.625) < 1e-6 and abs(live["r"] - 56.7) < 1e-6
    assert live["grade"] == 2
    assert ammonia["rule_version"].startswith("GB 18218-2018")
