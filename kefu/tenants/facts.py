"""Hold the facts about a shop that answers and flows quote (return window, carrier, service hours …)."""

from __future__ import annotations

from typing import Any

# Defaults for a shop that has not said otherwise; knowledge packs and flows use these names.
DEFAULT_FACTS: dict[str, str] = {
    "shop_name": "本店",
    "free_shipping_threshold": "99",
    "shipping_fee": "10",
    "return_days": "7",
    "exchange_days": "15",
    "carrier": "顺丰/中通",
    "ship_within_hours": "48",
    "delivery_days": "2-5",
    "service_hours": "09:00-22:00",
    "service_phone": "400-000-0000",
    "warranty_months": "12",
    "invoice_days": "3",
    "points_rate": "1元=1积分",
    "price_protect_days": "7",
    "return_address": "请以客服提供的退货地址为准",
    "remote_areas": "新疆、西藏、青海等",
}

MAX_FACT_CHARS = 500


def shop_facts(facts: dict[str, Any] | None, shop_name: str = "") -> dict[str, str]:
    """Return the shop's facts over the defaults, all as strings."""
    merged = dict(DEFAULT_FACTS)
    if shop_name:
        merged["shop_name"] = shop_name
    merged.update({k: str(v) for k, v in (facts or {}).items() if v is not None and str(v).strip()})
    return merged


def int_fact(facts: dict[str, str], name: str, default: int) -> int:
    """Read a whole-number fact ("7", "7天") leniently; the default when it has no number."""
    digits = "".join(ch for ch in str(facts.get(name, "")) if ch.isdigit())
    return int(digits) if digits else default
