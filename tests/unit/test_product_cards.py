"""Product cards and recommendations without a server: formatting, stock states, card data, budgets, the
recommendation intent, co-occurrence and the out-of-stock rule."""

from __future__ import annotations

import pytest

from kefu.commerce.interface import ProductData
from kefu.products.cards import (
    MAX_ITEMS,
    card_payload,
    fallback_text,
    format_price,
    product_card,
    stock_state,
)
from kefu.products.recommend import (
    OrderHistory,
    Recommender,
    asks_for_recommendation,
    parse_budget,
    terms,
    wanted_words,
)

SETTINGS = {"currency": "CNY", "product_url": "https://shop.example.com/p/{sku}",
            "cart_url": "https://shop.example.com/cart?add={sku}"}


def product(sku="MUG-1", name="手作陶瓷马克杯", price=5900, stock=20, **kw) -> ProductData:
    return ProductData(sku=sku, name=name, price_cents=price, stock=stock, **kw)


@pytest.mark.parametrize("cents, currency, text", [
    (5900, "CNY", "¥59.00"), (129900, "CNY", "¥1,299.00"), (5, "cny", "¥0.05"), (0, "CNY", "¥0.00"),
    (1999, "USD", "$19.99"), (1000, "EUR", "€10.00"), (1234, "CHF", "CHF 12.34"), (-500, "CNY", "-¥5.00"),
])
def test_price_is_formatted_by_the_server(cents, currency, text):
    assert format_price(cents, currency) == text


@pytest.mark.parametrize("stock, state", [(0, "out_of_stock"), (-3, "out_of_stock"), (None, "out_of_stock"),
                                          (1, "low"), (5, "low"), (6, "in_stock"), (999, "in_stock")])
def test_stock_state(stock, state):
    assert stock_state(stock) == state


def test_card_has_title_price_stock_link_and_three_actions():
    card = product_card(product(image_url="https://img.example.com/m.jpg", category="杯具"), SETTINGS, "zh")
    assert card["title"] == "手作陶瓷马克杯" and card["price"] == "¥59.00" and card["stock"] == "in_stock"
    assert card["stock_label"] == "有货" and card["image"] == "https://img.example.com/m.jpg"
    assert card["url"] == "https://shop.example.com/p/MUG-1"
    assert [(a["action"], a["kind"]) for a in card["actions"]] == [("open", "link"), ("cart", "link"),
                                                                   ("ask", "message")]
    assert card["actions"][1]["url"] == "https://shop.example.com/cart?add=MUG-1"
    assert "手作陶瓷马克杯" in card["actions"][2]["value"]
    en = product_card(product(stock=2), SETTINGS, "en")
    assert en["stock_label"] == "Only a few left" and en["actions"][0]["label"] == "View"


def test_card_keeps_unsafe_links_and_long_titles_out():
    card = product_card(product(name="杯" * 150, image_url="javascript:alert(1)", sku="A/B?c"),
                        {"currency": "CNY", "product_url": "javascript:x{sku}", "cart_url": ""}, "zh")
    assert len(card["title"]) < 100 and card["title"].endswith("…")
    assert card["image"] is None and card["url"] is None
    assert [a["action"] for a in card["actions"]] == ["ask"]  # no link, no cart configured
    quoted = product_card(product(sku="A/B?c"), SETTINGS)
    assert quoted["url"] == "https://shop.example.com/p/A%2FB%3Fc"


def test_out_of_stock_card_offers_no_cart():
    card = product_card(product(stock=0), SETTINGS)
    assert card["stock"] == "out_of_stock" and "cart" not in [a["action"] for a in card["actions"]]


def test_payload_and_fallback_text():
    one = product_card(product(), SETTINGS)
    assert card_payload([one]) == {"type": "product", "product": one}
    many = [product_card(product(sku=f"S{i}", name=f"商品{i}"), SETTINGS) for i in range(12)]
    payload = card_payload(many, "为您推荐：")
    assert payload["type"] == "products" and len(payload["items"]) == MAX_ITEMS and payload["intro"] == "为您推荐："
    text = fallback_text(many[:2], "为您推荐：")
    assert text.splitlines() == ["为您推荐：", "1. 商品0 · ¥59.00 · 有货 https://shop.example.com/p/S0",
                                 "2. 商品1 · ¥59.00 · 有货 https://shop.example.com/p/S1"]


@pytest.mark.parametrize("text, budget", [
    ("预算200以内推荐一个", (None, 20000)),
    ("预算是 150", (None, 15000)),
    ("200块以内的杯子", (None, 20000)),
    ("不超过99元", (None, 9900)),
    ("recommend a keyboard under 300", (None, 30000)),
    ("something below $45.5", (None, 4550)),
    ("100到300的茶", (10000, 30000)),
    ("300-100", (10000, 30000)),
    ("500元以上的茶具", (50000, None)),
    ("100块左右的包", (8000, 12000)),
    ("预算２００以内", (None, 20000)),  # full-width digits
    ("有没有适合送女朋友的杯子", (None, None)),
    ("¥80的有吗", (None, 8000)),
])
def test_budget_parsing(text, budget):
    assert parse_budget(text) == budget


