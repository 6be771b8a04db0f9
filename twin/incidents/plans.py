"""Emergency plans as versioned data: ``data/plans/{site}.yaml``, one plan per hazard family.

A plan names the installations it covers, its response level, its first actions (Chinese
and English), the duty phone, and the targets a drill is scored against.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

PLANS = Path(__file__).resolve().parents[2] / "data" / "plans"


class Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    zh: str
    en: str


class Targets(BaseModel):
    """What a drill of this plan must achieve. Times count from the first alarm; the last
    three default to the rule every plan shares: everyone accounted for, nobody off the
    route they were given, nobody inside the most severe zone."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    alarm_to_ack_s: float = Field(gt=0)
    first_command_s: float = Field(gt=0)
    muster_complete_s: float = Field(gt=0)
    missing_at_muster: int = Field(default=0, ge=0)
    route_deviations: int = Field(default=0, ge=0)
    exposure_severe_person_min: float = Field(default=0.0, ge=0)


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    name: str
    name_en: str
    sources: list[str]
    response_level: str
    actions: list[Action]
    duty_phone: str
    targets: Targets


class PlanBook(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    version: str
    plans: list[Plan]


@lru_cache
def plan_book(site: str) -> PlanBook | None:
    path = PLANS / f"{site}.yaml"
    if not path.exists():
        return None
    return PlanBook.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def plan_for(site: str, installation: str | None) -> tuple[Plan, str] | None:
    """The plan covering ``installation`` at ``site`` and the plan book's version."""
    book = plan_book(site)
    if book is None or installation is None:
        return None
    for plan in book.plans:
        if installation in plan.sources:
            return plan, book.version
    return None
