"""Recommend the shop's products: similar ones, ones bought together, and ones for this customer.

Three signals, all from the shop's own data and none from outside:
- similar: TF-IDF over a product's name, category, tags and attributes (Chinese characters and their pairs,
  Latin words), compared by cosine;
- bought together: how often two SKUs share an order in the shop's order history;
- for this customer: the products of their orders and the one they are looking at, used as seeds for the two above.
An out-of-stock product is never recommended. `bench/recommend.py` measures hit rate@5 against popularity.
"""

from __future__ import annotations

import math
import re
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.commerce.interface import ProductData
from kefu.nlu.entities import find_amount

_CJK = re.compile(r"[\u3400-\u9fff]+")
_LATIN = re.compile(r"[a-z][a-z0-9]+|\d+[a-z]+")
# Words of asking for a recommendation, taken out before matching what is asked for ("推荐一个杯子" → 杯子).
_ASK_WORDS = re.compile(
    r"(有没有|有什么|有啥|推荐|介绍|建议|适合|合适|帮我|给我|想买|买什么|选什么|选哪|哪款|哪个|好一点|好的|"
    r"一个|一款|一下|一些|几个|几款|预算|以内|以下|之内|以上|左右|上下|到|至|个|款|不超过|不到|低于|价位|元|块钱|块|的|吗|呢|吧|呀|啊|么|"
    r"\b(recommend(ation)?s?|suggest(ion)?s?|any|some|good|nice|under|below|within|budget|less|than|around|"
    r"about|for|me|my|a|an|the|something|anything|what|which|should|i|buy|get|can|could|would|you|please|do|have|"
    r"has|is|are|of|to|up|max|like|want|need|looking|show|one|ones|nice|best|idea|ideas|with|in|on|it|that|this)\b)",
    re.IGNORECASE)
# A customer asking the bot to recommend something: the recommendation intent.
_ASKS = re.compile(
    r"(推荐|有什么好|有啥好|有没有.{0,16}(适合|推荐|好用|好看)|适合送|送(给)?(女朋友|男朋友|女友|男友|老婆|"
    r"老公|妈妈|爸爸|父母|长辈|朋友|同事|老师|孩子|小孩)|买什么好|选哪个|哪款好|哪个好|预算.{0,8}\d|"
    r"\b(recommend|suggest|suggestions?|gifts? (for|ideas?)|what should i (buy|get)|anything (good|nice) for|"
    r"my budget|budget (is|of))\b)",
    re.IGNORECASE)
_BUDGET_MAX = re.compile(
    r"(?:预算|budget(?:\s+(?:is|of))?)\s*[:：]?\s*(?:是|在|大概|大约|差不多)?\s*[¥￥$]?\s*(\d+(?:\.\d+)?)"
    r"|(\d+(?:\.\d+)?)\s*(?:元|块钱|块|rmb|yuan)?\s*(?:以内|以下|之内|内|之下|以下的)"
    r"|(?:不超过|不到|低于|少于|最多|under|below|less than|up to|within|max(?:imum)?|no more than|<)\s*"
    r"[¥￥$]?\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
_BUDGET_MIN = re.compile(r"(\d+(?:\.\d+)?)\s*(?:元|块)?\s*(?:以上|起)|(?:above|over|more than|at least)\s*[¥￥$]?\s*"
                         r"(\d+(?:\.\d+)?)", re.IGNORECASE)
_BUDGET_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:元|块)?\s*(?:-|~|～|到|至|to)\s*(\d+(?:\.\d+)?)\s*(?:元|块)?")
_AROUND = re.compile(r"(\d+(?:\.\d+)?)\s*(?:元|块钱|块)?\s*(?:左右|上下)|(?:around|about)\s*[¥￥$]?\s*(\d+(?:\.\d+)?)",
                     re.IGNORECASE)


# Words that ask for a recommendation whatever else the message says (the rest may be a policy question).
_PLAINLY = re.compile(r"(推荐|预算|\b(recommend|suggest|suggestions?|budget)\b)", re.IGNORECASE)


def asks_for_recommendation(text: str, *, plainly: bool = False) -> bool:
    """True when the message asks the bot to recommend a product ("有没有适合送女朋友的杯子", "recommend a mug").

    plainly: only when it says so in so many words (推荐, 预算, recommend …), for messages the shop's knowledge
    also answers ("有没有适合孕妇的尺码" may be a size question).
    """
    s = unicodedata.normalize("NFKC", text or "")
    return bool((_PLAINLY if plainly else _ASKS).search(s))


