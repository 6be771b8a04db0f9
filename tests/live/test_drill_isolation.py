"""A live drill on the running plant stays a drill: its alarm reaches the command map
under its banner and nobody's phone. A real alarm raised during the drill is notified as
always; the regulator's stream sees the real alarm and nothing of the drill."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import yaml
from sqlalchemy.engine import Engine
from websockets.sync.client import connect

from tests.live.conftest import Publisher, epoch_ms, listen, recent, token, until
from twin.app import create_app
from twin.config import Settings
from twin.embedded.server import serving
from twin.events.drills import from_a_drill

SCENARIO = Path(__file__).resolve().parents[2] / "data" / "drills" / "nh3-sphere-west-wind.yaml"
DRILL_SENSOR = "GD-NH3-04"


def test_a_drill_alarm_reaches_the_map_but_never_a_notification_or_the_regulator(
    engine: Engine,
    live_settings: Settings,
    publisher: Publisher,
    webhook: tuple[str, list[dict[str, Any]]],
) -> None:
    hook, received = webhook
    settings = live_settings.model_copy(update={"notify_webhook_url": hook})
    scenario = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    scenario |= {"code": "ISOLATION", "duration_s": 120, "population": {"mode": "current"}}
    scenario["release"] |= {"duration_s": 60}
    scenario["injects"] = [{"at_s": 0, "kind": "alarm", "target": DRILL_SENSOR, "text": "drill"}]
    with serving(create_app(settings, engine, live=True)) as base:
        commander = {"Authorization": f"Bearer {token(base)}"}
        planner = {"Authorization": f"Bearer {token(base, 'drill_planner')}"}
        saved = httpx.post(
            f"{base}/api/v1/sites/demo/drills/scenarios", json=scenario, headers=planner
        )
        assert saved.status_code == 201, saved.text
        ws_base = f"{base.replace('http://', 'ws://')}/api/v1/sites/demo"
        streams: dict[str, list[dict[str, Any]]] = {"commander": [], "regulator": []}
        stop = threading.Event()
        sockets, threads = [], []
        for role, seen in streams.items():
            ws = connect(f"{ws_base}/stream?access_token={token(base, role)}")
            sockets.append(ws)
            threads.append(threading.Thread(target=listen, args=(ws, seen, stop)))
            threads[-1].start()
        try:
            started = httpx.post(
                f"{base}/api/v1/sites/demo/drills/scenarios/ISOLATION/live",
                json={},
                headers=commander,
            )
            assert started.status_code == 201, started.text
            drill = started.json()["drill_id"]
            drill_alarm = until(
                lambda: next(
                    (
                        e["alarm"]
                        for e in list(streams["commander"])
                        if e["type"] == "alarm" and e["alarm"].get("drill_id") == drill
                    ),
                    None,
                )
            )
            assert drill_alarm is not None, "the runner did not fire the drill's alarm"
            assert drill_alarm["sensor"] == DRILL_SENSOR
            # A map opened mid-drill gets the drill's alarm in its snapshot.
            with connect(f"{ws_base}/stream?access_token={token(base)}") as late:
                snapshot = json.loads(late.recv(timeout=10))
            assert drill_alarm["id"] in {a["id"] for a in snapshot["alarms"]}
            assert [d["drill_id"] for d in snapshot["drills"]] == [drill]
            # A real detector goes into alarm during the drill.
            sensors = httpx.get(f"{base}/api/v1/sites/demo/sensors", headers=commander).json()
            # The last such detector: the other live tests use the first ones.
            real = [
                s
                for s in sensors
                if s["kind"] == "gas" and s["alarm_high_2"] and s["code"] != DRILL_SENSOR
            ][-1]
            t0 = recent(5)
            for i in range(4):
                publisher.send(
                    f"twin/demo/sensors/{real['code']}",
                    {"ts": epoch_ms(t0) + 1000 * i, "value": real["alarm_high_2"] * 1.5, "seq": i},
                )
            notified = until(lambda: [r for r in received if r.get("sensor") == real["code"]])
            assert notified, "the real alarm was not notified"
            publisher.send(  # the gas is gone: the real alarm clears for the tests after this
                f"twin/demo/sensors/{real['code']}",
                {"ts": epoch_ms(t0) + 5000, "value": 0.0, "seq": 9},
            )
            time.sleep(1.5)  # give a wrongly routed drill notification time to arrive
            stopped = httpx.post(
                f"{base}/api/v1/sites/demo/drills/runs/{started.json()['id']}/stop",
                headers=commander,
            )
            assert stopped.status_code == 200
            assert until(
                lambda: any(
                    e["type"] == "drill" and e["state"] == "stopped" for e in streams["commander"]
                )
            )
            # Replayed or summarised for the regulator, the period holds no drill either.
            began = datetime.fromisoformat(started.json()["started_utc"])
            period = {
                "start": (began - timedelta(minutes=1)).isoformat(),
                "end": datetime.now(UTC).isoformat(),
            }
            regulator = token(base, "regulator")
            with connect(
                f"{ws_base}/replay?{urlencode(period | {'access_token': regulator, 'speed': 60})}"
            ) as ws:
                replayed = []
                while not replayed or replayed[-1].get("state") != "ended":
                    replayed.append(json.loads(ws.recv(timeout=20)))
            assert not [e for e in replayed if e["type"] != "snapshot" and from_a_drill(e)]
            assert any(
                e["type"] == "alarm" and e["alarm"]["sensor"] == real["code"] for e in replayed
            )
            marks = httpx.get(
                f"{base}/api/v1/sites/demo/replay/timeline",
                params=period,
                headers={"Authorization": f"Bearer {regulator}"},
            )
            assert marks.status_code == 200 and marks.json()
            assert not [m for m in marks.json() if m["drill_id"]]
            assert (
                httpx.get(
                    f"{base}/api/v1/sites/demo/replay/timeline",
                    params=period | {"drill": "sim-1"},
                    headers={"Authorization": f"Bearer {regulator}"},
                ).status_code
                == 403
            )
        finally:
            stop.set()
            for t in threads:
                t.join()
            for ws in sockets:
                ws.close()
    assert not [r for r in received if r.get("drill_id") or r.get("sensor") == DRILL_SENSOR]
    regulator = streams["regulator"]
    assert any(e["type"] == "alarm" and e["alarm"]["sensor"] == real["code"] for e in regulator), (
        "the regulator sees real alarms"
    )
    assert not [e for e in regulator if e["type"] != "snapshot" and from_a_drill(e)]
    assert all(
        not a.get("drill_id") for e in regulator if e["type"] == "snapshot" for a in e["alarms"]
    )
    commander_saw = {e["type"] for e in streams["commander"] if from_a_drill(e)}
    assert {"drill", "inject", "alarm", "incident"} <= commander_saw
