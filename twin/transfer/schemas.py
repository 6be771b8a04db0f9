"""What an import answers: counts per plant layer and in all."""

from __future__ import annotations

from pydantic import BaseModel, Field

_UNCHANGED = "same properties and geometry as stored: neither written nor audited"


class LayerCounts(BaseModel):
    created: int
    updated: int
    unchanged: int = Field(description=_UNCHANGED)


class ImportReport(BaseModel):
    """Counts per plant layer written, then the totals over them."""

    site: str
    layers: dict[str, LayerCounts]
    created: int
    updated: int
    unchanged: int = Field(description=_UNCHANGED)
