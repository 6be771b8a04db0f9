"""Answers of the hazard-source API: GB 18218 assessments, registered and live."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from twin.plant.schemas import Responsible
from twin.schemas_geojson import Timestamp, absent


class AssessmentTerm(BaseModel):
    """One chemical's share: q (``quantity_t``) against Q, with its β."""

    chemical: str
    quantity_t: float
    critical_quantity_t: float
    beta: float


class Assessment(BaseModel):
    s: float = Field(description="S = Σ q/Q; a major hazard source when S ≥ 1")
    r: float = Field(description="R = α · Σ β · q/Q")
    is_major: bool
    grade: int | None = Field(description="1 (most severe) to 4; null when not major")
    alpha: float
    terms: list[AssessmentTerm]


class LiveFromLevel(Assessment):
    """Live quantities from the newest tank level."""

    basis: Literal["level"]
    sensor: str
    level_pct: float
    ts: Timestamp


class LiveFromRegister(Assessment):
    """No usable level reading: the registered quantities (or design capacities)."""

    basis: Literal["registered quantity (no live level)"]


LiveAssessment = Annotated[LiveFromLevel | LiveFromRegister, Field(discriminator="basis")]


class HazardSource(BaseModel):
    """A hazard source with its assessment at design capacity (``registered``) and now
    (``live``); ``error`` instead of both when an inventory chemical has no rule."""

    code: str
    name: str | None
    name_en: str | None
    kind: str
    zone: str | None
    responsible: Responsible | None
    rule_version: str
    people_outside_500m: int
    error: str | None = Field(default=None, exclude_if=absent)
    registered: Assessment | None = Field(default=None, exclude_if=absent)
    live: LiveAssessment | None = Field(default=None, exclude_if=absent)
