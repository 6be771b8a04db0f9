"""A drill scenario as a planner writes it (YAML or JSON file, the API, the web form).

Checked here for shape and ranges; checked against the site (its hazard sources,
sensors, zones, route edges) by :func:`twin.drills.service.check_against_site`, so a
mistake gets a 422 with the field and the reason before anything is stored.
"""

from __future__ import annotations

from datetime import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from twin.schemas_geojson import Timestamp

__all__ = [
    "AssumedResponse",
    "Inject",
    "Population",
    "PreMovementIn",
    "ReleaseIn",
    "RunIn",
    "Scenario",
    "WeatherIn",
]

Code = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
# A drill longer than a shift is planned as several.
MAX_DURATION_S = 8 * 3600.0
MAX_PEOPLE = 20_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReleaseIn(_Strict):
    """What happens at the hazard source: a toxic release, a fire or an explosion."""

    hazard_source: str = Code
    kind: Literal["toxic_release", "fire", "explosion"] = "toxic_release"
    chemical: str | None = Field(default=None, max_length=64)
    rate_kg_s: float = Field(gt=0, le=10_000)
    duration_s: float = Field(gt=0, le=MAX_DURATION_S)
    # Seconds after the drill starts.
    start_s: float = Field(default=0.0, ge=0, le=MAX_DURATION_S)


class WeatherIn(_Strict):
    wind_m_s: float = Field(ge=0.5, le=30)
    wind_from_deg: float = Field(ge=0, lt=360)
    # Pasquill class; by default from the wind and the time of day.
    stability: Literal["A", "B", "C", "D", "E", "F"] | None = None


class PreMovementIn(_Strict):
    """Pre-movement time after the evacuation order (see sim.evacuation.PreMovement):
    ``lognormal`` through a 1st and a 99th percentile (``low_s``, ``high_s``, as PD 7974-6
    and ISO/TR 16738 give them), ``uniform`` between them, or ``fixed`` at ``low_s``."""

    kind: Literal["lognormal", "uniform", "fixed"] = "lognormal"
    low_s: float = Field(default=30.0, gt=0, le=3600)
    high_s: float = Field(default=120.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _ordered(self) -> PreMovementIn:
        if self.kind != "fixed" and self.high_s < self.low_s:
            raise ValueError("high_s must not be below low_s")
        return self


class Population(_Strict):
    """Who is on site: the people positioned now, or a staffing template per zone."""

    mode: Literal["current", "template"] = "current"
    template: dict[str, int] = Field(default_factory=dict)
    premovement: PreMovementIn = PreMovementIn()

    @model_validator(mode="after")
    def _template(self) -> Population:
        if self.mode == "template":
            if not self.template:
                raise ValueError("a template population names at least one zone")
            if any(n < 0 for n in self.template.values()):
                raise ValueError("people per zone cannot be negative")
            if sum(self.template.values()) > MAX_PEOPLE:
                raise ValueError(f"at most {MAX_PEOPLE} people")
        return self


class Inject(_Strict):
    """Something the drill makes happen at ``at_s``: a detector alarm, a phone report, a
    failed pump, a casualty (a person down), or a note for the timeline."""

    at_s: float = Field(ge=0, le=MAX_DURATION_S)
    kind: Literal["alarm", "phone_report", "pump_failure", "casualty", "note"]
    # The sensor of an alarm, the equipment of a failure, the zone of a casualty.
    target: str | None = Field(default=None, max_length=64)
    text: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _target(self) -> Inject:
        if self.kind in ("alarm", "pump_failure", "casualty") and not self.target:
            raise ValueError(f"a {self.kind} inject names its target")
        return self


class AssumedResponse(_Strict):
    """A simulation has nobody to acknowledge or command: the response times it assumes
    (reported as assumed, never as measured)."""

    alarm_to_ack_s: float = Field(default=60.0, ge=0, le=3600)
    first_command_s: float = Field(default=120.0, ge=0, le=3600)
    # The evacuation order, counted from the first alarm; people start after it.
    evacuation_order_s: float = Field(default=90.0, ge=0, le=3600)


class Scenario(_Strict):
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    # Local plant time the drill is set at (day or night decides the air's stability).
    time_of_day: time = time(10, 0)
    duration_s: float = Field(default=900.0, ge=60, le=MAX_DURATION_S)
    release: ReleaseIn
    weather: WeatherIn
    population: Population = Population()
    blocked_routes: list[str] = Field(default_factory=list, max_length=500)
    injects: list[Inject] = Field(default_factory=list, max_length=200)
    assumed_response: AssumedResponse = AssumedResponse()
    # Opens the drill incident at the first alarm (otherwise a commander declares it).
    auto_declare: bool = True
    # Evacuation random draws (pre-movement, template placement): same seed, same drill.
    seed: int = Field(default=1, ge=0, le=2**31 - 1)

    @model_validator(mode="after")
    def _within_duration(self) -> Scenario:
        late = [i.at_s for i in self.injects if i.at_s > self.duration_s]
        if late:
            raise ValueError(f"injects at {late} s fall after the drill ends")
        if self.release.start_s >= self.duration_s:
            raise ValueError("the release starts after the drill ends")
        return self


class RunIn(_Strict):
    """Which version of a scenario to run (the newest by default)."""

    version: int | None = Field(default=None, ge=1)


class ScenarioOut(BaseModel):
    """One stored version of a scenario."""

    code: str
    version: int
    name: str
    created_utc: Timestamp
    created_by: str
    scenario: dict[str, Any] = Field(description="the scenario as saved (see Scenario)")


class RunScenario(BaseModel):
    code: str
    version: int
    name: str


class RunBase(BaseModel):
    id: int
    drill_id: str
    mode: str = Field(description="simulation or live")
    state: str = Field(description="running, finished, stopped or failed")
    scenario: RunScenario
    plant_start_utc: Timestamp
    plant_end_utc: Timestamp | None
    started_utc: Timestamp
    started_by: str
    ended_utc: Timestamp | None
    ended_by: str | None


class RunOut(RunBase):
    result: dict[str, Any] | None = Field(
        description="the evaluation: measures with their basis, score, muster curve"
    )


class RunSummary(RunBase):
    """A run in a list: its score instead of the whole result."""

    score: float | None
