"""Build product cards: the data a chat message carries to show one product or a short list of them.

A card is a snapshot taken when the message is sent (title, image, price formatted by the server, stock state,
link, up to three actions), so a transcript still shows it after the product changes or is deleted. The price and
stock come live from the shop's order system (the commerce connector), cached for a few seconds.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session

from kefu.commerce.connect import commerce_for
from kefu.commerce.interface import CommerceError, ProductData
from kefu.tenants.facts import shop_facts
from kefu.tenants.models import Tenant

MAX_TITLE = 99  # Qiyu's limit: a title shorter than 100 characters
MAX_ITEMS = 10  # a list card holds at most ten products (Zendesk's carousel limit)
LOW_STOCK = 5  # at or below this, the card says "only a few left"
CACHE_SECONDS = 20.0
CURRENCY_SIGNS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "JP¥", "HKD": "HK$",
                  "TWD": "NT$"}
STOCK_LABELS = {
    "zh": {"in_stock": "有货", "low": "仅剩少量", "out_of_stock": "缺货"},
    "en": {"in_stock": "In stock", "low": "Only a few left", "out_of_stock": "Out of stock"},
}
ACTION_LABELS = {
    "zh": {"open": "查看商品", "cart": "加入购物车", "ask": "问问这个", "ask_text": "我想了解一下「{title}」"},
    "en": {"open": "View", "cart": "Add to cart", "ask": "Ask about it", "ask_text": "Tell me about \"{title}\""},
}

_cache: dict[tuple[int, str, str], tuple[float, ProductData | None]] = {}
_lock = threading.Lock()


def format_price(cents: int, currency: str = "CNY") -> str:
    """The price as customers read it: 5900 → "¥59.00", 129900 → "¥1,299.00"; an unknown code goes in front."""
    cents = int(cents or 0)
    sign = "-" if cents < 0 else ""
    whole, fen = divmod(abs(cents), 100)
    code = (currency or "CNY").strip().upper()
    mark = CURRENCY_SIGNS.get(code, code + " ")
    return f"{sign}{mark}{whole:,}.{fen:02d}"


def stock_state(stock: int | None) -> str:
    """in_stock, low (LOW_STOCK or fewer left) or out_of_stock."""
    n = int(stock or 0)
    if n <= 0:
        return "out_of_stock"
    return "low" if n <= LOW_STOCK else "in_stock"


def _http(url: Any) -> str | None:
    """The address when it is an http(s) link, else None: nothing else may reach a customer's browser."""
    if isinstance(url, str) and url[:8].lower().startswith(("http://", "https://")) and len(url) <= 1000:
        return url.strip()
    return None


def _fill(template: str, sku: str) -> str | None:
    """A shop's link template with the product filled in ("https://shop.cn/p/{sku}")."""
    if not template.strip():
        return None
    return _http(template.strip().replace("{sku}", quote(sku, safe="")))


def card_settings(tenant: Tenant) -> dict[str, str]:
    """The shop's card settings, kept among its facts: currency, product_url and cart_url ({sku} templates)."""
    facts = shop_facts(tenant.facts, tenant.name)
    return {"currency": facts.get("currency", "") or "CNY", "product_url": facts.get("product_url", ""),
            "cart_url": facts.get("cart_url", "")}


def product_card(product: ProductData, settings: dict[str, str], locale: str = "zh", *,
                 reason: str | None = None) -> dict[str, Any]:
    """One product as card data (see docs/products-cards.md); reason: why the bot recommends it, one line."""
    lang = "en" if locale == "en" else "zh"
    state = stock_state(product.stock)
    title = " ".join(product.name.split())
    title = title if len(title) <= MAX_TITLE else title[:MAX_TITLE - 1] + "…"
    url = _http(getattr(product, "url", None)) or _fill(settings.get("product_url", ""), product.sku)
    labels = ACTION_LABELS[lang]
    actions: list[dict[str, str]] = []
    if url:
        actions.append({"kind": "link", "action": "open", "label": labels["open"], "url": url})
    cart = _fill(settings.get("cart_url", ""), product.sku)
    if cart and state != "out_of_stock":
        actions.append({"kind": "link", "action": "cart", "label": labels["cart"], "url": cart})
    actions.append({"kind": "message", "action": "ask", "label": labels["ask"],
                    "value": labels["ask_text"].format(title=title)})
    card: dict[str, Any] = {
        "sku": product.sku, "title": title, "image": _http(product.image_url), "category": product.category,
        "price": format_price(product.price_cents, settings.get("currency", "CNY")),
        "price_cents": int(product.price_cents), "currency": (settings.get("currency") or "CNY").upper(),
        "stock": state, "stock_label": STOCK_LABELS[lang][state], "url": url, "actions": actions[:3],
    }
    if reason:
        card["reason"] = reason[:120]
    return card


def card_payload(cards: list[dict[str, Any]], intro: str = "") -> dict[str, Any]:
    """The message payload for one card or a short list of them; intro: the line said above them, if any."""
    payload: dict[str, Any] = ({"type": "product", "product": cards[0]} if len(cards) == 1
                               else {"type": "products", "items": cards[:MAX_ITEMS]})
    if intro:
        payload["intro"] = intro
    return payload


def fallback_text(cards: list[dict[str, Any]], intro: str = "") -> str:
    """The message text for channels that show no cards: one line per product (title, price, stock, reason, link)."""
    lines = [intro] if intro else []
    for i, c in enumerate(cards[:MAX_ITEMS], 1):
        parts = [f"{i}. {c['title']}" if len(cards) > 1 else c["title"], c["price"], c["stock_label"]]
        line = " · ".join(parts)
        if c.get("reason"):
            line += f" — {c['reason']}"
        if c.get("url"):
            line += f" {c['url']}"
        lines.append(line)
    return "\n".join(lines)


def live_product(db: Session, tenant: Tenant, sku: str) -> ProductData | None:
    """The product as the shop's system has it now (cached CACHE_SECONDS), or None when there is no such SKU."""
    # The shop's public key is in the key so a shop re-created under the same id never sees another's products.
    key = (tenant.id, tenant.public_key, sku)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    found = None
    for p in commerce_for(db, tenant).products(query=sku, limit=50):
        if p.sku == sku:
            found = p
            break
    with _lock:
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[key] = (now, found)
    return found


def forget(tenant: Tenant, sku: str | None = None) -> None:
    """Drop cached products of a shop (one SKU, or all), e.g. after the shop changed one."""
    with _lock:
        for key in [k for k in _cache if k[0] == tenant.id and (sku is None or k[2] == sku)]:
            _cache.pop(key, None)


def cards_for(db: Session, tenant: Tenant, skus: list[str], locale: str = "zh") -> tuple[list[dict], list[str]]:
    """Cards for skus read live; returns (cards, SKUs the shop does not have). CommerceError passes through."""
    settings = card_settings(tenant)
    cards, missing = [], []
    for sku in dict.fromkeys(skus):
        product = live_product(db, tenant, sku)
        if product is None:
            missing.append(sku)
        else:
            cards.append(product_card(product, settings, locale))
    return cards, missing


__all__ = ["CommerceError", "card_payload", "card_settings", "cards_for", "fallback_text", "format_price",
           "live_product", "product_card", "stock_state"]
