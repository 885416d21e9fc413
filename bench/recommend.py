"""Measure recommendations offline: hit rate@5 of leave-one-out on a shop's own orders, against popularity.

    python -m bench.recommend [--orders 20000] [--products 300] [--customers 3000] [--seed 7]

For every order with two products or more, and for every product in it, that product is hidden: the recommender
gets the rest of the order and the customer's earlier orders as seeds (what kefu knows when the customer chats), the
order history without this order, and must put the hidden product in its top 5 (seeds excluded). The popularity
baseline offers the 5 most ordered products (the same history, seeds excluded). Out-of-stock products are never
offered, so the hidden product is kept in stock.

Two data sets:
- demo: the demo shop (`kefu demo` seed, on a throwaway SQLite file): its products and orders as they are;
- generated: a larger history from `generate(seed)` (below), the same every run for a seed.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from kefu.commerce.interface import ProductData
from kefu.products.recommend import OrderHistory, Recommender

K = 5
CATEGORIES = {
    # category: (name words, attribute name → values, price range in yuan)
    "杯具": (["马克杯", "保温杯", "玻璃杯", "对杯", "咖啡杯"],
           {"材质": ["陶瓷", "玻璃", "不锈钢"], "容量": ["350ml", "500ml"]}, (29, 199)),
    "茶叶": (["龙井", "白茶", "普洱", "红茶", "乌龙"],
           {"产地": ["杭州", "福鼎", "云南", "武夷山"], "规格": ["100g", "250g"]}, (49, 599)),
    "茶具": (["茶壶", "公道杯", "茶盘", "盖碗", "茶滤"], {"材质": ["紫砂", "陶瓷", "玻璃", "竹"]}, (39, 399)),
    "文具": (["笔记本", "钢笔", "书签", "手账", "笔袋"],
           {"规格": ["A5", "A6", "B5"], "颜色": ["黑", "蓝", "棕"]}, (9, 159)),
    "箱包": (["托特包", "双肩包", "斜挎包", "收纳袋", "钱包"],
           {"材质": ["帆布", "皮革", "尼龙"], "颜色": ["黑", "米", "灰"]}, (39, 499)),
    "键盘": (["机械键盘", "无线键盘", "键帽", "腕托", "鼠标"],
           {"轴体": ["红轴", "茶轴", "青轴"], "连接": ["有线", "蓝牙"]}, (29, 899)),
}
# Categories customers buy together (a teapot with tea, a wrist rest with a keyboard).
COMPANIONS = {"茶叶": "茶具", "茶具": "茶叶", "杯具": "茶叶", "键盘": "文具", "文具": "箱包", "箱包": "文具"}


def generate(seed: int, n_products: int, n_customers: int, n_orders: int
             ) -> tuple[list[ProductData], list[tuple[str, list[str]]]]:
    """A catalogue and an order history with the structure real shops have, reproducible for a seed.

    Products: spread over CATEGORIES, a name from the category's words plus a variant word, attributes drawn from
    the category's values, a price in its range, all in stock. Popularity is skewed (Zipf-like weights). Each
    customer prefers one or two categories and has a few favourite products; an order is 1-4 products: one from a
    preferred category (a favourite 30 % of the time), then each further product with 50 % from the first product's
    companion category, 30 % a product sharing an attribute value with it, else any popular product.
    Returns (products, [(customer, [sku, …]) in order time]).
    """
    rnd = random.Random(seed)
    cats = list(CATEGORIES)
    products: list[ProductData] = []
    by_cat: dict[str, list[int]] = defaultdict(list)
    for i in range(n_products):
        cat = cats[i % len(cats)]
        words, attrs, (lo, hi) = CATEGORIES[cat]
        name = f"{rnd.choice(['经典', '简约', '复古', '轻便', '礼盒', '限定'])}{rnd.choice(words)} {i:03d}"
        products.append(ProductData(sku=f"G-{i:04d}", name=name, category=cat, price_cents=rnd.randint(lo, hi) * 100,
                                    stock=rnd.randint(1, 200), attributes={k: rnd.choice(v) for k, v in attrs.items()}))
        by_cat[cat].append(i)
    weight = [1.0 / (1 + r) ** 0.8 for r in rnd.sample(range(n_products), n_products)]

    def pick(pool: list[int]) -> int:
        return rnd.choices(pool, weights=[weight[j] for j in pool])[0]

    everyone = list(range(n_products))
    customers = []
    for c in range(n_customers):
        likes = rnd.sample(cats, rnd.choice([1, 2]))
        favs = [pick(by_cat[likes[0]]) for _ in range(3)]
        customers.append((f"c{c:05d}", likes, favs))
    orders = []
    for _ in range(n_orders):
        name, likes, favs = rnd.choice(customers)
        first = rnd.choice(favs) if rnd.random() < 0.3 else pick(by_cat[rnd.choice(likes)])
        basket = [first]
        for _ in range(rnd.choices([0, 1, 2, 3], weights=[45, 35, 15, 5])[0]):
            base = products[first]
            r = rnd.random()
            if r < 0.5 and base.category in COMPANIONS:
                nxt = pick(by_cat[COMPANIONS[base.category]])
            elif r < 0.8:
                same = [j for j in by_cat[base.category] if set(products[j].attributes.values())
                        & set(base.attributes.values()) and j != first]
                nxt = pick(same) if same else pick(everyone)
            else:
                nxt = pick(everyone)
            if nxt not in basket:
                basket.append(nxt)
        orders.append((name, [products[j].sku for j in basket]))
    return products, orders


def demo_data() -> tuple[list[ProductData], list[tuple[str, list[str]]]]:
    """The demo shop's products and orders, seeded on a throwaway SQLite file exactly as `kefu demo` does."""
    from sqlalchemy import select

    from kefu.commerce.models import Order, Product
    from kefu.db import Database
    from kefu.demo.seed import seed_demo
    from kefu.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        upgrade(url)
        database = Database(url)
        try:
            info = seed_demo(database)
            with database.session() as db:
                tenant_id = info.tenant_id
                rows = db.scalars(select(Product).where(Product.tenant_id == tenant_id))
                products = [ProductData.model_validate(p, from_attributes=True) for p in rows]
                orders = [(o.customer_ref or "", [i["sku"] for i in o.items]) for o in db.scalars(
                    select(Order).where(Order.tenant_id == tenant_id, Order.status != "cancelled")
                    .order_by(Order.created_at, Order.id))]
        finally:
            database.dispose()
    return products, orders


