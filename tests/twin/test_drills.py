"""Drill scenarios through the API: stored and versioned, checked against the site, run
as a simulation (evaluated, logged under its drill id, replayable, never real) and as a
live drill played by the runner (measured from what people did)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests.conftest import Published, auth
from twin.alarms.rules import load_rules
from twin.demo.load import ensure_demo_scenarios
from twin.drills.live import DrillRunner
from twin.live.plane import RULES
from twin.replay.frames import Scope, frames, snapshot_at
from twin.sites.models import Site

SCENARIO_FILE = (
    Path(__file__).resolve().parents[2] / "data" / "drills" / "nh3-sphere-west-wind.yaml"
)
BASE = "/api/v1/sites/demo/drills"


def _scenario() -> dict[str, Any]:
    return dict(yaml.safe_load(SCENARIO_FILE.read_text(encoding="utf-8")))


def _small() -> dict[str, Any]:
    """The demo scenario cut to a few people and five minutes (a test, not a bench)."""
    s = _scenario()
    s["code"] = "NH3-SMALL"
    s["duration_s"] = 300
    s["release"]["duration_s"] = 200
    s["population"]["template"] = {"Z-TF1": 4, "Z-SYN1": 6, "Z-OF1": 5}
    s["injects"] = [i for i in s["injects"] if i["at_s"] <= 300]
    return s


def test_a_scenario_is_stored_versioned_and_checked_against_the_site(
    client: TestClient, tokens: dict[str, str]
) -> None:
    planner = auth(tokens["drill_planner"])
    body = SCENARIO_FILE.read_bytes()
    r = client.post(
        f"{BASE}/scenarios", content=body, headers=planner | {"Content-Type": "application/yaml"}
    )
    assert r.status_code == 201, r.text
    assert (r.json()["code"], r.json()["version"]) == ("NH3-S1-WEST", 1)
    assert client.post(f"{BASE}/scenarios", json=_scenario(), headers=planner).status_code == 409
    changed = _scenario() | {"duration_s": 1200}
    r = client.put(f"{BASE}/scenarios/NH3-S1-WEST", json=changed, headers=planner)
    assert r.status_code == 200 and r.json()["version"] == 2
    versions = client.get(f"{BASE}/scenarios/NH3-S1-WEST/versions", headers=planner).json()
    assert [(v["version"], v["scenario"]["duration_s"]) for v in versions] == [(1, 900), (2, 1200)]
    first = client.get(f"{BASE}/scenarios/NH3-S1-WEST?version=1", headers=planner).json()
    assert first["scenario"]["duration_s"] == 900
    listed = client.get(f"{BASE}/scenarios", headers=planner).json()
    # The newest version only (other tests' committed scenarios may be listed too).
    assert [s["version"] for s in listed if s["code"] == "NH3-S1-WEST"] == [2]
    # Operators read drills; the regulator does not; only planners write them.
    assert client.get(f"{BASE}/scenarios", headers=auth(tokens["operator"])).status_code == 200
    assert client.get(f"{BASE}/scenarios", headers=auth(tokens["regulator"])).status_code == 403
    r = client.put(f"{BASE}/scenarios/NH3-S1-WEST", json=changed, headers=auth(tokens["commander"]))
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda s: s["release"].update(hazard_source="T-NOPE"), "release.hazard_source"),
        (
            lambda s: s["injects"].append({"at_s": 5, "kind": "alarm", "target": "GD-X"}),
            "injects.4.target",
        ),
        (lambda s: s.update(blocked_routes=["RE-NOPE"]), "blocked_routes"),
        (lambda s: s["population"]["template"].update({"Z-NOPE": 3}), "population.template"),
        (lambda s: s["weather"].update(wind_m_s=0.1), "weather.wind_m_s"),
        (lambda s: s["injects"].append({"at_s": 9999, "kind": "note"}), "scenario"),
        (lambda s: s["injects"].append({"at_s": 5, "kind": "casualty"}), "injects.4"),
        (lambda s: s.update(unknown_field=1), "unknown_field"),
    ],
)
def test_a_bad_scenario_gets_a_422_naming_the_field(
    client: TestClient, tokens: dict[str, str], change: Any, where: str
) -> None:
    s = copy.deepcopy(_scenario())
    change(s)
    r = client.post(f"{BASE}/scenarios", json=s, headers=auth(tokens["drill_planner"]))
    assert r.status_code == 422, r.text
    assert any(d["where"].startswith(where) for d in r.json()["detail"]), r.json()


def test_a_malformed_file_gets_a_422(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["drill_planner"]) | {"Content-Type": "application/yaml"}
    r = client.post(f"{BASE}/scenarios", content=b"code: [unclosed", headers=h)
    assert r.status_code == 422 and "YAML" in r.json()["message"]


def test_a_simulation_is_evaluated_logged_apart_and_replayable(
    client: TestClient, tokens: dict[str, str], session: Session
) -> None:
    planner = auth(tokens["drill_planner"])
    assert client.post(f"{BASE}/scenarios", json=_small(), headers=planner).status_code == 201
    r = client.post(f"{BASE}/scenarios/NH3-SMALL/simulate", json={}, headers=planner)
    assert r.status_code == 202, r.text
    run = client.get(f"{BASE}/runs/{r.json()['id']}", headers=planner).json()
    assert run["state"] == "finished", run["result"]
    result = run["result"]
    assert result["people"]["expected"] == 15
    assert result["plan"]["code"] == "EP-NH3"
    measures = {m["key"]: m for m in result["measures"]}
    assert measures["alarm_to_ack_s"]["basis"] == "assumed"
    assert measures["alarm_to_ack_s"]["value"] == 45 and measures["alarm_to_ack_s"]["passed"]
    assert measures["muster_complete_s"]["basis"] == "simulated"
    assert result["muster_curve"][-1][1] == result["people"]["mustered"]
    assert result["evacuation"]["bottlenecks"] is not None
    assert {e["what"] for e in result["timeline"]} >= {"drill_running", "alarm_raised"}
    # Its events live under its own drill id, on its own clock, and nowhere real.
    drill = run["drill_id"]
    assert drill.startswith("sim-")
    site = session.scalars(select(Site).where(Site.code == "demo")).one()
    start = datetime.fromisoformat(run["plant_start_utc"])
    seen = [
        e["type"]
        for f in frames(session, site, start, start + timedelta(seconds=310), Scope(drill))
        for e in f.events
    ]
    assert {"positions", "alarm", "incident", "inject", "muster", "density", "drill"} <= set(seen)
    at_end = snapshot_at(session, site, start + timedelta(seconds=299), Scope(drill))
    assert len(at_end["positions"]) == 15
    # By the end of the run's period (a replay's end is exclusive) it has wound up.
    after = snapshot_at(session, site, start + timedelta(seconds=300), Scope(drill))
    assert after["alarms"] == [] and after["incidents"] == [] and after["drills"] == []
    real = snapshot_at(session, site, start + timedelta(seconds=299), Scope())
    assert not [a for a in real["alarms"] if str(a["id"]).startswith(drill)]
    assert (
        session.scalar(text("SELECT count(*) FROM alarms WHERE drill_id = :d"), {"d": drill}) == 0
    )
    html = client.get(f"{BASE}/runs/{run['id']}/report.html", headers=planner)
    assert html.status_code == 200 and "清点曲线 / Muster curve" in html.text
    assert "data:image/png;base64," in html.text


def test_a_live_drill_is_played_measured_and_kept_out_of_real_alarms(
    client: TestClient,
    tokens: dict[str, str],
    session: Session,
    published: Published,
) -> None:
    planner, commander = auth(tokens["drill_planner"]), auth(tokens["commander"])
    s = _small()
    s["population"] = {"mode": "current"}
    assert client.post(f"{BASE}/scenarios", json=s, headers=planner).status_code == 201
    started = client.post(f"{BASE}/scenarios/NH3-SMALL/live", json={}, headers=commander)
    assert started.status_code == 201, started.text
    run = started.json()
    again = client.post(f"{BASE}/scenarios/NH3-SMALL/live", json={}, headers=commander)
    assert again.status_code == 409  # one live drill at a time
    runner = DrillRunner(published.factory, load_rules(RULES))
    t0 = datetime.fromisoformat(run["plant_start_utc"])
    runner.tick(t0 + timedelta(seconds=20))
    events = published.drain()
    kinds = [e["type"] for e in events if e["type"] != "incident_step"]
    assert kinds[:3] == ["inject", "alarm", "incident"], kinds
    alarm = next(e["alarm"] for e in events if e["type"] == "alarm")
    assert alarm["drill_id"] == run["drill_id"] and alarm["message"].startswith("演练 DRILL")
    # Not in the real alarm list, nor the regulator's one map.
    real = client.get("/api/v1/sites/demo/alarms?state=active", headers=commander).json()
    assert alarm["id"] not in {a["id"] for a in real}
    summary = client.get("/api/v1/sites/demo/onemap/summary", headers=auth(tokens["regulator"]))
    assert summary.status_code == 200
    assert run["drill_id"] not in summary.text
    # The operator acknowledges it and the commander commands on the drill incident.
    acked = client.post(
        f"/api/v1/sites/demo/alarms/{alarm['id']}/acknowledge",
        json={},
        headers=auth(tokens["operator"]),
    )
    assert acked.status_code == 200
    incident = next(e["incident"] for e in events if e["type"] == "incident")
    assert incident["drill_id"] == run["drill_id"]
    assert (
        client.post(
            f"/api/v1/sites/demo/incidents/{incident['id']}/commands",
            json={"text": "启动水幕"},
            headers=commander,
        ).status_code
        == 201
    )
    runner.tick(t0 + timedelta(seconds=60))
    drawn = [e["incident"] for e in published.drain() if e["type"] == "incident"]
    assert drawn and drawn[0]["zones"]["features"], "the drill's zones are drawn"
    stopped = client.post(f"{BASE}/runs/{run['id']}/stop", headers=commander)
    assert stopped.status_code == 200, stopped.text
    result = stopped.json()["result"]
    measures = {m["key"]: m for m in result["measures"]}
    assert measures["alarm_to_ack_s"]["basis"] == "measured"
    assert measures["alarm_to_ack_s"]["value"] is not None
    assert measures["first_command_s"]["value"] is not None
    assert stopped.json()["state"] == "stopped"
    assert client.post(f"{BASE}/runs/{run['id']}/stop", headers=commander).status_code == 409
    closed = session.scalar(
        text("SELECT count(*) FROM alarms WHERE drill_id = :d AND NOT closed"),
        {"d": run["drill_id"]},
    )
    assert closed == 0
    # A replay sees the drill's incident close and its banner go.
    logged = session.execute(
        text(
            "SELECT kind, payload FROM event_log WHERE drill_id = :d AND kind IN "
            "('incident', 'drill')"
        ),
        {"d": run["drill_id"]},
    ).all()
    assert any(k == "incident" and p["incident"]["state"] == "closed" for k, p in logged)
    assert any(k == "drill" and p["state"] == "stopped" for k, p in logged)


def test_the_demo_comes_with_its_scenarios_once(session: Session) -> None:
    """`make demo` saves data/drills/*.yaml for the demo site: ready on the drills page,
    and never twice."""
    saved = ensure_demo_scenarios(session)
    assert "NH3-S1-WEST" in saved
    assert ensure_demo_scenarios(session) == []
