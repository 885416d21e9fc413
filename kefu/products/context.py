"""Remember which product page the customer is on: the widget and the API channel pass it, the bot reads it."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from kefu.commerce.connect import commerce_for
from kefu.commerce.interface import CommerceError
from kefu.conversations.models import Conversation
from kefu.errors import KefuError
from kefu.tenants.models import Tenant

_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class ProductContext(BaseModel):
    """The page the customer is looking at: a product of the shop, and the page's address."""

    model_config = ConfigDict(extra="forbid")

    product_sku: str | None = Field(None, max_length=64, description="a SKU of this shop (product or variant)")
    page_url: str | None = Field(None, max_length=500, pattern=r"^https?://")


def do_set_context(db: Session, *, conv: Conversation, context: ProductContext) -> dict[str, Any]:
    """Store the context on the conversation (bot_state["context"]); an unknown SKU (another shop's, a typo) is
    refused with 422 and the stored context stays as it was."""
    sku = (context.product_sku or "").strip()
    stored: dict[str, Any] = {}
    if sku:
        if not _SKU.match(sku):
            raise KefuError(f"product_sku {sku!r} is not a SKU", code="unknown_product", status=422)
        tenant = db.get(Tenant, conv.tenant_id)
        try:
            product = commerce_for(db, tenant).get_product(sku)
        except CommerceError as exc:  # the shop's system is down: keep the SKU, the bot reads it later
            if exc.code != "unavailable":
                raise KefuError(f"product {sku} cannot be read: {exc.message}", code="unknown_product",
                                status=422) from exc
            product = None
            stored["product_sku"] = sku
        else:
            if product is None:
                raise KefuError(f"this shop has no product with SKU {sku}", code="unknown_product", status=422)
            stored["product_sku"] = product.sku
            if product.sku != sku:
                stored["variant_sku"] = sku
    if context.page_url:
        stored["page_url"] = context.page_url
    state = dict(conv.bot_state or {})
    state["context"] = stored
    conv.bot_state = state
    return stored


def seeds_of(bot_state: dict[str, Any] | None) -> dict[str, Any]:
    """The conversation's memory with the product the customer is viewing (the page context) as `product_sku`:
    what recommendations start from."""
    state = bot_state or {}
    memory = dict(state.get("memory") or {})
    viewed = (state.get("context") or {}).get("product_sku")
    if viewed:
        memory["product_sku"] = viewed
    return memory