def evaluate(products: list[ProductData], orders: list[tuple[str, list[str]]]) -> dict:
    """Leave-one-out hit rate@K of the recommender and of popularity, over every product of multi-product orders."""
    stocked = [p.model_copy(update={"stock": max(p.stock, 1)}) for p in products]
    history = OrderHistory.of(basket for _, basket in orders)
    rec = Recommender(stocked, history)
    earlier: dict[str, list[str]] = defaultdict(list)
    hits = pop_hits = cases = 0
    started = time.perf_counter()
    for customer, basket in orders:
        basket = list(dict.fromkeys(basket))
        if len(basket) >= 2:
            history.add(basket, -1)  # this order is not known when it is being predicted
            for hidden in basket:
                rest = [s for s in basket if s != hidden]
                seeds = rest + [s for s in reversed(earlier[customer]) if s not in rest]
                got = [p.product.sku for p in rec.recommend(seeds=seeds, exclude=rest, k=K)]
                baseline = rec.popular(K, exclude=set(rest))
                cases += 1
                hits += hidden in got
                pop_hits += hidden in baseline
            history.add(basket)
        earlier[customer].extend(basket)
    seconds = time.perf_counter() - started
    return {"products": len(products), "orders": len(orders), "cases": cases,
            "hit_rate": hits / cases if cases else 0.0, "popularity": pop_hits / cases if cases else 0.0,
            "ms_per_case": 1000 * seconds / cases if cases else 0.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--orders", type=int, default=20_000)
    ap.add_argument("--products", type=int, default=300)
    ap.add_argument("--customers", type=int, default=3_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-demo", action="store_true")
    args = ap.parse_args()
    sets = []
    if not args.skip_demo:
        sets.append(("demo", *demo_data()))
    sets.append((f"generated (seed {args.seed})", *generate(args.seed, args.products, args.customers, args.orders)))
    print(f"| data | products | orders | held-out cases | hit rate@{K} | popularity@{K} | ms/case |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, products, orders in sets:
        r = evaluate(products, orders)
        print(f"| {name} | {r['products']} | {r['orders']} | {r['cases']} | {100 * r['hit_rate']:.1f} % "
              f"| {100 * r['popularity']:.1f} % | {r['ms_per_case']:.2f} |")


if __name__ == "__main__":
    main()