def wanted_words(text: str) -> str:
    """What the customer asks for, without the asking and the budget ("有没有适合送女朋友的杯子" → "送女朋友 杯子")."""
    asked = _ASK_WORDS.sub(" ", unicodedata.normalize("NFKC", text or ""))
    asked = re.sub(r"[\d.¥￥$,，。？?！!、]+", " ", asked)
    return " ".join(asked.split())


def _cents(value: str) -> int:
    return int(round(float(value) * 100))


def parse_budget(text: str) -> tuple[int | None, int | None]:
    """The price range a message asks for, in cents: (at least, at most); None where it says nothing.

    "预算200以内" → (None, 20000); "100到300" → (10000, 30000); "500元以上" → (50000, None); "100左右" → ±20 %;
    a bare amount with a currency ("100块的杯子") is read as the most the customer wants to pay.
    """
    s = unicodedata.normalize("NFKC", text or "")
    if m := _BUDGET_RANGE.search(s):
        low, high = sorted((_cents(m.group(1)), _cents(m.group(2))))
        return low, high
    if m := _AROUND.search(s):
        mid = _cents(m.group(1) or m.group(2))
        return int(mid * 0.8), int(mid * 1.2)
    if m := _BUDGET_MAX.search(s):
        return None, _cents(next(g for g in m.groups() if g))
    if m := _BUDGET_MIN.search(s):
        return _cents(m.group(1) or m.group(2)), None
    amount = find_amount(s)
    return (None, _cents(amount)) if amount else (None, None)


def terms(text: str) -> list[str]:
    """The words of a text for TF-IDF: Chinese characters and character pairs, Latin words and numbers with units."""
    s = unicodedata.normalize("NFKC", text or "").lower()
    out: list[str] = []
    for run in _CJK.findall(s):
        out.extend(run)
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    out.extend(_LATIN.findall(s))
    return out


def product_text(p: ProductData) -> str:
    """Everything that says what a product is: name, category, tags, attribute names and values."""
    attrs = " ".join(f"{k} {v}" for k, v in (p.attributes or {}).items() if isinstance(v, (str, int, float)))
    return " ".join([p.name, p.category or "", " ".join(p.tags or []), attrs, getattr(p, "description", "") or ""])


def in_stock(p: ProductData) -> bool:
    return int(p.stock or 0) > 0


class TextIndex:
    """TF-IDF vectors of the products, to find the ones most like a product or like a customer's words."""

    def __init__(self, products: Iterable[ProductData]) -> None:
        self.products = {p.sku: p for p in products}
        counts = {sku: Counter(terms(product_text(p))) for sku, p in self.products.items()}
        df: Counter[str] = Counter()
        for c in counts.values():
            df.update(c.keys())
        n = max(len(counts), 1)
        self.idf = {t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in df.items()}
        self.vectors = {sku: self._vector(c) for sku, c in counts.items()}
        self._like: dict[str, dict[str, float]] = {}

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        vec = {t: (1 + math.log(c)) * self.idf[t] for t, c in counts.items() if t in self.idf}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    @staticmethod
    def _cos(a: dict[str, float], b: dict[str, float]) -> float:
        if len(a) > len(b):
            a, b = b, a
        return sum(v * b.get(t, 0.0) for t, v in a.items())

    def like_text(self, text: str) -> dict[str, float]:
        """Each product's similarity to free text (0 when no word is shared)."""
        q = self._vector(Counter(terms(text)))
        return {sku: s for sku, v in self.vectors.items() if (s := self._cos(q, v)) > 0}

    def like_product(self, sku: str) -> dict[str, float]:
        """Each other product's similarity to one product (remembered: the catalogue does not change here)."""
        if sku in self._like:
            return self._like[sku]
        base = self.vectors.get(sku)
        found = {o: s for o, v in self.vectors.items() if o != sku and (s := self._cos(base, v)) > 0} if base else {}
        self._like[sku] = found
        return found


