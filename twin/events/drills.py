"""What of the live protocol belongs to a drill: whoever may not see drills (the regulator)
gets the real plant only, on the stream and in replay alike."""

from __future__ import annotations

from typing import Any

__all__ = ["from_a_drill", "without_drills"]


def from_a_drill(event: dict[str, Any]) -> bool:
    """Whether a live message belongs to a drill (its banner, injects, alarms, incident)."""
    if event.get("type") in ("drill", "inject", "muster", "density") or event.get("drill_id"):
        return True
    return any(
        isinstance(event.get(k), dict) and event[k].get("drill_id") for k in ("alarm", "incident")
    )


def without_drills(snapshot: dict[str, Any]) -> dict[str, Any]:
    return snapshot | {
        "alarms": [a for a in snapshot["alarms"] if not a.get("drill_id")],
        "incidents": [i for i in snapshot["incidents"] if not i.get("drill_id")],
        "drills": [],
    }
