"""The role x permission matrix, as data. Every route names exactly one permission."""

from __future__ import annotations

from typing import Final

ROLES: Final = ("admin", "commander", "safety_engineer", "drill_planner", "regulator", "operator")
ALL = frozenset(ROLES)

PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    "plant:read": ALL,
    "plant:write": frozenset({"admin", "safety_engineer"}),
    "plant:import": frozenset({"admin", "safety_engineer"}),
    # Regulators read and export; operators on the floor see their own area only.
    "plant:export": ALL - {"operator"},
    "sites:write": frozenset({"admin"}),
    "users:read": frozenset({"admin"}),
    "users:write": frozenset({"admin"}),
    "audit:read": frozenset({"admin", "regulator"}),
    "self:read": ALL,
    # The operator on the floor acknowledges; closing needs cause and measures from those
    # who own the follow-up.
    "alarms:ack": frozenset({"admin", "commander", "safety_engineer", "operator"}),
    "alarms:manage": frozenset({"admin", "commander", "safety_engineer"}),
    "metrics:read": frozenset({"admin"}),
    # Declaring, commanding and closing an incident is the command room's job.
    "incidents:command": frozenset({"admin", "commander", "safety_engineer"}),
    # Drills stay inside the enterprise: the regulator's one map never shows them.
    "drills:read": ALL - {"regulator"},
    # Writing scenarios and simulating them is the planners' work; a live drill moves real
    # people, so the command room (or the planner with it) starts and stops it.
    "drills:plan": frozenset({"admin", "drill_planner", "safety_engineer"}),
    "drills:run": frozenset({"admin", "drill_planner", "commander"}),
}


def allowed(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]
