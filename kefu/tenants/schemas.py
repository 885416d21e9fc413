"""Shapes of logins, shop settings and API keys on the API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kefu.limits import LINK_PATTERN
from kefu.tenants.actions import MIN_PASSWORD


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=MIN_PASSWORD, max_length=1024)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: str
    status: str = "offline"


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["online", "busy", "away", "offline"]


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
    facts: dict[str, str] = Field(default_factory=dict, description="the facts the shop set itself")
    fact_defaults: dict[str, str] = Field(default_factory=dict, description="what an unset fact falls back to")
    handoff_policy: dict[str, Any] = Field(default_factory=dict, description="the policy in force")
    service_hours: dict[str, Any] = Field(default_factory=dict)
    timezone: str = "Asia/Shanghai"
    commerce_url: str = ""
    commerce_secret: str | None = None  # shown to admins only
    retention_days: int = 0
    agents_see_contacts: bool = False


def check_zone(v: str) -> str:
    """Accept an IANA time zone name (Asia/Shanghai); anything else is a clear error."""
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(v)
    except Exception as e:
        raise ValueError(f"unknown time zone {v!r}") from e
    return v


class ServiceHours(BaseModel):
    """When people answer chats; outside these hours the bot takes a message."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = Field("Asia/Shanghai", max_length=64)
    days: list[int] = Field(default=[0, 1, 2, 3, 4, 5, 6], description="0 = Monday")
    open: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    close: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        return check_zone(v)

    @field_validator("days")
    @classmethod
    def _days(cls, v: list[int]) -> list[int]:
        if not v or any(d not in range(7) for d in v):
            raise ValueError("days are 0 (Monday) to 6 (Sunday), at least one")
        return sorted(set(v))


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
    facts: dict[str, str] | None = Field(None, max_length=50, description="shop facts answers quote; merged")
    handoff_policy: dict[str, Any] | None = Field(None, description="see kefu/bot/handoff.py DEFAULT_POLICY")
    service_hours: ServiceHours | None = Field(None, description="null or {} = always staffed")
    timezone: str | None = Field(None, max_length=64, description="the shop's IANA time zone; reports cut days in it")
    commerce_url: str | None = Field(None, max_length=500, pattern=f"^({LINK_PATTERN})?$",
                                     description="the shop's own order system; empty = the built-in store")
    commerce_secret: str | None = Field(None, max_length=128, pattern=r"^[\x21-\x7e]*$")
    retention_days: int | None = Field(None, ge=0, le=3650, description="days after closing that a conversation's "
                                       "texts and files are deleted; 0 = kept (docs/privacy.md)")
    agents_see_contacts: bool | None = Field(None, description="agents read phone numbers and addresses in full "
                                             "(false: masked for agents; owners and admins always see them)")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, v: str | None) -> str | None:
        return v if v is None else check_zone(v)

    @field_validator("facts")
    @classmethod
    def _facts(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        if v is None:
            return v
        for key, value in v.items():
            if not key or len(key) > 50 or len(value) > 500:
                raise ValueError("fact names are 1-50 characters, values at most 500")
        return v

    @field_validator("handoff_policy")
    @classmethod
    def _policy(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        from kefu.bot.handoff import check_policy
        from kefu.errors import KefuError

        if v is None:
            return v
        try:
            return check_policy(v)
        except KefuError as e:
            raise ValueError(e.message) from e

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
