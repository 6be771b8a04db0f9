"""Screenshot the pages of a running twin for the README and reports.

Usage: .venv/bin/python scripts/screenshot.py [--url http://127.0.0.1:8000] [--lang zh-CN]
       [--only drills.png drill-banner.png] [--out docs]
Writes docs/command-map.png (the 2D big screen), docs/3d-view.png, docs/regulator.png,
docs/incident.png (an ammonia release declared on the live plant, closed afterwards),
docs/drills.png (the drills page with a simulated drill's evaluation) and
docs/drill-banner.png (the command map during a live drill), through Debian's chromium
driven by Playwright (``make setup`` installs both). The drill pictures save the demo
scenario (data/drills/nh3-sphere-west-wind.yaml) if the site lacks it, simulate it, and
run it live for about half a minute (stopped afterwards): run this against the demo.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, sync_playwright

from viewer.browser import launch

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SCENARIO = ROOT / "data" / "drills" / "nh3-sphere-west-wind.yaml"
SCENARIO_CODE = "NH3-S1-WEST"
DRILLS = "/api/v1/sites/demo/drills"
# (file, path, user, ready condition in the page)
SHOTS = [
    (
        "command-map.png",
        "/?screen=wall",
        "commander",
        "window.twinView?.map?.map?.loaded() && window.twinView.status === 'live'",
    ),
    ("3d-view.png", "/3d", "commander", "window.twinScene?.rendered > 30"),
    (
        "regulator.png",
        "/regulator",
        "regulator",
        "window.twinRegulator?.summary && window.twinRegulator.map.map.loaded()",
    ),
]
# The incident loop draws zones and routes within its 5 s period (once the masts report).
INCIDENT_TIMEOUT_MS = 30_000
# The live drill's first inject (a detector alarm) comes 15 s in; its zones 5 s later.
DRILL_ALARM_TIMEOUT_MS = 60_000
DRILL_ZONES_SETTLE_MS = 7_000


def shoot(page: Page, url: str, user: str, password: str, ready: str, settle_ms: int) -> None:
    page.goto(url)
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login button[type=submit]")
    page.wait_for_function(ready, timeout=60_000)
    page.wait_for_timeout(settle_ms)  # people walk, readings arrive: a lived-in picture


def api_headers(url: str, user: str, password: str) -> dict[str, str]:
    r = httpx.post(f"{url}/api/v1/auth/token", data={"username": user, "password": password})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def ensure_scenario(url: str, password: str) -> None:
    """The demo scenario on the site (409: it is there already)."""
    r = httpx.post(
        f"{url}{DRILLS}/scenarios",
        content=SCENARIO.read_bytes(),
        headers=api_headers(url, "drill_planner", password) | {"Content-Type": "application/yaml"},
    )
    if r.status_code not in (201, 409):
        raise SystemExit(f"cannot save the demo scenario: {r.status_code} {r.text}")


def shoot_drills(browser: Browser, url: str, password: str, lang: str, out: Path) -> None:
    """The drills page after simulating the demo scenario: measures and muster curve."""
    page = new_page(browser, lang)
    shoot(page, url + "/drills", "drill_planner", password, "window.twinDrills?.runs", 500)
    page.click(f"#scenario-list tr[data-code='{SCENARIO_CODE}'] button[data-simulate]")
    page.wait_for_selector("#muster-chart canvas", timeout=60_000)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(500)
    page.screenshot(path=out / "drills.png")
    page.context.close()


def shoot_drill_banner(browser: Browser, url: str, password: str, lang: str, out: Path) -> None:
    """The wall during a live drill: banner, drill alarm and the drill incident's zones."""
    page = new_page(browser, lang)
    shoot(page, url + "/?screen=wall", "commander", password, SHOTS[0][3], 1000)
    head = api_headers(url, "commander", password)
    r = httpx.post(f"{url}{DRILLS}/scenarios/{SCENARIO_CODE}/live", json={}, headers=head)
    if r.status_code != 201:
        raise SystemExit(f"cannot start the live drill: {r.status_code} {r.text}")
    try:
        page.wait_for_selector("#alarms li.drill", timeout=DRILL_ALARM_TIMEOUT_MS)
        page.wait_for_timeout(DRILL_ZONES_SETTLE_MS)
        page.screenshot(path=out / "drill-banner.png")
    finally:
        httpx.post(f"{url}{DRILLS}/runs/{r.json()['id']}/stop", headers=head)
        page.context.close()


def shoot_incident(browser: Browser, url: str, password: str, lang: str, out: Path) -> None:
    """The wall with an ammonia release declared at sphere 1: its zones from the live
    wind, the leak, the routes out and in, the incident panel (closed afterwards)."""
    page = new_page(browser, lang)
    shoot(page, url + "/?screen=wall", "commander", password, SHOTS[0][3], 1000)
    head = api_headers(url, "commander", password)
    r = httpx.post(
        f"{url}/api/v1/sites/demo/incidents",
        json={"kind": "toxic_release", "hazard_source": "T-NH3-01", "release_kg_s": 2.0},
        headers=head,
    )
    if r.status_code != 201:
        raise SystemExit(f"cannot declare the incident: {r.status_code} {r.text}")
    try:
        page.wait_for_function(
            "window.twinView.map.map.queryRenderedFeatures({layers: ['routes']}).length > 0",
            timeout=INCIDENT_TIMEOUT_MS,
        )
        page.wait_for_timeout(1000)
        page.screenshot(path=out / "incident.png")
    finally:
        httpx.post(
            f"{url}/api/v1/sites/demo/incidents/{r.json()['id']}/close",
            json={"summary": "截图 / screenshot"},
            headers=head,
        )
        page.context.close()


def new_page(browser: Browser, lang: str) -> Page:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    context.add_init_script(f"localStorage.setItem('lang', '{lang}')")
    # The drills page asks before starting or stopping a live drill.
    context.on("page", lambda pg: pg.on("dialog", lambda d: d.accept()))
    return context.new_page()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--lang", default="zh-CN")
    parser.add_argument("--settle-ms", type=int, default=4000)
    parser.add_argument("--out", type=Path, default=DOCS)
    parser.add_argument(
        "--only", nargs="*", help="the pictures to make (file names); all by default"
    )
    args = parser.parse_args()
    extra = ["incident.png", "drills.png", "drill-banner.png"]
    wanted = set(args.only or [name for name, *_ in SHOTS] + extra)
    with sync_playwright() as pw:
        browser = launch(pw)
        for name, path, user, ready in SHOTS:
            if name not in wanted:
                continue
            page = new_page(browser, args.lang)
            shoot(page, args.url + path, user, args.password, ready, args.settle_ms)
            page.screenshot(path=args.out / name)
            page.context.close()
            print(f"wrote {args.out / name}")
        if "incident.png" in wanted:
            shoot_incident(browser, args.url, args.password, args.lang, args.out)
            print(f"wrote {args.out / 'incident.png'}")
        if wanted & {"drills.png", "drill-banner.png"}:
            ensure_scenario(args.url, args.password)
        if "drills.png" in wanted:
            shoot_drills(browser, args.url, args.password, args.lang, args.out)
            print(f"wrote {args.out / 'drills.png'}")
        if "drill-banner.png" in wanted:
            shoot_drill_banner(browser, args.url, args.password, args.lang, args.out)
            print(f"wrote {args.out / 'drill-banner.png'}")
        browser.close()


if __name__ == "__main__":
    main()
