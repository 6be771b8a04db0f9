"""Keep every open incident current: recompute its situation every few seconds and push it
to the maps. Each incident in its own transaction, so one that fails does not hold up the
others (it is logged and tried again next round)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from twin.db import session_scope
from twin.feeds.board import FeedBoard
from twin.incidents import service, situation
from twin.incidents.models import Incident
from twin.routes.service import RouteCache
from twin.sites.models import Site

log = logging.getLogger("twin.incidents")
# Wind and detectors change by the second; a plume model takes milliseconds.
REFRESH_S = 5.0


def fit_feed(incident_id: int) -> str:
    return f"fit:{incident_id}"


class IncidentLoop:
    def __init__(self, factory: sessionmaker[Session], feeds: FeedBoard | None = None) -> None:
        self.factory, self.feeds = factory, feeds
        self.routes = RouteCache()
        self.refreshes = 0
        self.failures = 0

    async def run(self, period_s: float = REFRESH_S) -> None:
        while True:
            try:
                await asyncio.to_thread(self.refresh_all)
            except Exception:  # the database away: the next round tries again
                self.failures += 1
                log.exception("incidents not refreshed")
            await asyncio.sleep(period_s)

    def refresh_all(self) -> list[tuple[str, dict[str, Any]]]:
        with session_scope(self.factory) as session:
            open_ids = list(
                session.execute(
                    select(Incident.id, Site.code)
                    .join(Site, Site.id == Incident.site_id)
                    # A drill's incident follows its scenario, not the live plant: the
                    # drill runner keeps it current.
                    .where(Incident.state == "open", Incident.drill_id.is_(None))
                )
            )
        self._retire_closed({incident_id for incident_id, _ in open_ids})
        events = []
        for incident_id, site_code in open_ids:
            try:
                out = self.refresh_one(incident_id)
                events.append((site_code, out))
                self.refreshes += 1
            except Exception:
                self.failures += 1
                log.exception("incident %s not refreshed", incident_id)
                continue
            self._report_fit(site_code, out)
        return events

    def _report_fit(self, site: str, incident: dict[str, Any]) -> None:
        """The fit of a toxic release is a feed: live while a usable fit drives its zones."""
        if self.feeds is None or incident["kind"] != "toxic_release":
            return
        key = fit_feed(incident["id"])
        self.feeds.declare(key, "fit", site, f"源项反演 / source fit #{incident['id']}")
        situation = incident.get("situation") or {}
        if situation.get("fit"):
            self.feeds.seen(key)
        elif situation.get("fit_rejected"):
            rejected = situation["fit_rejected"]
            self.feeds.fail(
                key,
                f"fit rejected (R² {rejected['r2']:.2f} < {rejected['min_r2']}); "
                f"zones use {situation.get('release_basis', 'the declared rate')}",
            )
        else:
            reason = situation.get("error") or "no detector sees the release"
            self.feeds.fail(key, f"{reason}; zones use {situation.get('release_basis', '—')}")

    def _retire_closed(self, open_ids: set[int]) -> None:
        if self.feeds is None:
            return
        for feed in self.feeds.feeds():
            if feed.kind == "fit" and int(feed.key.split(":")[1]) not in open_ids:
                self.feeds.retire(feed.key)

    def refresh_one(self, incident_id: int) -> dict[str, Any]:
        with session_scope(self.factory) as session:
            incident = session.get(Incident, incident_id, with_for_update=True)
            assert incident is not None
            site = session.get(Site, incident.site_id)
            assert site is not None
            situation.refresh(session, site, incident, datetime.now(UTC), self.routes)
            # Whole (zones, people, routes): the maps draw it without asking again, and a
            # replay shows it exactly as it was.
            return service.changed(session, site, incident, full=True, steps=False)
