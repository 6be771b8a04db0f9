from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

SiteCode = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]*$")

# GB 32100-2015 unified social credit code: 18 characters over this 31-character alphabet
# (no I, O, S, V, Z); the last is a check character over the first 17.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def _valid_uscc(code: str | None) -> str | None:
    if code is None:
        return None
    if len(code) != 18 or any(c not in _USCC_ALPHABET for c in code) or not code[2:8].isdigit():
        raise ValueError("a unified social credit code has 18 characters (GB 32100-2015)")
    if uscc_check_char(code[:17]) != code[17]:
        raise ValueError(f"check character should be {uscc_check_char(code[:17])!r}")
    return code


CreditCode = Annotated[str | None, AfterValidator(_valid_uscc)]


class SiteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str = SiteCode
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    credit_code: CreditCode = None
    metric_srid: int | None = Field(
        default=None,
        description="EPSG of the metric CRS; default: the CGCS2000 3-degree GK zone of the site",
    )
    boundary: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon")
    people_outside_500m: int = Field(default=0, ge=0, description="GB 18218 α input")


class SitePatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    credit_code: CreditCode = None
    boundary: dict[str, Any] | None = None
    people_outside_500m: int | None = Field(default=None, ge=0)


class SiteOut(BaseModel):
    code: str
    name: str
    name_en: str | None
    credit_code: str | None
    metric_srid: int
    people_outside_500m: int
    boundary: dict[str, Any]
    bbox: list[float]
