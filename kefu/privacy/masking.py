"""Mask phone numbers and addresses where a reader may not see them in full: agents (unless the shop allows it)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from kefu.commerce.address import mask_address_details
from kefu.nlu.entities import replace_phones
from kefu.tenants.models import Tenant

MASK = "****"
_DIGIT = re.compile(r"\d")


def mask_phone(phone: str | None) -> str:
    """"13800138000" → "138****8000": enough to tell two numbers apart, not enough to call one."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 13 and digits.startswith("86"):  # the country code of a mainland mobile
        digits = digits[2:]
    if not digits:
        return phone or ""
    return digits[:3] + MASK + digits[-4:] if len(digits) >= 7 else MASK


def mask_text(text: str | None, *, addresses: bool = True) -> str:
    """Text with its mobile numbers and (unless addresses is false) the street part of its addresses masked."""
    if not text:
        return text or ""
    if _DIGIT.search(text):  # no digit (full-width ones included), no phone: most chat lines skip the search
        text = replace_phones(text, mask_phone)
    return mask_address_details(text, MASK) if addresses else text


def mask_value(value: Any, *, addresses: bool = True) -> Any:
    """Every string inside a JSON-like value (a message payload, a handoff) masked with mask_text."""
    if isinstance(value, str):
        return mask_text(value, addresses=addresses)
    if isinstance(value, list):
        return [mask_value(v, addresses=addresses) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v, addresses=addresses) for k, v in value.items()}
    return value


def mask_address(address: dict[str, Any] | None) -> dict[str, Any]:
    """An order's address ({name, phone, province, city, district, detail}) with the region only."""
    if not address:
        return dict(address or {})
    out = dict(address)
    if out.get("detail"):
        out["detail"] = MASK
    if out.get("phone"):
        out["phone"] = mask_phone(out["phone"])
    if out.get("name"):
        out["name"] = str(out["name"])[:1] + "*"
    return out


def mask_order(order: dict[str, Any]) -> dict[str, Any]:
    """An order as JSON (commerce OrderDetail/OrderData dumped) with its address and buyer phone masked."""
    out = dict(order)
    if isinstance(out.get("address"), dict):
        out["address"] = mask_address(out["address"])
    for key in ("buyer_phone", "phone"):
        if out.get(key):
            out[key] = mask_phone(out[key])
    if out.get("note"):
        out["note"] = mask_text(out["note"])
    return out


def masks_contacts(role: str, agents_see_contacts: bool) -> bool:
    """Whether a reader of this role gets phones and addresses masked: agents, unless the shop allows it."""
    return role == "agent" and not agents_see_contacts


def mask_message(message: dict[str, Any]) -> dict[str, Any]:
    """A message as JSON (MessageOut) with its text and payload masked.

    In agents' own messages only phone numbers: an address an agent writes is the shop's (where returns go,
    a canned reply) far more often than the customer's, and the agent knew it when writing it."""
    addresses = message.get("sender") != "agent"
    return {**message, "text": mask_text(message.get("text"), addresses=addresses),
            "payload": mask_value(message.get("payload"), addresses=addresses)}


def masks_for(db: Session, principal: Any) -> bool:
    """Whether this caller (a Principal of kefu/access.py) reads phones and addresses masked."""
    if principal.role != "agent":
        return False
    tenant = db.get(Tenant, principal.tenant_id)
    return masks_contacts(principal.role, bool(tenant and tenant.agents_see_contacts))


def mask_event(event: dict[str, Any]) -> dict[str, Any]:
    """A bus event as a masked reader's workspace receives it: the message it carries masked."""
    if isinstance(event.get("message"), dict):
        return {**event, "message": mask_message(event["message"])}
    return event
