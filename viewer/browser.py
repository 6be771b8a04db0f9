"""Headless Chromium for the map's snapshots, screenshots, benchmarks and browser tests.

Debian's ``chromium`` package, driven by Playwright through ``executable_path`` (no browser
download). WebGL comes from SwiftShader, so the map renders on a server without a GPU.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    # Chromium's own background traffic would leave the plant network: none of it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Software WebGL (SwiftShader through ANGLE): MapLibre and three.js need WebGL, and
    # Chromium no longer falls back to it by itself.
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist",
]


def launch(playwright: Playwright) -> Browser:
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `make setup` (installs Debian's chromium)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
