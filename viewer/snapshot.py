"""A PNG of the command map as it is now, for incident reports.

The server opens its own map page in headless Chromium with the caller's token, waits
until the plant is drawn and the live stream has delivered its snapshot, and takes a
screenshot: the picture is exactly what a commander's screen shows, live states included.
"""

from __future__ import annotations

import json

import httpx
from playwright.sync_api import Error as BrowserError
from playwright.sync_api import sync_playwright

from twin.errors import Unavailable
from viewer.browser import launch

__all__ = ["SIZES", "map_png"]

SIZES = {"1080p": (1920, 1080), "4k": (3840, 2160)}
READY_TIMEOUT_MS = 30_000
_READY = (
    "window.twinView?.map?.map?.loaded() && window.twinView.status === 'live'"
    " && window.twinView.map.map.areTilesLoaded()"
)


def map_png(base_url: str, token: str, site: str, lang: str, size: str = "1080p") -> bytes:
    """Screenshot of ``site``'s map page (``size`` is a key of :data:`SIZES`)."""
    width, height = SIZES[size]
    # The browser loads the page from this server: make sure it is reachable at the address
    # the caller used before spending seconds on a browser.
    try:
        httpx.get(f"{base_url}/healthz", timeout=3).raise_for_status()
    except httpx.HTTPError as exc:
        raise Unavailable(f"the map page is not reachable at {base_url}: {exc}") from exc
    with sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            # The page reads its token and language from storage, as after a login.
            context.add_init_script(
                f"sessionStorage.setItem('token', {json.dumps(token)});"
                f"localStorage.setItem('lang', {json.dumps(lang)});"
            )
            page = context.new_page()
            page.goto(f"{base_url}/?screen=wall&site={site}")
            try:
                page.wait_for_function(_READY, timeout=READY_TIMEOUT_MS)
            except BrowserError as exc:
                raise Unavailable(f"the map did not finish drawing: {exc.message[:200]}") from exc
            # One more frame, so feature states set with the snapshot are drawn.
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(null)))")
            return page.screenshot(type="png")
        finally:
            browser.close()
