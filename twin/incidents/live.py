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
from twin.events import log as eventlog
from twin.incidents import service, situation
from twin.incidents.models import Incident
from twin.live.bus import Bus
from twin.routes.service import RouteCache
from twin.sites.models import Site

log = logging.getLogger("twin.incidents")
# Wind and detectors change by the second; a plume model takes milliseconds.
REFRESH_S = 5.0


class IncidentLoop:
    def __init__(self, factory: sessionmaker[Session], bus: Bus) -> None:
        self.factory, self.bus = factory, bus
        self.routes = RouteCache()
        self.refreshes = 0
        self.failures = 0

    async def run(self, period_s: float = REFRESH_S) -> None:
        while True:
            for site, event in await asyncio.to_thread(self.refresh_all):
                self.bus.publish(site, event)
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
        events = []
        for incident_id, site_code in open_ids:
            try:
                events.append((site_code, self.refresh_one(incident_id)))
                self.refreshes += 1
            except Exception:
                self.failures += 1
                log.exception("incident %s not refreshed", incident_id)
        return events

    def refresh_one(self, incident_id: int) -> dict[str, Any]:
        with session_scope(self.factory) as session:
            incident = session.get(Incident, incident_id, with_for_update=True)
            assert incident is not None
            site = session.get(Site, incident.site_id)
            assert site is not None
            situation.refresh(session, site, incident, datetime.now(UTC), self.routes)
            # Whole (zones, people, routes): the maps draw it without asking again, and a
            # replay shows it exactly as it was.
            event = {
                "type": "incident",
                "incident": service.as_dict(session, incident, full=True, steps=False),
            }
            eventlog.record(session, site, event)
            return event
