"""Shapes of logins, shop settings and API keys on the API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: str


class SettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    slug: str
    public_key: str
    bot_name: str
    greeting_zh: str
    greeting_en: str
    default_locale: str
    answer_threshold: float | None = None
    clarify_threshold: float | None = None
    identity_secret: str | None = None  # shown to admins only


class MeOut(BaseModel):
    user: UserOut
    tenant: SettingsOut


class SettingsIn(BaseModel):
    """Editable shop settings; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    bot_name: str | None = Field(None, min_length=1, max_length=60)
    greeting_zh: str | None = Field(None, max_length=1000)
    greeting_en: str | None = Field(None, max_length=1000)
    default_locale: Literal["zh", "en"] | None = None
    answer_threshold: float | None = Field(None, ge=0.0, le=1.0, description="confidence to answer directly")
    clarify_threshold: float | None = Field(None, ge=0.0, le=1.0, description="confidence to offer options")

    @field_validator("name", "bot_name", "greeting_zh", "greeting_en")
    @classmethod
    def _strip(cls, v: str | None, info) -> str | None:
        if v is None:
            return v
        v = v.strip()
        if not v and info.field_name in ("name", "bot_name"):
            raise ValueError("must not be blank")
        return v


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class ApiKeyCreated(ApiKeyOut):
    secret: str