@dataclass
class OrderHistory:
    """Which SKUs the shop's orders contained: per-SKU order counts and pair co-occurrence."""

    popularity: Counter = field(default_factory=Counter)
    together: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    @classmethod
    def of(cls, baskets: Iterable[Iterable[str]]) -> OrderHistory:
        h = cls()
        for basket in baskets:
            h.add(basket)
        return h

    def add(self, basket: Iterable[str], sign: int = 1) -> None:
        """Count one order's SKUs in (sign -1: take a counted order out again, for leave-one-out)."""
        skus = sorted(set(basket))
        for a in skus:
            self.popularity[a] += sign
            for b in skus:
                if a != b:
                    self.together[a][b] += sign


def shop_baskets(db: Session, tenant_id: int, limit: int = 20_000) -> list[list[str]]:
    """The SKUs of each of the shop's recent orders in the built-in store (cancelled ones left out)."""
    from kefu.commerce.models import Order

    rows = db.scalars(select(Order.items).where(Order.tenant_id == tenant_id, Order.status != "cancelled")
                      .order_by(Order.id.desc()).limit(limit))
    return [[i["sku"] for i in items or [] if isinstance(i, dict) and i.get("sku")] for items in rows]


_histories: dict[tuple[int, str], tuple[float, OrderHistory]] = {}
_hist_lock = threading.Lock()
HISTORY_SECONDS = 300.0


def history_for(db: Session, tenant_id: int, shop_key: str = "") -> OrderHistory:
    """The shop's order history, rebuilt at most every few minutes; shop_key (its public key) tells apart a shop
    re-created under the same id."""
    key = (tenant_id, shop_key)
    with _hist_lock:
        hit = _histories.get(key)
    if hit and time.monotonic() - hit[0] < HISTORY_SECONDS:
        return hit[1]
    history = OrderHistory.of(shop_baskets(db, tenant_id))
    with _hist_lock:
        _histories[key] = (time.monotonic(), history)
    return history


def forget_history(tenant_id: int | None = None) -> None:
    with _hist_lock:
        if tenant_id is None:
            _histories.clear()
        else:
            for key in [k for k in _histories if k[0] == tenant_id]:
                _histories.pop(key, None)


@dataclass
class Pick:
    """One recommended product and why: `why` is similar, together, asked, popular or viewed; `because` a name."""

    product: ProductData
    score: float
    why: str
    because: str = ""


REASONS = {
    "zh": {"asked": "和您要找的「{because}」最接近", "similar": "和您看过的「{because}」相似",
           "together": "买「{because}」的顾客常一起买", "popular": "本店热销", "budget": "，{price}在预算内"},
    "en": {"asked": "the closest match to \"{because}\"", "similar": "like \"{because}\" you looked at",
           "together": "often bought with \"{because}\"", "popular": "a shop favourite",
           "budget": ", {price} fits your budget"},
}


def reason_text(pick: Pick, locale: str, price: str = "", budget: bool = False) -> str:
    lang = "en" if locale == "en" else "zh"
    text = REASONS[lang][pick.why].format(because=pick.because)
    if budget and price:
        text += REASONS[lang]["budget"].format(price=price)
    return text


# How the evidence of bought-together, alike and popular adds up (tuned on generated history seed 1 with
# bench/recommend.py; the figure in docs/benchmarks.md is on seed 7).
MAX_SEEDS = 5
SIMILAR_WEIGHT = 0.05
POPULAR_WEIGHT = 0.5
# How close in meaning a product must be to the customer's words when no word is shared ("mug" and 手作陶瓷马克杯 0.48,
# "keyboard" and a notebook 0.22, a coupon question and any product ≤ 0.2 with the default embedder).
EMBED_MATCH = 0.4


