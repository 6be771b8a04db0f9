from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class FeedOut(BaseModel):
    key: str
    kind: Literal["mqtt", "modbus", "positioning", "wind", "fit"]
    site: str | None
    label: str
    state: Literal["live", "late", "down"]
    since_utc: datetime
    last_seen_utc: datetime | None
    reason: str | None
