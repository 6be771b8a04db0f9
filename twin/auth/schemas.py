from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from twin.auth.permissions import ROLES

Role = Literal["admin", "commander", "safety_engineer", "drill_planner", "regulator", "operator"]
assert set(Role.__args__) == set(ROLES)  # type: ignore[attr-defined]


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int
    role: Role


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    username: str
    display_name: str | None
    role: Role
    locale: str
    is_active: bool


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(min_length=8, max_length=256)
    role: Role
    display_name: str | None = Field(default=None, max_length=128)
    locale: Literal["zh-CN", "en"] = "zh-CN"


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str | None = Field(default=None, min_length=8, max_length=256)
    role: Role | None = None
    display_name: str | None = Field(default=None, max_length=128)
    locale: Literal["zh-CN", "en"] | None = None
    is_active: bool | None = None
