"""Routes for agents: find a product, send its card into a chat, see what to recommend to the customer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from kefu.access import DbDep, RuntimeDep, Staff
from kefu.commerce.connect import commerce_for
from kefu.commerce.interface import CommerceError
from kefu.conversations import actions
from kefu.conversations.models import Customer
from kefu.conversations.schemas import MessageOut
from kefu.db import utcnow
from kefu.errors import Forbidden, KefuError, NotFound
from kefu.limits import Id
from kefu.products import cards as card_data
from kefu.products.context import seeds_of
from kefu.products.recommend import Recommender, history_for, reason_text
from kefu.tenants.models import Tenant

router = APIRouter(prefix="/api/v1/live", tags=["products"])


class CardsOut(BaseModel):
    items: list[dict[str, Any]]


class ProductCardIn(BaseModel):
    """The products to show the customer (one card, or a list of up to ten) and an optional line of text."""

    model_config = ConfigDict(extra="forbid")

    skus: list[str] = Field(min_length=1, max_length=card_data.MAX_ITEMS)
    text: str = Field("", max_length=500, description="said above the card(s); default: none")
    client_id: str | None = Field(None, max_length=64)


def _unavailable(exc: CommerceError) -> KefuError:
    return KefuError(f"the shop's order system did not answer: {exc.message}", code="commerce_unavailable",
                     status=502)


@router.get("/products", response_model=CardsOut)
def search_products(principal: Staff, db: DbDep, q: str = Query("", max_length=100),
                    limit: int = Query(10, ge=1, le=50), locale: str = Query("zh", pattern="^(zh|en)$")) -> CardsOut:
    """Find the shop's products by name, SKU or category (live from its order system), as cards to send."""
    tenant = db.get(Tenant, principal.tenant_id)
    try:
        products = commerce_for(db, tenant).products(query=q.strip(), limit=limit)
    except CommerceError as exc:
        raise _unavailable(exc) from exc
    settings = card_data.card_settings(tenant)
    return CardsOut(items=[card_data.product_card(p, settings, locale) for p in products[:limit]])


@router.post("/conversations/{conversation_id}/product-card", response_model=MessageOut, status_code=201)
def send_product_card(conversation_id: Id, body: ProductCardIn, principal: Staff, db: DbDep,
                      runtime: RuntimeDep) -> MessageOut:
    """Send the customer one product card (or a list) as the agent; price and stock are read live now."""
    if principal.user is None:
        raise Forbidden("only a logged-in person can send a card as an agent")
    conv = actions.get_conversation(db, tenant_id=principal.tenant_id, conversation_id=conversation_id)
    if conv.status == "closed":
        raise Forbidden("the conversation is closed", code="conversation_closed")
    skus = [s.strip() for s in body.skus if s and s.strip()]
    if not skus:
        raise KefuError("name at least one product SKU", code="no_products", status=422)
    tenant = db.get(Tenant, principal.tenant_id)
    try:
        cards, missing = card_data.cards_for(db, tenant, skus, conv.locale)
    except CommerceError as exc:
        raise _unavailable(exc) from exc
    if missing:
        raise NotFound(f"no product with SKU {', '.join(missing)} in this shop", code="product_not_found")
    intro = actions.check_text(body.text, runtime.settings.max_message_chars) if body.text.strip() else ""
    if conv.assigned_user_id is None:  # like a reply: sending to a chat nobody had takes it
        conv.assigned_user_id, conv.assigned_at = principal.user.id, utcnow()
    actions.do_set_status(db, conv=conv, status="with_agent", reason=f"agent {principal.user.id} sent a card")
    msg, _ = actions.do_post_message(db, conv=conv, sender="agent", text=card_data.fallback_text(cards, intro),
                                     payload=card_data.card_payload(cards, intro), client_id=body.client_id,
                                     sender_name=principal.user.name, user_id=principal.user.id)
    return MessageOut.model_validate(msg)


@router.get("/conversations/{conversation_id}/recommendations", response_model=CardsOut)
def recommendations(conversation_id: Id, principal: Staff, db: DbDep, limit: int = Query(5, ge=1, le=10)
                    ) -> CardsOut:
    """Products to suggest to this customer: bought with or like what they bought or named, else popular ones."""
    conv = actions.get_conversation(db, tenant_id=principal.tenant_id, conversation_id=conversation_id)
    tenant = db.get(Tenant, principal.tenant_id)
    customer = db.get(Customer, conv.customer_id)
    memory = seeds_of(conv.bot_state)
    seeds = [str(s) for s in ([memory.get("product_sku")] if memory.get("product_sku") else [])]
    seeds += [str(s) for s in memory.get("products") or []]
    try:
        commerce = commerce_for(db, tenant)
        products = commerce.products(limit=500)
        if customer is not None and customer.external_id:
            for order in commerce.orders_for_customer(customer.external_id, limit=10):
                seeds.extend(i.sku for i in order.items)
    except CommerceError as exc:
        raise _unavailable(exc) from exc
    history = history_for(db, tenant.id, tenant.public_key) if not tenant.commerce_url else None
    picks = Recommender(products, history).recommend(seeds=seeds, k=limit)
    settings = card_data.card_settings(tenant)

    return CardsOut(items=[card_data.product_card(p.product, settings, conv.locale, reason=reason_text(
        p, conv.locale)) for p in picks])
