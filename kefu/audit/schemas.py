"""API shapes of the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: dt.datetime
    actor_type: str
    actor_id: int | None
    actor_name: str
    action: str
    target_type: str
    target_id: str
    detail: dict[str, Any]
    address: str
    user_agent: str


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    # Pass as `before` for the next (older) page; null when this page is the last.
    next_before: int | None