@pytest.mark.parametrize("text, asks", [
    ("有没有适合送女朋友的杯子", True), ("预算200以内推荐一个", True), ("recommend a keyboard under 300", True),
    ("any gift ideas for my mum?", True), ("买什么好", True), ("送妈妈什么好", True),
    ("有没有优惠券", False), ("多久发货", False), ("我的订单到哪了", False), ("How do I return an item?", False),
])
def test_recommendation_intent(text, asks):
    assert asks_for_recommendation(text) is asks


def test_plainly_needs_the_word():
    assert asks_for_recommendation("有没有适合孕妇的尺码") and not asks_for_recommendation("有没有适合孕妇的尺码",
                                                                                       plainly=True)
    assert asks_for_recommendation("推荐一个", plainly=True)


def test_wanted_words_drop_the_asking_and_the_budget():
    assert wanted_words("有没有适合送女朋友的杯子") == "送女朋友 杯子"
    assert wanted_words("预算200以内推荐一个") == ""
    assert wanted_words("recommend a keyboard under 300") == "keyboard"


def test_terms_are_characters_pairs_and_words():
    assert sorted(terms("马克杯 350ml Mug")) == sorted(["马", "克", "杯", "马克", "克杯", "mug", "350ml"])


def test_co_occurrence_counts_and_leave_one_out():
    h = OrderHistory.of([["A", "B"], ["A", "B", "C"], ["A", "A", "C"], ["D"]])
    assert h.popularity == {"A": 3, "B": 2, "C": 2, "D": 1}
    assert h.together["A"] == {"B": 2, "C": 2} and h.together["B"] == {"A": 2, "C": 1}
    h.add(["A", "B", "C"], -1)
    assert h.together["A"]["B"] == 1 and h.together["B"]["C"] == 0 and h.popularity["A"] == 2


CATALOGUE = [
    product("CUP-1", "玻璃花茶杯", 5900, 10, category="杯具", attributes={"材质": "玻璃"}),
    product("CUP-2", "保温杯 不锈钢", 12900, 10, category="杯具", attributes={"材质": "不锈钢"}),
    product("CUP-3", "情侣对杯 陶瓷", 16800, 0, category="杯具", tags=["礼物"]),
    product("TEA-1", "龙井 250g", 16800, 10, category="茶叶"),
    product("TEA-2", "白茶饼", 26800, 10, category="茶叶"),
    product("NOTE", "笔记本", 3900, 10, category="文具"),
]


def test_bought_together_ranks_by_co_occurrence_and_skips_out_of_stock():
    h = OrderHistory.of([["CUP-1", "TEA-1"], ["CUP-1", "TEA-1"], ["CUP-1", "CUP-3"], ["CUP-1", "CUP-3"],
                         ["CUP-1", "CUP-3"], ["CUP-1", "NOTE"]])
    rec = Recommender(CATALOGUE, h)
    assert rec.bought_together("CUP-1") == ["TEA-1", "NOTE"]  # CUP-3 most often, but out of stock
    picks = rec.recommend(seeds=["CUP-1"], k=3)
    assert picks[0].product.sku == "TEA-1" and picks[0].why == "together" and picks[0].because == "玻璃花茶杯"
    assert all(p.product.sku not in ("CUP-3", "CUP-1") for p in picks)


def test_similar_by_words_and_attributes():
    rec = Recommender(CATALOGUE)
    assert rec.similar("CUP-1")[0] == "CUP-2"  # both 杯具 cups; CUP-3 is alike too but out of stock
    assert "CUP-3" not in rec.similar("CUP-2")


def test_query_and_budget_choose_among_in_stock_products():
    rec = Recommender(CATALOGUE, OrderHistory.of([["NOTE"], ["NOTE"], ["TEA-2"]]))
    cups = rec.recommend(query="有没有适合送女朋友的杯子", k=3)
    assert {p.product.sku for p in cups} == {"CUP-1", "CUP-2"} and all(p.why == "asked" for p in cups)
    cheap = rec.recommend(query="杯子", high=10000, k=3)
    assert [p.product.sku for p in cheap] == ["CUP-1"]
    nothing_named = rec.recommend(query="预算200以内推荐一个", high=20000, k=3)
    assert nothing_named[0].product.sku == "NOTE" and nothing_named[0].why == "popular"
    assert all(p.product.price_cents <= 20000 and p.product.stock > 0 for p in nothing_named)
    assert rec.recommend(query="杯子", high=1000, k=3) == []
    assert rec.recommend(low=20000, k=3)[0].product.sku == "TEA-2"


class FakeEmbedder:
    """Vectors by keyword, standing in for the bot's multilingual embedder."""

    AXES = (("mug", "杯"), ("tea", "茶"), ("note", "笔记"))

    def encode(self, texts):
        import numpy as np

        rows = [[1.0 if any(w in t.lower() for w in axis) else 0.0 for axis in self.AXES] + [0.1] for t in texts]
        m = np.asarray(rows)
        return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_meaning_match_only_when_no_word_is_shared_and_never_out_of_stock():
    rec = Recommender(CATALOGUE, embedder=FakeEmbedder())
    mugs = rec.recommend(query="recommend a mug", k=3)
    assert {p.product.sku for p in mugs} == {"CUP-1", "CUP-2"} and all(p.why == "asked" for p in mugs)
    assert [p.why for p in Recommender(CATALOGUE).recommend(query="recommend a mug", k=3)] == ["popular"] * 3
    assert wanted_words("could you recommend a nice mug?") == "mug"
