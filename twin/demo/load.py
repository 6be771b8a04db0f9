"""Load the demo plant (``data/demo``) and the demo accounts; safe to run repeatedly."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from twin.auth import service as auth_service
from twin.auth.permissions import ROLES
from twin.demo.datafiles import DATA_DIR
from twin.drills import service as drills
from twin.errors import NotFound
from twin.people import service as people
from twin.sites import service as sites
from twin.sites.schemas import SiteIn
from twin.transfer.service import ImportReport, import_file

DEMO = DATA_DIR / "demo"
DEMO_ACTOR = "system:demo"


def ensure_site(session: Session, site_json: Path, actor: str) -> sites.Site:
    """The site described by ``site_json`` (EPSG:4490 boundary), created when missing."""
    spec = json.loads(site_json.read_text(encoding="utf-8"))
    try:
        return sites.get_site(session, spec["code"])
    except NotFound:
        return sites.create_site(session, actor, SiteIn(**spec), srid=4490)


def load_demo_plant(session: Session, actor: str = DEMO_ACTOR) -> ImportReport:
    site = ensure_site(session, DEMO / "site.json", actor)
    return import_file(session, site, DEMO / "plant.geojson", actor)


def ensure_demo_users(session: Session, password: str) -> list[str]:
    """One account per role, named after the role; returns the ones created now."""
    return [
        role
        for role in ROLES
        if auth_service.ensure_user(session, DEMO_ACTOR, role, role, password)
    ]


def ensure_demo_people(session: Session) -> list[str]:
    """Issue the demo's positioning tags (``data/demo/people.yaml``) that are missing."""
    site = sites.get_site(session, "demo")
    have = {t.code for t in people.list_tags(session, site)}
    spec = yaml.safe_load((DEMO / "people.yaml").read_text(encoding="utf-8"))
    created = []
    for tag in spec["tags"]:
        if tag["code"] not in have:
            people.create_tag(session, site, DEMO_ACTOR, {"technology": "uwb", **tag})
            created.append(tag["code"])
    return created


def ensure_demo_scenarios(session: Session) -> list[str]:
    """Save the demo's drill scenarios (``data/drills/*.yaml``) that the site lacks, so a
    planner opening the drills page finds one ready; returns the codes saved now."""
    site = sites.get_site(session, "demo")
    have = {row.code for row in drills.list_scenarios(session, site)}
    saved = []
    for path in sorted((DATA_DIR / "drills").glob("*.yaml")):
        scenario = drills.parse_scenario(yaml.safe_load(path.read_text(encoding="utf-8")))
        if scenario.code not in have:
            drills.save_scenario(session, site, DEMO_ACTOR, scenario, new=True)
            saved.append(scenario.code)
    return saved
