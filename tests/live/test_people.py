"""People over MQTT: direct positions and UWB ranges, geofences, headcount, trajectory."""

from __future__ import annotations

import math
import uuid
from typing import Any

import httpx
from shapely.geometry import shape

from gis.crs import transformer
from tests.live.conftest import Publisher, epoch_ms, recent, token, until


def _get(url: str, tok: str, path: str, **params: str) -> Any:
    r = httpx.get(
        f"{url}/api/v1/sites/demo{path}",
        params=params or None,
        headers={"Authorization": f"Bearer {tok}"},
    )
    r.raise_for_status()
    return r.json()


def _tag(url: str, tok: str, kind: str) -> str:
    code = f"T-{kind[:3]}-{uuid.uuid4().hex[:6]}"
    r = httpx.post(
        f"{url}/api/v1/sites/demo/tags",
        headers={"Authorization": f"Bearer {tok}"},
        json={"code": code, "person_name": "测试人员", "person_kind": kind},
    )
    assert r.status_code == 201, r.text
    return code


def _restricted_zone(url: str, tok: str) -> tuple[str, Any, int]:
    zones = _get(url, tok, "/layers/zones?crs=EPSG:4549")["features"]
    zone = next(z for z in zones if z["properties"]["restricted"])
    limit = zone["properties"]["max_occupancy"] or 6
    return zone["id"], shape(zone["geometry"]).representative_point(), limit


def test_visitor_entry_crowding_and_headcount(live_url: str, publisher: Publisher) -> None:
    admin = token(live_url, "admin")
    zone, inside, limit = _restricted_zone(live_url, admin)
    visitor = _tag(live_url, admin, "visitor")
    crew = [_tag(live_url, admin, "employee") for _ in range(limit)]
    t0 = epoch_ms(recent(5))
    for i, tag in enumerate([visitor, *crew]):
        publisher.send(
            f"twin/demo/tags/{tag}/position",
            {"ts": t0 + i, "x_m": inside.x + 0.2 * i, "y_m": inside.y},
        )

    def alarms() -> list[dict[str, Any]]:
        return list(_get(live_url, admin, "/alarms?state=active"))

    entry = until(lambda: [a for a in alarms() if a["kind"] == "entry" and a["tag"] == visitor])
    assert entry and entry[0]["zone"] == zone
    crowding = until(lambda: [a for a in alarms() if a["kind"] == "crowding" and a["zone"] == zone])
    assert crowding and crowding[0]["value"] >= limit + 1
    counts = {z["zone"]: z for z in _get(live_url, admin, "/headcount")}
    assert counts[zone]["people"] >= limit + 1 and visitor in counts[zone]["tags"]
    track = _get(live_url, admin, f"/tags/{visitor}/trajectory", start=recent(60).isoformat())
    assert len(track["geometry"]["coordinates"]) == 1


def test_uwb_ranges_are_solved_into_a_position(live_url: str, publisher: Publisher) -> None:
    admin = token(live_url, "admin")
    tag = _tag(live_url, admin, "employee")
    stations = _get(live_url, admin, "/layers/base_stations?crs=EPSG:4549")["features"]
    _, inside, _ = _restricted_zone(live_url, admin)
    nearest = sorted(
        stations, key=lambda s: math.dist(s["geometry"]["coordinates"], (inside.x, inside.y))
    )[:6]
    t0 = epoch_ms(recent(5))
    for k in range(3):  # three epochs, standing still
        ranges = []
        for s in nearest:
            sx, sy = s["geometry"]["coordinates"]
            dz = (s["properties"]["install_height_m"] or 4.0) - 1.2
            ranges.append(
                {
                    "station": s["id"],
                    "distance_m": math.sqrt((sx - inside.x) ** 2 + (sy - inside.y) ** 2 + dz**2),
                }
            )
        publisher.send(f"twin/demo/tags/{tag}/ranges", {"ts": t0 + 500 * k, "ranges": ranges})
    found = until(lambda: [p for p in _get(live_url, admin, "/positions") if p["tag"] == tag])
    assert found
    x, y = transformer(4490, 4549).transform(found[0]["lon"], found[0]["lat"])
    assert math.dist((x, y), (inside.x, inside.y)) < 0.1


def test_sos_and_man_down_over_mqtt(live_url: str, publisher: Publisher) -> None:
    admin = token(live_url, "admin")
    _, inside, _ = _restricted_zone(live_url, admin)
    caller, still = _tag(live_url, admin, "employee"), _tag(live_url, admin, "employee")
    t0 = epoch_ms(recent(400))
    publisher.send(
        f"twin/demo/tags/{caller}/position",
        {"ts": t0, "x_m": inside.x, "y_m": inside.y, "sos": True},
    )
    # Standing still for more than three minutes of device time, reported every 20 s.
    for k in range(12):
        publisher.send(
            f"twin/demo/tags/{still}/position",
            {"ts": t0 + 20_000 * k, "x_m": inside.x + 3, "y_m": inside.y},
        )

    def raised(kind: str, tag: str) -> list[dict[str, Any]]:
        return [
            a
            for a in _get(live_url, admin, "/alarms", state="active")
            if a["kind"] == kind and a["tag"] == tag
        ]

    assert until(lambda: raised("sos", caller))
    down = until(lambda: raised("man_down", still))
    assert down and down[0]["value"] >= 180
