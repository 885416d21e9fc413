"""The bot's recommendation turn: when a customer asks for a recommendation, answer with up to three cards."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from kefu.bot.texts import t
from kefu.commerce.connect import commerce_for
from kefu.commerce.interface import CommerceError
from kefu.conversations.models import Customer
from kefu.products import cards as card_data
from kefu.products.recommend import (
    Recommender,
    asks_for_recommendation,
    history_for,
    parse_budget,
    reason_text,
    wanted_words,
)
from kefu.tenants.models import Tenant

log = logging.getLogger(__name__)

PICKS = 3
TEXTS = {
    "zh": {"intro": "为您推荐这几款：", "intro_one": "为您推荐这一款：",
           "no_match": "没找到正好符合「{words}」的商品，这几款在售的您看看：",
           "none": "抱歉，{budget}暂时没有有货的商品可推荐。需要的话我帮您转人工问问。", "budget_max": "预算内",
           },
    "en": {"intro": "Here are a few picks for you:", "intro_one": "Here is a pick for you:",
           "no_match": "Nothing matches \"{words}\" exactly; these are in stock:",
           "none": "Sorry, nothing in stock {budget}right now. I can ask a person for you if you like.",
           "budget_max": "within your budget ",
           },
}


def recommend_reply(db: Session, tenant: Tenant, customer: Customer | None, text: str, locale: str,
                    memory: dict[str, Any], *, knowledge_answers: bool = False, embedder=None
                    ) -> list[tuple[str, dict[str, Any] | None]] | None:
    """The bot's replies (text, payload) to a request for a recommendation, or None when it is not one.

    The customer's viewed product (memory "product_sku" or products they named) and their orders seed the picks.
    None too when the shop has no products or its system is down: the bot then goes on as before.
    knowledge_answers: the shop's knowledge answers the message, so only a plain request counts. embedder: the
    bot's sentence embedder, to match what is asked for by meaning when no word is shared.
    """
    if not asks_for_recommendation(text, plainly=knowledge_answers):
        return None
    try:
        commerce = commerce_for(db, tenant)
        products = commerce.products(limit=500)
        if not products:
            return None
        seeds: list[str] = []
        if memory.get("product_sku"):
            seeds.append(str(memory["product_sku"]))
        seeds.extend(str(s) for s in memory.get("products") or [])
        bought: list[str] = []
        if customer is not None and customer.external_id:
            for order in commerce.orders_for_customer(customer.external_id, limit=10):
                bought.extend(i.sku for i in order.items)
    except CommerceError as exc:
        log.info("shop %s: no recommendation, the order system said %s", tenant.id, exc.code)
        return None
    history = history_for(db, tenant.id, tenant.public_key) if not tenant.commerce_url else None
    low, high = parse_budget(text)
    words = wanted_words(text)
    picks = Recommender(products, history, embedder=embedder).recommend(query=text, seeds=seeds + bought, low=low,
                                                                        high=high, k=PICKS)
    lang = "en" if locale == "en" else "zh"
    texts = TEXTS[lang]
    if not picks:
        budget = texts["budget_max"] if (low or high) else ""
        return [(texts["none"].format(budget=budget), {"type": "buttons", "buttons": [
            {"label": t(lang, "handoff_button"), "action": "handoff"}]})]
    settings = card_data.card_settings(tenant)
    cards = []
    for pick in picks:
        price = card_data.format_price(pick.product.price_cents, settings["currency"])
        reason = reason_text(pick, lang, price, budget=high is not None)
        cards.append(card_data.product_card(pick.product, settings, lang, reason=reason))
    if words and not any(p.why == "asked" for p in picks):
        intro = texts["no_match"].format(words=words[:20])
    else:
        intro = texts["intro_one"] if len(cards) == 1 else texts["intro"]
    payload = card_data.card_payload(cards, intro)
    payload["reason"] = "recommend"
    return [(card_data.fallback_text(cards, intro), payload)]
