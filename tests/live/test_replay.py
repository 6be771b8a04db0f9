"""Replay fidelity: a period lived through the real live plane (MQTT readings raising and
clearing an alarm, a person walking, an acknowledgement from the API) is replayed twice
over the replay WebSocket; both replays send the same messages, and the picture they end
on is the one the live map ended on."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.live.conftest import Publisher, epoch_ms, listen, token


class Picture:
    """What a map shows, built from the stream's messages the way the map builds it."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.alarms: dict[int, str] = {}
        self.people: dict[str, tuple[float, float]] = {}

    def apply(self, e: dict[str, Any]) -> None:
        if e["type"] == "snapshot":
            self.values = {s["code"]: (s["latest"] or {}).get("value") for s in e["sensors"]}
            self.alarms = {a["id"]: a["state"] for a in e["alarms"]}
            self.people = {p["tag"]: (p["lon"], p["lat"]) for p in e["positions"]}
        elif e["type"] == "readings":
            self.values |= {code: r["value"] for code, r in e["sensors"].items()}
        elif e["type"] == "alarm":
            self.alarms[e["alarm"]["id"]] = e["alarm"]["state"]
        elif e["type"] == "positions":
            self.people |= {tag: (p["lon"], p["lat"]) for tag, p in e["tags"].items()}


def _replay(url: str, tok: str, start: datetime, end: datetime, **extra: Any) -> Any:
    query = urlencode(
        {"access_token": tok, "start": start.isoformat(), "end": end.isoformat(), **extra}
    )
    return connect(f"{url.replace('http://', 'ws://')}/api/v1/sites/demo/replay?{query}")


def _until_ended(ws: ClientConnection, timeout_s: float = 30) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        m = json.loads(ws.recv(timeout=timeout_s))
        messages.append(m)
        if m["type"] == "replay" and m["state"] == "ended":
            return messages
    raise AssertionError("the replay did not end")


