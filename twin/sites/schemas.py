from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SiteCode = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]*$")
# GB 32100-2015: 18 characters from digits and capitals without I, O, Z, S, V.
CreditCode = Field(default=None, pattern=r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class SiteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str = SiteCode
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    credit_code: str | None = CreditCode
    metric_srid: int | None = Field(default=None, description="EPSG of the metric CRS; "
                                    "default: the CGCS2000 3-degree GK zone of the site")
    boundary: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon")


class SitePatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    credit_code: str | None = CreditCode
    boundary: dict[str, Any] | None = None


class SiteOut(BaseModel):
    code: str
    name: str
    name_en: str | None
    credit_code: str | None
    metric_srid: int
    boundary: dict[str, Any]
    bbox: list[float]
