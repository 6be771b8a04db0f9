"""Drills in headless Chromium against the live app: a planner writes and simulates a
scenario on the drills page, a commander runs a live drill and the command map shows it
under its banner, and both are replayed on the map.

Every request of every page is recorded; each test ends by checking that none left
127.0.0.1 and that no page raised an error.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.live.conftest import token
from tests.live.test_command_map import LOCAL, log_in, wait_for_map

# The browser runs in the plant's time zone: the replay's period is typed as the plant
# reads its clocks.
PLANT_TZ = ZoneInfo("Asia/Shanghai")
DRILLS = "/api/v1/sites/demo/drills"
ALARM_SENSOR = "GD-NH3-04"
# How long a live drill goes on after its alarm: the replay ends 3 s after the alarm.
DRILL_SHOWN_S = 5
# What the tests have played, for the replays (a test run alone plays its own).
PLAYED: dict[str, dict[str, Any]] = {}


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="zh-CN", timezone_id=str(PLANT_TZ)
    )
    requested: list[str] = []
    errors: list[str] = []

    def watch(pg: Page) -> None:
        pg.on("request", lambda r: requested.append(r.url))
        pg.on("websocket", lambda ws: requested.append(ws.url))
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("dialog", lambda d: d.accept())  # "start a live drill?", "stop it?"

    ctx.on("page", watch)
    yield ctx
    ctx.close()
    assert requested, "the pages made no requests at all"
    assert [u for u in requested if not u.startswith(LOCAL)] == []
    assert errors == []


def _head(live_url: str, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(live_url, user)}"}


def _scenario(code: str, **changes: Any) -> dict[str, Any]:
    """A small scenario at the first ammonia sphere with one detector alarm at 2 s."""
    return {
        "code": code,
        "name": f"液氨小演练 {code}",
        "duration_s": 120,
        "release": {"hazard_source": "T-NH3-01", "rate_kg_s": 1.5, "duration_s": 100},
        "weather": {"wind_m_s": 2.5, "wind_from_deg": 270},
        "population": {"mode": "template", "template": {"Z-TF1": 10}},
        "injects": [
            {"at_s": 2, "kind": "alarm", "target": ALARM_SENSOR, "text": "氨气二级报警 / NH3 HH"}
        ],
    } | changes


def _save(live_url: str, scenario: dict[str, Any]) -> None:
    r = httpx.post(
        f"{live_url}{DRILLS}/scenarios", json=scenario, headers=_head(live_url, "drill_planner")
    )
    assert r.status_code in (201, 409), r.text


def _simulated(live_url: str) -> dict[str, Any]:
    """A finished simulated run in which people move (the planner's short one is over
    before its evacuation order)."""
    if "simulation" not in PLAYED:
        head = _head(live_url, "drill_planner")
        # Long enough for the people to set off after the order (assumed at 20 s).
        _save(
            live_url,
            _scenario(
                "UI-SIM",
                duration_s=300,
                assumed_response={"evacuation_order_s": 20},
                population={
                    "mode": "template",
                    "template": {"Z-TF1": 10},
                    "premovement": {"kind": "fixed", "low_s": 10},
                },
            ),
        )
        run = httpx.post(f"{live_url}{DRILLS}/scenarios/UI-SIM/simulate", json={}, headers=head)
        deadline = time.monotonic() + 30
        while run.json()["state"] == "running" and time.monotonic() < deadline:
            time.sleep(0.3)
            run = httpx.get(f"{live_url}{DRILLS}/runs/{run.json()['id']}", headers=head)
        PLAYED["simulation"] = run.json()
    return PLAYED["simulation"]


def _live_drill(live_url: str) -> dict[str, Any]:
    """A stopped live drill whose alarm fired: the commander's test's, or one run here."""
    if "live" not in PLAYED:
        head = _head(live_url, "commander")
        _save(live_url, _scenario("UI-LIVE", duration_s=600, population={"mode": "current"}))
        run = httpx.post(f"{live_url}{DRILLS}/scenarios/UI-LIVE/live", json={}, headers=head)
        assert run.status_code == 201, run.text
        try:
            time.sleep(3 + DRILL_SHOWN_S)  # the runner fires the 2 s inject within a tick
        finally:
            stopped = httpx.post(f"{live_url}{DRILLS}/runs/{run.json()['id']}/stop", headers=head)
        PLAYED["live"] = stopped.json()
    return PLAYED["live"]


def _local_input(ts: datetime) -> str:
    """A time as the replay form's datetime-local field takes it, in the plant's zone."""
    return ts.astimezone(PLANT_TZ).strftime("%Y-%m-%dT%H:%M:%S")


def test_a_planner_writes_a_scenario_simulates_it_and_opens_the_report(
    live_url: str, context: BrowserContext
) -> None:
    page = context.new_page()
    log_in(page, live_url, "drill_planner", "/drills")
    page.wait_for_selector("#scenario-list thead")
    page.click("#new-scenario")
    # Saving an empty form is refused on the page, next to the field.
    page.click("#save-scenario")
    assert "必填" in page.inner_text("[data-where='code'] .err")
    page.fill("[name=code]", "UI-FORM")
    page.fill("[name=name]", "表单小演练")
    page.fill("[name=duration_s]", "120")
    page.select_option("[name='release.hazard_source']", "T-NH3-01")
    page.fill("[name='release.rate_kg_s']", "1.5")
    page.fill("[name='release.duration_s']", "100")
    page.select_option("[name='population.mode']", "template")
    page.click("#add-zone")
    page.select_option("#template-rows [name=zone]", "Z-TF1")
    page.fill("#template-rows [name=people]", "10")
    page.click("#add-inject")
    page.fill(".inject [name=at_s]", "2")
    page.select_option(".inject [name=kind]", "alarm")
    page.select_option(".inject [name=target]", ALARM_SENSOR)
    page.fill(".inject [name=text]", "氨气二级报警 / ammonia high-high")
    # A route the site does not have: the server's reason shows next to the field.
    page.fill("#route-pick", "RE-NOPE")
    page.click("#add-route")
    page.click("#save-scenario")
    page.wait_for_selector("[data-where='blocked_routes'].invalid")
    assert "RE-NOPE" in page.inner_text("[data-where='blocked_routes'] > .err")
    page.click("#route-chips button[data-remove]")
    page.click("#save-scenario")
    page.wait_for_selector("#scenario-list tr[data-code='UI-FORM']")
    assert "UI-FORM v1" in page.inner_text("#form-status")

    page.click("#scenario-list tr[data-code='UI-FORM'] button[data-simulate]")
    page.wait_for_selector("#result table.measures", timeout=30000)
    measures = page.locator("#result table.measures tbody tr")
    keys = {measures.nth(i).get_attribute("data-key") for i in range(measures.count())}
    assert {"alarm_to_ack_s", "muster_complete_s", "missing_at_muster"} <= keys
    verdicts = page.locator("#result .verdict").all_inner_texts()
    assert set(verdicts) <= {"达标", "未达标", "无目标"} and "达标" in verdicts
    assert page.inner_text("#result [data-score]").endswith("%")
    assert page.locator("#muster-chart canvas").first.is_visible()
    with (
        page.expect_response(lambda r: "/report.html" in r.url) as response,
        context.expect_page() as popup,
    ):
        page.click("#result button[data-report=html]")
    assert response.value.status == 200
    report = popup.value
    report.wait_for_load_state()
    assert "Drill evaluation" in report.title()


def test_a_live_drill_started_from_the_drills_page_shows_on_the_command_map(
    live_url: str, context: BrowserContext
) -> None:
    _save(live_url, _scenario("UI-LIVE", duration_s=600, population={"mode": "current"}))
    drills, wall = context.new_page(), context.new_page()
    log_in(wall, live_url, "commander")
    wait_for_map(wall)
    log_in(drills, live_url, "commander", "/drills")
    drills.wait_for_selector("#scenario-list thead")
    # The commander runs drills but does not write or simulate them.
    row = drills.locator("#scenario-list tr[data-code='UI-LIVE']")
    assert row.locator("button[data-simulate]").count() == 0
    row.locator("button[data-live]").click()
    drills.wait_for_selector("#live-notice:not(.hidden)")
    run_id = int(drills.evaluate("window.twinDrills.runs.find(r => r.state === 'running').id"))
    try:
        banner = wall.locator("#drill-banner")
        banner.wait_for(state="visible", timeout=10000)
        assert "演练 DRILL — 液氨小演练 UI-LIVE" in banner.inner_text()
        # The inject fires: its alarm is listed under a DRILL badge, its incident too.
        alarm = wall.locator("#alarms li.drill", has_text=ALARM_SENSOR)
        alarm.wait_for(timeout=15000)
        assert alarm.locator(".drill-badge").inner_text() == "演练 DRILL"
        assert wall.locator("#alarms li:not(.drill) .drill-badge").count() == 0
        assert ALARM_SENSOR in banner.locator(".drill-ticker").inner_text()
        # The commander handles it as a real one: acknowledged, and a command given.
        alarm.locator("button[data-ack]").click()
        wall.wait_for_selector("#alarms li.drill:not(.unacked)")
        incident = wall.locator(".incident.drill")
        incident.locator(".drill-badge").wait_for(timeout=10000)
        incident.locator("form[data-command] input").fill("启动水幕 (演练)")
        incident.locator("form[data-command] button").click()
        # Some seconds of drill with its alarm up: a replay at ×60 shows each for 1/60.
        wall.wait_for_timeout(DRILL_SHOWN_S * 1000)
    finally:
        drills.click("#live-notice button[data-stop]")
    wall.wait_for_selector("#drill-banner", state="hidden", timeout=10000)
    wall.wait_for_selector("#alarms li.drill", state="detached", timeout=10000)
    drills.wait_for_selector(f"#run-list tr[data-run='{run_id}'][data-state='stopped']")
    PLAYED["live"] = httpx.get(
        f"{live_url}{DRILLS}/runs/{run_id}", headers=_head(live_url, "commander")
    ).json()


def test_drills_are_replayed_on_the_command_map(live_url: str, context: BrowserContext) -> None:
    drill = _live_drill(live_url)
    started = datetime.fromisoformat(drill["plant_start_utc"])
    alarm_at = started + timedelta(seconds=drill["result"]["first_alarm_s"])
    page = context.new_page()
    log_in(page, live_url, "commander")
    wait_for_map(page)
    # From before the drill to a moment while its alarm was up: at ×60 frames may come in
    # bursts faster than the screen paints, so the picture is judged where the replay ends.
    page.click("#replay-open")
    page.fill("#replay-from", _local_input(started - timedelta(seconds=30)))
    page.fill("#replay-to", _local_input(alarm_at + timedelta(seconds=3)))
    page.select_option("#replay-speed-pick", "60")
    page.click("#replay-go")
    page.wait_for_function(
        "document.getElementById('status-text').textContent.includes('已结束')", timeout=20000
    )
    assert page.inner_text("#status-text").startswith("回放 REPLAY")
    assert page.get_attribute("#status", "data-state") == "replay"
    assert "演练 DRILL — 液氨小演练 UI-LIVE" in page.inner_text("#drill-banner")
    alarm = page.locator("#alarms li.drill", has_text=ALARM_SENSOR)
    assert alarm.locator(".drill-badge").inner_text() == "演练 DRILL"
    assert alarm.locator("button[data-ack]").count() == 0  # the past is not acknowledged
    # The drill's start on the time bar: a click seeks there (before the alarm), and
    # played at ×1 the alarm comes back.
    page.select_option("#replay-speed", "1")
    page.locator("#replay-ticks .tick[data-what='drill_running'][title*='UI-LIVE']").click(
        force=True
    )
    alarm.wait_for(state="detached", timeout=10000)
    alarm.wait_for(timeout=10000)
    assert page.locator("#drill-banner").is_visible()
    page.click("#replay-live")
    wait_for_map(page)

    # A simulated run's replay, opened by its address as the drills page links it.
    run = _simulated(live_url)
    period = {"start": run["plant_start_utc"], "end": run["plant_end_utc"], "speed": 60}
    page.goto(f"{live_url}/?{urlencode({'replay': run['drill_id']} | period)}")
    page.wait_for_function(
        "window.twinView?.map?.map?.queryRenderedFeatures({layers: ['people']}).length > 0",
        timeout=20000,
    )
    assert "模拟 SIMULATION" in page.inner_text("#drill-banner")
    page.locator("#drill-banner .drill-muster").wait_for(timeout=10000)
    assert page.get_attribute("#status", "data-state") == "replay"
    # The crowd on each link is drawn over the network as the simulation had it.
    page.wait_for_function(
        "window.twinView.map.map.queryRenderedFeatures({layers: ['route_edges-crowd']})"
        ".some(f => (f.state.density || 0) > 0)",
        timeout=20000,
    )


def test_the_regulator_is_refused_the_drills_page(live_url: str, context: BrowserContext) -> None:
    page = context.new_page()
    log_in(page, live_url, "regulator", "/drills")
    refused = page.locator("#forbidden")
    refused.wait_for()
    assert "您的角色无权查看演练" in refused.inner_text()
    assert page.locator("#app").is_hidden()
