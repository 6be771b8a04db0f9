"""Screenshot the pages of a running twin for the README and reports.

Usage: .venv/bin/python scripts/screenshot.py [--url http://127.0.0.1:8000] [--lang zh-CN]
Writes docs/command-map.png (the 2D big screen), docs/3d-view.png and docs/regulator.png,
through Debian's chromium driven by Playwright (``make setup`` installs both).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from viewer.browser import launch

DOCS = Path(__file__).resolve().parents[1] / "docs"
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


def shoot(page: Page, url: str, user: str, password: str, ready: str, settle_ms: int) -> None:
    page.goto(url)
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login button[type=submit]")
    page.wait_for_function(ready, timeout=60_000)
    page.wait_for_timeout(settle_ms)  # people walk, readings arrive: a lived-in picture


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--lang", default="zh-CN")
    parser.add_argument("--settle-ms", type=int, default=4000)
    args = parser.parse_args()
    with sync_playwright() as pw:
        browser = launch(pw)
        for name, path, user, ready in SHOTS:
            context = browser.new_context(viewport={"width": 1920, "height": 1080})
            context.add_init_script(f"localStorage.setItem('lang', '{args.lang}')")
            page = context.new_page()
            shoot(page, args.url + path, user, args.password, ready, args.settle_ms)
            page.screenshot(path=DOCS / name)
            context.close()
            print(f"wrote docs/{name}")
        browser.close()


if __name__ == "__main__":
    main()
