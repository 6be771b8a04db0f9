"""The web client: pages, its own scripts, and the browser libraries from npm.

The libraries are installed from the npm registry by ``npm ci`` at setup (``viewer/
package-lock.json`` pins them) and served from ``viewer/node_modules``: nothing is
committed, nothing comes from a CDN, so the map works on an air-gapped plant network.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

log = logging.getLogger("viewer")
ROOT = Path(__file__).parent
STATIC = ROOT / "static"
NODE_MODULES = ROOT / "node_modules"
# URL prefix → folder inside node_modules: only what the pages load is reachable.
VENDOR = {
    "maplibre-gl": "maplibre-gl/dist",
    "three/build": "three/build",
    "three/addons": "three/examples/jsm",
    "uplot": "uplot/dist",
}
PAGES = {
    "/": "index.html",
    "/3d": "3d.html",
    "/regulator": "regulator.html",
    "/drills": "drills.html",
}

router = APIRouter(include_in_schema=False)


def _page(name: str) -> FileResponse:
    # no-cache: after an upgrade the wall screen must not keep yesterday's page.
    return FileResponse(
        STATIC / name, media_type="text/html", headers={"Cache-Control": "no-cache"}
    )


@router.get("/")
def index() -> FileResponse:
    """The command map (2D, big screen)."""
    return _page(PAGES["/"])


@router.get("/3d")
def scene() -> FileResponse:
    """The 3D view of the plant."""
    return _page(PAGES["/3d"])


@router.get("/regulator")
def regulator() -> FileResponse:
    """The regulators' read-only one map."""
    return _page(PAGES["/regulator"])


@router.get("/drills")
def drills() -> FileResponse:
    """Drill scenarios, simulations, live drills and their reviews."""
    return _page(PAGES["/drills"])


def missing_libraries() -> list[str]:
    return [prefix for prefix, sub in VENDOR.items() if not (NODE_MODULES / sub).is_dir()]


def mount_assets(app: FastAPI) -> None:
    """Serve the client's own files and the npm libraries (absent ones are logged)."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for prefix, sub in VENDOR.items():
        if (NODE_MODULES / sub).is_dir():
            app.mount(f"/vendor/{prefix}", StaticFiles(directory=NODE_MODULES / sub), name=prefix)
    if missing := missing_libraries():
        log.warning(
            "map libraries missing (%s): run `make setup` (npm ci in viewer/)", ", ".join(missing)
        )
