"""Every table of the application, imported once so metadata and migrations see them."""

from twin.alarms.models import Alarm, AlarmEvent
from twin.audit.models import AuditEntry, AuditHead
from twin.auth.models import LoginFailure, User
from twin.db import Base
from twin.drills.models import DrillRun, DrillScenario
from twin.events.models import LoggedEvent
from twin.incidents.models import Incident, IncidentEvent, ThreatZone
from twin.people.models import LatestPosition, Position, Tag
from twin.plant.models import LayerRow
from twin.readings.models import LatestReading, Reading, ReadingRollup
from twin.sites.models import Site

metadata = Base.metadata

__all__ = [
    "Alarm",
    "AlarmEvent",
    "AuditEntry",
    "AuditHead",
    "DrillRun",
    "DrillScenario",
    "Incident",
    "IncidentEvent",
    "LatestPosition",
    "LatestReading",
    "LayerRow",
    "LoggedEvent",
    "LoginFailure",
    "Position",
    "Reading",
    "ReadingRollup",
    "Site",
    "Tag",
    "ThreatZone",
    "User",
    "metadata",
]
