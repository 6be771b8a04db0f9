"""Screenshot the built-in map page of a running twin (for the README and reports).

Usage: .venv/bin/python scripts/screenshot.py [--url URL] [--out docs/demo-map.png]
Drives Debian's chromium (apt-get install chromium fonts-noto-cjk) through Playwright.
"""

from __future__ import annotations

import argparse

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
# Chromium's own background traffic fails on an air-gapped network; switch it off.
QUIET = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="docs/demo-map.png")
    parser.add_argument("--user", default="safety_engineer")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--lang", default="zh-CN")
    args = parser.parse_args()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=QUIET)
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.goto(args.url)
        page.select_option("#lang", args.lang)
        page.fill("#username", args.user)
        page.fill("#password", args.password)
        page.click("button[type=submit]")
        page.wait_for_selector("#map circle", timeout=30_000)
        page.click("#map [data-layer=installations]")
        page.wait_for_timeout(500)
        page.screenshot(path=args.out)
        browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
