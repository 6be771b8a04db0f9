"""The key events of a period, for the replay's time bar and for drill reviews: alarms
raised and acknowledged, incident steps (opened, commands, closed), drill starts, injects
and ends. Read from the event log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from twin.errors import ValidationFailed
from twin.replay.frames import Scope
from twin.sites.models import Site

__all__ = ["MAX_KEY_EVENTS", "MAX_PERIOD", "check_period", "key_events"]

MAX_KEY_EVENTS = 5000
MAX_PERIOD = timedelta(days=31)
KEY_KINDS = ("alarm", "incident_step", "drill", "inject")
# Alarm transitions worth a mark on the bar (clears and shelving would crowd it).
KEY_TRANSITIONS = ("raised", "acknowledged", "escalated", "closed")


def check_period(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed("start and end need a time zone (e.g. 2026-12-01T08:00:00Z)")
    if end <= start:
        raise ValidationFailed("end must be after start")
    if end - start > MAX_PERIOD:
        raise ValidationFailed(f"a period is at most {MAX_PERIOD.days} days")


def key_events(
    session: Session, site: Site, start: datetime, end: datetime, scope: Scope
) -> list[dict[str, Any]]:
    """Key events in [start, end), oldest first."""
    check_period(start, end)
    rows = session.execute(
        text(f"""
SELECT e.ts_utc, e.kind, e.drill_id, e.payload FROM event_log e
WHERE e.site_id = :site AND e.ts_utc >= :a AND e.ts_utc < :b AND e.kind = ANY(:kinds)
  AND {scope.where()}
ORDER BY e.ts_utc, e.id LIMIT :limit
"""),
        {
            "site": site.id,
            "a": start,
            "b": end,
            "kinds": list(KEY_KINDS),
            "limit": MAX_KEY_EVENTS,
            **scope.params(),
        },
    )
    out = []
    for ts, kind, drill, payload in rows:
        mark = _mark(kind, payload)
        if mark is not None:
            out.append({"ts": ts.isoformat(), "kind": kind, "drill_id": drill, **mark})
    return out


def _mark(kind: str, p: dict[str, Any]) -> dict[str, Any] | None:
    if kind == "alarm":
        a, transition = p["alarm"], p.get("transition")
        if transition not in KEY_TRANSITIONS:
            return None
        return {
            "what": f"alarm_{transition}",
            "label": a["message"],
            "ref": a["id"],
            "by": a.get("acked_by"),
        }
    if kind == "incident_step":
        return {
            "what": f"incident_{p['kind']}",
            "label": p.get("text") or "",
            "ref": p["incident_id"],
            "by": p.get("actor"),
        }
    if kind == "drill":
        return {"what": f"drill_{p['state']}", "label": p.get("name", ""), "ref": p["drill_id"]}
    return {"what": f"inject_{p['inject']}", "label": p.get("text", ""), "ref": p.get("target")}
