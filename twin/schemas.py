"""Answers that belong to no one domain."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class HealthOut(BaseModel):
    status: str
    version: str
    postgis: str | None = None
    database: str | None = None
    database_checked_s_ago: float | None = None
    degraded_feeds: list[dict[str, Any]] = []
    error: str | None = None
