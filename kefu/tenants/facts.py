"""Hold the facts about a shop that answers and flows quote (return window, carrier, service hours …), and say
what only stands in for a fact nobody gave — a stand-in must never reach a customer."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

# Defaults for a shop that has not said otherwise; knowledge packs and flows use these names. A fact no default
# can stand in for (a phone number, an address) is empty: until the shop gives it, answers and flows that need it
# wait or say a person will provide it.
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
    "service_phone": "",
    "warranty_months": "12",
    "invoice_days": "3",
    "points_rate": "1元=1积分",
    "price_protect_days": "7",
    "return_address": "",
    "remote_areas": "新疆、西藏、青海等",
}

MAX_FACT_CHARS = 500

# {{name}} in a knowledge pack's text: filled from the facts, and a stand-in while it is not.
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
# Everything that only stands in for a fact. The one list both the pack import (which keeps such points switched
# off) and the bot's answer-time guard read. Pack defaults for facts that have no sensible default use these forms.
STAND_INS = (
    PLACEHOLDER,
    re.compile(r"(?<!\d)[48]00-?0{3}-?0{4}(?!\d)"),  # the dummy service phone, 400-000-0000
    re.compile(r"以客服提供的[^。；;，,\n]{0,20}为准"),  # "请以客服提供的退货地址为准"
    re.compile(r"\bthe [a-z ]{1,40}? our (?:customer )?service team (?:gives|will give) you\b", re.IGNORECASE),
)


def unfilled(text: str | None) -> bool:
    """Tell whether text quotes a stand-in for a fact (an unfilled {{x}}, a dummy phone, "以客服提供的…为准")."""
    return bool(text) and any(p.search(text) for p in STAND_INS)


def is_missing(value: Any) -> bool:
    """Tell whether a fact value says nothing real: absent, blank, or a stand-in."""
    return value is None or not str(value).strip() or unfilled(str(value))


def missing_names(values: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """Return the names among names whose value is missing, sorted."""
    return sorted(n for n in set(names) if is_missing(values.get(n)))


def shop_facts(facts: dict[str, Any] | None, shop_name: str = "") -> dict[str, str]:
    """Return the shop's facts over the defaults, all as strings (a missing one as "": see is_missing)."""
    merged = dict(DEFAULT_FACTS)
    if shop_name:
        merged["shop_name"] = shop_name
    merged.update({k: str(v) for k, v in (facts or {}).items() if v is not None and str(v).strip()})
    return merged


def int_fact(facts: dict[str, str], name: str, default: int) -> int:
    """Read a whole-number fact ("7", "7天") leniently; the default when it has no number."""
    digits = "".join(ch for ch in str(facts.get(name, "")) if ch.isdigit())
    return int(digits) if digits else default