def test_a_lived_period_replays_the_same_twice_and_ends_on_the_live_picture(
    live_url: str, publisher: Publisher
) -> None:
    tok = token(live_url)
    head = {"Authorization": f"Bearer {tok}"}
    sensors = httpx.get(f"{live_url}/api/v1/sites/demo/sensors", headers=head).json()
    gas = next(s for s in sensors if s["kind"] == "gas" and s["alarm_high_2"])
    admin = token(live_url, "admin")
    tag = f"T-RP-{uuid.uuid4().hex[:6]}"
    created = httpx.post(
        f"{live_url}/api/v1/sites/demo/tags",
        headers={"Authorization": f"Bearer {admin}"},
        json={"code": tag, "person_name": "回放测试", "person_kind": "employee"},
    )
    assert created.status_code == 201

    live: list[dict[str, Any]] = []
    stop = threading.Event()
    stream = connect(
        f"{live_url.replace('http://', 'ws://')}/api/v1/sites/demo/stream?access_token={tok}"
    )
    listener = threading.Thread(target=listen, args=(stream, live, stop))
    listener.start()
    time.sleep(0.5)  # the snapshot is in
    start = datetime.now(UTC) - timedelta(seconds=1)
    topic = f"twin/demo/sensors/{gas['code']}"
    high = gas["alarm_high_2"] * 1.5
    for i, value in enumerate((0.0, high, high, high, high, high, high)):
        publisher.send(topic, {"ts": epoch_ms(datetime.now(UTC)), "value": value, "seq": i})
        publisher.send(
            f"twin/demo/tags/{tag}/position",
            {"ts": epoch_ms(datetime.now(UTC)), "lon": 119.978 + i * 1e-4, "lat": 31.7822},
        )
        time.sleep(0.4)
    deadline = time.monotonic() + 10
    alarm = None
    while alarm is None and time.monotonic() < deadline:
        alarm = next(
            (
                e["alarm"]
                for e in list(live)
                if e["type"] == "alarm"
                and e["alarm"]["sensor"] == gas["code"]
                and e["alarm"]["kind"] == "high_2"
            ),
            None,
        )
        time.sleep(0.1)
    assert alarm is not None, "no alarm on the live stream"
    time.sleep(1.2)
    middle = datetime.now(UTC)
    acked = httpx.post(
        f"{live_url}/api/v1/sites/demo/alarms/{alarm['id']}/acknowledge", headers=head, json={}
    )
    assert acked.status_code == 200
    time.sleep(0.5)
    publisher.send(topic, {"ts": epoch_ms(datetime.now(UTC)), "value": 0.0, "seq": 9})
    time.sleep(1.5)
    end = datetime.now(UTC)
    stop.set()
    listener.join()
    stream.close()
    lived = Picture()
    for e in live:
        lived.apply(e)
    assert lived.alarms[alarm["id"]] == "cleared"

    runs = []
    for _ in range(2):
        with _replay(live_url, tok, start, end, speed=60) as ws:
            runs.append(_until_ended(ws))
    assert runs[0] == runs[1], "two replays of one period differ"
    replayed = Picture()
    for m in runs[0]:
        replayed.apply(m)
    assert replayed.values[gas["code"]] == lived.values[gas["code"]] == 0.0
    assert replayed.alarms[alarm["id"]] == lived.alarms[alarm["id"]]
    assert replayed.people[tag] == lived.people[tag]

    def states(messages: list[dict[str, Any]]) -> list[tuple[str, bool]]:
        return [
            (m["alarm"]["state"], m["alarm"]["acked"])
            for m in messages
            if m["type"] == "alarm" and m["alarm"]["id"] == alarm["id"]
        ]

    # Every transition the live map was told of, in the same order.
    assert states(runs[0]) == states(live)
    assert ("raised", False) in states(live) and any(acked for _, acked in states(live))
    timeline = httpx.get(
        f"{live_url}/api/v1/sites/demo/replay/timeline",
        params={"start": start.isoformat(), "end": end.isoformat()},
        headers=head,
    ).json()
    marks = [(m["what"], m["ref"]) for m in timeline if m["ref"] == alarm["id"]]
    assert marks == [("alarm_raised", alarm["id"]), ("alarm_acknowledged", alarm["id"])]

    # Seek to the middle (raised, not yet acknowledged), pause, resume at another speed.
    with _replay(live_url, tok, start, end, speed=1) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "snapshot"
        ws.send(json.dumps({"cmd": "seek", "t": middle.isoformat()}))
        seen = None
        while seen is None:
            m = json.loads(ws.recv(timeout=10))
            if m["type"] == "snapshot":
                seen = m
        at_middle = {a["id"]: a["state"] for a in seen["alarms"]}
        assert at_middle[alarm["id"]] == "raised"
        ws.send(json.dumps({"cmd": "pause"}))
        ws.send(json.dumps({"cmd": "speed", "value": 500}))
        ws.send("not json")
        replies = [json.loads(ws.recv(timeout=10)) for _ in range(4)]
        errors = [m["message"] for m in replies if m["type"] == "error"]
        assert any("between" in e for e in errors) and any("JSON" in e for e in errors)
        assert [m["state"] for m in replies if m["type"] == "replay"][-1] == "paused"
        ws.send(json.dumps({"cmd": "speed", "value": 60}))
        ws.send(json.dumps({"cmd": "play"}))
        rest = _until_ended(ws)
        assert any(m["type"] == "alarm" and m["alarm"]["state"] == "cleared" for m in rest)


def test_a_replay_refuses_a_bad_period(live_url: str) -> None:
    tok = token(live_url)
    now = datetime.now(UTC)
    for start, end in ((now, now - timedelta(minutes=1)), (now, now + timedelta(hours=1))):
        with _replay(live_url, tok, start, end) as ws:
            try:
                ws.recv(timeout=5)
            except Exception as exc:  # closed with a policy violation and its reason
                assert "1008" in str(exc)
            else:
                raise AssertionError("a bad period was accepted")