class Recommender:
    """Recommendations over one shop's products and order history."""

    def __init__(self, products: Iterable[ProductData], history: OrderHistory | None = None, *,
                 embedder=None) -> None:
        self.products = {p.sku: p for p in products}
        self.index = TextIndex(self.products.values())
        self.history = history or OrderHistory()
        # The bot's sentence embedder (multilingual): finds "mug" in a shop that writes 马克杯, when no word is shared.
        self.embedder = embedder

    def _meaning_matches(self, words: str) -> dict[str, float]:
        """In-stock products whose name and category mean what words say (cosine ≥ EMBED_MATCH), by embedding."""
        if self.embedder is None:
            return {}
        skus = [s for s, p in self.products.items() if in_stock(p)][:500]
        if not skus:
            return {}
        labels = [f"{self.products[s].name} {self.products[s].category}".strip() for s in skus]
        vectors = self.embedder.encode([words, *labels])
        sims = vectors[1:] @ vectors[0]
        return {s: float(x) for s, x in zip(skus, sims, strict=True) if x >= EMBED_MATCH}

    def _ok(self, sku: str, exclude: set[str], low: int | None, high: int | None) -> bool:
        p = self.products.get(sku)
        if p is None or sku in exclude or not in_stock(p):
            return False
        return (low is None or p.price_cents >= low) and (high is None or p.price_cents <= high)

    def similar(self, sku: str, k: int = 5) -> list[str]:
        """Products most like sku by their words, in stock."""
        ranked = sorted(self.index.like_product(sku).items(), key=lambda x: (-x[1], x[0]))
        return [s for s, _ in ranked if self._ok(s, {sku}, None, None)][:k]

    def bought_together(self, sku: str, k: int = 5) -> list[str]:
        """Products most often in the same order as sku, in stock."""
        ranked = sorted(self.history.together.get(sku, Counter()).items(), key=lambda x: (-x[1], x[0]))
        return [s for s, _ in ranked if self._ok(s, {sku}, None, None)][:k]

    def popular(self, k: int = 5, exclude: set[str] | None = None) -> list[str]:
        """The most ordered products in stock (the baseline every other signal is measured against)."""
        ranked = sorted(self.products, key=lambda s: (-self.history.popularity.get(s, 0), s))
        return [s for s in ranked if self._ok(s, exclude or set(), None, None)][:k]

    def recommend(self, *, query: str = "", seeds: Iterable[str] = (), exclude: Iterable[str] = (),
                  low: int | None = None, high: int | None = None, k: int = 3) -> list[Pick]:
        """Up to k in-stock products within the budget, best first.

        query: the customer's words (what they ask for); seeds: SKUs they bought or are looking at, the first the
        strongest. A product matching the words comes first; then products bought with or like the seeds; then the
        shop's most popular ones. exclude: SKUs not to offer (e.g. ones they already have).
        """
        skip = set(exclude)
        scores: dict[str, Pick] = {}

        def offer(sku: str, score: float, why: str, because: str = "") -> None:
            if not self._ok(sku, skip, low, high):
                return
            if sku not in scores or scores[sku].score < score:
                scores[sku] = Pick(self.products[sku], score, why, because)

        asked_words = wanted_words(query)
        if asked_words:
            for sku, s in self.index.like_text(asked_words).items():
                offer(sku, 2.0 + s, "asked", asked_words[:20])
            if not scores:
                for sku, s in self._meaning_matches(asked_words).items():
                    offer(sku, 2.0 + s, "asked", asked_words[:20])
        seeds = [s for s in dict.fromkeys(seeds) if s in self.products or s in self.history.together]
        if not (asked_words and scores):
            # Evidence adds up over the seeds (the first the strongest): how often each product was in an order with
            # a seed (as a share of that seed's co-occurrences), how alike it is, and a prior for popular products.
            evidence: dict[str, float] = defaultdict(float)
            best: dict[str, tuple[float, str, str]] = {}
            for rank, seed in enumerate(seeds[:MAX_SEEDS]):
                weight = 1.0 / (1 + rank)
                name = self.products[seed].name if seed in self.products else seed
                together = self.history.together.get(seed, Counter())
                total = sum(together.values()) or 1
                parts = [(sku, weight * n / total, "together") for sku, n in together.items() if n > 0]
                parts += [(sku, weight * SIMILAR_WEIGHT * s, "similar") for sku, s in self.index.like_product(seed)
                          .items()]
                for sku, c, why in parts:
                    if sku in seeds:
                        continue
                    evidence[sku] += c
                    if c > best.get(sku, (0.0, "", ""))[0]:
                        best[sku] = (c, why, name)
            pop_total = sum(max(n, 0) for n in self.history.popularity.values()) or 1
            for sku in self.products:
                if sku in seeds:
                    continue
                prior = POPULAR_WEIGHT * max(self.history.popularity.get(sku, 0), 0) / pop_total
                _, why, name = best.get(sku, (0.0, "popular", ""))
                offer(sku, evidence.get(sku, 0.0) + prior, why if evidence.get(sku, 0.0) > prior else "popular", name)
        ranked = sorted(scores.values(), key=lambda p: (-p.score, p.product.price_cents, p.product.sku))
        return ranked[:k]
