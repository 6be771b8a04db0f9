"""Picture of the wall while a feed is down: the demo plant live in this process, then
its positioning gateway (the simulated tag walkers) stops publishing, for real, and the
page is taken once the positioning feed has gone down by the rule data's limit.

Usage: .venv/bin/python scripts/screenshot_feed_down.py [--lang zh-CN] [--out docs]
Writes docs/feed-down.png (about 45 s: start, the feed's down limit, the picture). Uses
the database and broker `twin demo run` would (embedded defaults when none is set).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from twin.app import create_app
from twin.cli.demo_cmd import _load_demo
from twin.config import Settings
from twin.db import SessionLimits, make_engine
from twin.embedded.server import serving
from twin.feeds.board import load_feed_rules
from twin.runtime import database
from viewer.browser import launch

ROOT = Path(__file__).resolve().parents[1]
READY = "window.twinView?.map?.map?.loaded() && window.twinView.status === 'live'"
DOWN = "document.querySelector('#status').dataset.state === 'down'"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="zh-CN")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    settings = Settings(demo=True, simulate=True)
    limit_s = load_feed_rules().rule("positioning").down_after_s
    with database(settings) as url:
        _load_demo(url, settings)
        engine = make_engine(url, SessionLimits.of(settings))
        app = create_app(settings.model_copy(update={"database_url": url}), engine, live=True)
        with serving(app) as base, sync_playwright() as pw:
            browser = launch(pw)
            context = browser.new_context(viewport={"width": 1920, "height": 1080})
            context.add_init_script(f"localStorage.setItem('lang', '{args.lang}')")
            page = context.new_page()
            page.goto(base + "/?screen=wall")
            page.fill("#username", "commander")
            page.fill("#password", settings.demo_password.get_secret_value())
            page.click("#login button[type=submit]")
            page.wait_for_function(READY, timeout=60_000)
            page.wait_for_timeout(3000)
            walkers = app.state.live.demo.walkers
            print(f"stopping the positioning gateway; down after {limit_s:.0f} s")
            walkers.stop()
            started = time.monotonic()
            page.wait_for_function(DOWN, timeout=(limit_s + 30) * 1000)
            page.wait_for_timeout(1500)
            page.screenshot(path=args.out / "feed-down.png")
            print(f"wrote {args.out / 'feed-down.png'} ({time.monotonic() - started:.0f} s)")
            browser.close()
        engine.dispose()


if __name__ == "__main__":
    main()
