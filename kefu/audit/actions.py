"""Write and read the audit log: `record(db, principal, action, target, **detail)` in the route's transaction."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kefu.access import Principal
from kefu.audit.models import AuditEntry
from kefu.config import get_settings
from kefu.db import utcnow

log = logging.getLogger(__name__)

# The action codes, by the part before the dot (the console's filter groups them the same way).
ACTIONS = {
    "settings": ("updated", "identity_secret_rotated"),
    "knowledge": ("point_created", "point_updated", "point_deleted", "imported", "term_created", "term_updated",
                  "term_deleted"),
    "learning": ("point_created", "added_to_point", "ignored"),
    "routing": ("group_created", "group_updated", "group_deleted"),
    "agent": ("created", "updated", "deleted", "role_changed"),
    "api_key": ("created", "revoked"),
    "export": ("knowledge", "report", "audit"),
    "pack": ("imported", "reviewed", "updated", "rolled_back", "auto_update_set"),
    "products": ("imported",),
    "store": ("product_created", "product_updated", "product_deleted", "order_created", "order_updated",
              "shipment_added", "tracking_added", "return_updated"),
    "flow": ("updated",),
}
# Logins and passwords have plain codes (the filter "login" finds the three login codes).
PLAIN = ("login", "login_failed", "login_locked", "password_changed")
CODES = frozenset([*(f"{group}.{name}" for group, names in ACTIONS.items() for name in names), *PLAIN])
# Detail keys that never go in, whatever a caller passes: the log names what changed, not secret values.
SECRET_WORDS = ("secret", "password", "token", "hash", "key")
MAX_TEXT = 80
MAX_ITEMS = 50


def _value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [str(v)[:MAX_TEXT] for v in list(value)[:MAX_ITEMS]]
    return str(value)[:MAX_TEXT]


def clean_detail(detail: dict[str, Any]) -> dict[str, Any]:
    """Keep detail small and flat: short texts, numbers, lists of names; drop any key that names a secret."""
    return {k: _value(v) for k, v in detail.items() if not any(w in k.lower() for w in SECRET_WORDS)}


def changed(before: Any, after: Any) -> list[str]:
    """The names of the fields whose values differ between two pydantic models of one thing (updated_at aside)."""
    old, new = before.model_dump(), after.model_dump()
    return sorted(k for k in new if k != "updated_at" and old.get(k) != new[k])


def cli(tenant_id: int) -> Principal:
    """Who a `kefu` command acts as: whoever runs it on the server, recorded as the kefu CLI."""
    return Principal(tenant_id=tenant_id, role="cli", address="local", user_agent="kefu CLI")


def record(db: Session, who: Principal, action: str, target: tuple[str, Any] | None = None, **detail: Any) -> None:
    """Add an entry for who's action on target (type, id) to the shop's log, in db's transaction (so an action
    that is rolled back leaves no entry), and delete the shop's entries past the retention period."""
    if action not in CODES:
        raise ValueError(f"unknown audit action {action!r}: add it to ACTIONS")
    if who.user is not None:
        actor = ("user", who.user.id, who.user.name or who.user.email)
    elif who.api_key is not None:
        actor = ("api", who.api_key.id, who.api_key.name)
    else:  # the command line (cli()) or an API key of unknown name
        actor = ("cli", None, "kefu CLI") if who.role == "cli" else ("api", None, "")
    target_type, target_id = target if target is not None else ("", "")
    db.add(AuditEntry(tenant_id=who.tenant_id, actor_type=actor[0], actor_id=actor[1], actor_name=actor[2][:200],
                      action=action, target_type=target_type, target_id=str(target_id)[:64],
                      detail=clean_detail(detail), address=who.address[:64], user_agent=who.user_agent[:200]))
    purge(db, tenant_id=who.tenant_id)


def purge(db: Session, *, tenant_id: int, now: dt.datetime | None = None) -> int:
    """Delete the shop's entries older than audit_retention_days; return how many went."""
    runtime = db.info.get("runtime")
    days = (runtime.settings if runtime is not None else get_settings()).audit_retention_days
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    result = db.execute(delete(AuditEntry).where(AuditEntry.tenant_id == tenant_id, AuditEntry.created_at < cutoff))
    return result.rowcount or 0


def list_entries(db: Session, *, tenant_id: int, action: str = "", user_id: int | None = None,
                 since: dt.datetime | None = None, until: dt.datetime | None = None, before: int | None = None,
                 limit: int | None = 50) -> list[AuditEntry]:
    """The shop's entries, newest first: action is a code or its start ("knowledge." or "knowledge"), user_id
    a user's, since/until a time range (until excluded), before an entry id (the next page after it)."""
    query = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if user_id is not None:
        query = query.where(AuditEntry.actor_type == "user", AuditEntry.actor_id == user_id)
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    return list(db.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))
