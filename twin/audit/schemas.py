"""Answers of the audit API: entries of the hash chain and the chain's check."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from twin.schemas_geojson import Timestamp


class AuditEntryOut(BaseModel):
    id: int
    ts_utc: Timestamp
    actor: str
    action: str = Field(examples=["zones.update"])
    entity: str
    entity_key: str | None
    site: str | None
    before: dict[str, Any] | None = Field(description="the entity before the change, as stored")
    after: dict[str, Any] | None = Field(description="the entity after the change, as stored")
    hash: str = Field(description="sha256 over the previous hash and this entry")


class AuditVerifyReport(BaseModel):
    ok: bool = Field(description="false when rows were altered, deleted or cut")
    checked: int
    head_hash: str
    problems: list[str]
