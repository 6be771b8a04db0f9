"""What a change of feed state does: an event for every map of the sites it serves (and
the log, so a replay shows when the plant went blind), and a feed alarm while it is down."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from twin.alarms import raising
from twin.alarms.rules import AlarmRules
from twin.events.emit import emit
from twin.events.types import FeedChanged
from twin.feeds.board import Feed, FeedState
from twin.sites.models import Site

__all__ = ["ALARMED_KINDS", "record_changes"]

# Feeds whose loss raises an alarm. A rejected source fit does not: the zones fall back to
# the declared rate and say so on the incident.
ALARMED_KINDS = frozenset({"mqtt", "modbus", "positioning", "wind"})


def record_changes(session: Session, rules: AlarmRules, changed: list[Feed]) -> None:
    if not changed:
        return
    now = datetime.now(UTC)
    sites = {s.code: s for s in session.scalars(select(Site))}
    for feed in changed:
        targets = [sites[feed.site]] if feed.site in sites else list(sites.values())
        if feed.site is not None and feed.site not in sites:
            continue  # a site deleted meanwhile
        for site in targets:
            emit(
                session,
                FeedChanged(site=site.code, site_id=site.id, ts_utc=now, feed=feed.as_dict()),
            )
            if feed.kind not in ALARMED_KINDS:
                continue
            if feed.state == FeedState.DOWN:
                raising.raise_feed(
                    session, rules, site, feed.key, feed.label, feed.reason or "down", now
                )
            elif feed.state == FeedState.LIVE:
                raising.clear_feed(session, site, feed.key, now)
