"""A scenario's release placed on the plant: the consequence model for the scenario's
weather, at the hazard source, in the site's metric CRS, and its zones at any moment of
the drill (growing with the wind, gone once the release has passed).

The same consequence models and the same zone numbering as a real incident, so a drill
shows what an incident would show; only the conditions come from the scenario instead of
the masts and detectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sim.consequence.assessment import Assessment
from sim.consequence.chemicals import Chemical
from sim.consequence.stability import stability_class
from sim.consequence.timeline import Behaviour, Release, zones_at
from twin.drills.models import DrillRun
from twin.drills.schemas import Scenario
from twin.errors import ValidationFailed
from twin.incidents import service as incidents
from twin.incidents.fusion import Wind
from twin.incidents.situation import assess, chemical_table, placed, sky
from twin.plant.models import Installation
from twin.sites.models import Site

__all__ = ["DrillHazard", "drill_hazard", "run_hazard"]

BEHAVIOUR: dict[str, Behaviour] = {
    "toxic_release": "toxic",
    "fire": "fire",
    "explosion": "explosion",
}


@dataclass(frozen=True, slots=True)
class DrillHazard:
    """The scenario's release at its source (``source_xy`` in the site's metric CRS)."""

    source_xy: tuple[float, float]
    chemical: Chemical
    assessment: Assessment
    release: Release
    start_s: float
    wind: Wind
    stability: str

    def zones(self, t_s: float) -> list[incidents.Zone]:
        """The threat zones ``t_s`` seconds into the drill, placed on the plant."""
        return placed(
            zones_at(self.assessment.zones, self.release, t_s - self.start_s), self.source_xy
        )

    def situation(self) -> dict[str, Any]:
        """What the incident panel shows of the release."""
        return {
            "model": self.assessment.model,
            "chemical_name": self.chemical.name_zh,
            "chemical_name_en": self.chemical.name_en,
            "wind": {
                "speed_m_s": self.wind.speed_m_s,
                "from_deg": self.wind.from_deg,
                "sensors": ["scenario"],
            },
            "stability": self.stability,
            "release_basis": "scenario",
            "warnings": [w.as_dict() for w in self.assessment.warnings],
        }


def drill_hazard(session: Session, site: Site, scenario: Scenario, when: datetime) -> DrillHazard:
    """The scenario's release as a drill starting at ``when`` draws it (day or night at
    that moment decides the air's stability unless the scenario gives it)."""
    release = scenario.release
    # The same point a real incident declared at this source is drawn from.
    point = func.ST_Transform(func.ST_PointOnSurface(Installation.geom), site.metric_srid)
    source = session.execute(
        select(Installation.inventory, func.ST_X(point), func.ST_Y(point)).where(
            Installation.site_id == site.id, Installation.code == release.hazard_source
        )
    ).first()
    if source is None:
        raise ValidationFailed(f"no installation {release.hazard_source!r} at {site.code!r}")
    inventory, x, y = source
    name = release.chemical or next((i["chemical"] for i in inventory or []), None)
    table = chemical_table()
    chemical = table.chemical(name or "")
    weather = scenario.weather
    wind = Wind(weather.wind_m_s, weather.wind_from_deg, ("scenario",))
    stability = weather.stability or stability_class(weather.wind_m_s, sky(when))
    assessment = assess(release.kind, chemical, table.version, wind, stability, release.rate_kg_s)
    return DrillHazard(
        (float(x), float(y)),
        chemical,
        assessment,
        Release(BEHAVIOUR[release.kind], weather.wind_m_s, release.duration_s),
        release.start_s,
        wind,
        stability,
    )


def run_hazard(session: Session, site: Site, scenario: Scenario, run: DrillRun) -> DrillHazard:
    """The hazard of a drill run, as of the run's (plant) start."""
    return drill_hazard(session, site, scenario, run.plant_start_utc)
