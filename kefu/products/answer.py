"""Answer questions about the shop's products from its catalogue: specifications, stock, price, fit, comparisons.

The product comes from the message (a name the bot recognised, or an English tag), the page the customer is on
(conversation context), the product talked about last, or the customer's latest order. A specification the
catalogue does not state is never guessed: the answer says it is not listed and offers a person. Policy questions
(returns, shipping, invoices …) are left to the knowledge base.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kefu.commerce.interface import Commerce, CommerceError, ProductData, VariantData
from kefu.products.attributes import ATTRIBUTES, canonical, label, words

# The shop's rules, not a product's: the knowledge base and the flows answer these.
POLICY = re.compile(
    r"(退|换货|换一|换吗|能换|可以换|调换|换码|换尺码|换个|不合适|售后|运费|邮费|包邮|发货|快递|物流|到哪|到货|几天到|配送|发票|保价|价保|取消|地址|催|签收|优惠|"
    r"券|积分|会员|付款|支付|分期|保修|质保|客服电话|营业|上班|"
    r"\b(refund|return|shipping|ship|deliver\w*|invoice|cancel\w*|address|track\w*|coupon|exchange|warranty|"
    r"payment|pay)\b)", re.IGNORECASE)
# A question at all, in either language.
QUESTION = re.compile(r"(吗|么|呢|？|\?|多少|多大|多长|多重|多高|多宽|几|什么|啥|哪|是不是|有没有|能不能|可不可以|"
                      r"会不会|怎么样|如何|(?P<a>[\u4e00-\u9fff])不(?P=a)|"
                      r"\b(what|which|how|is|are|does|do|can|will|any)\b)", re.IGNORECASE)
STOCK = re.compile(r"(还有吗|还有没有|有货|有没有货|有现货|现货|库存|缺货|断货|卖完|售罄|没货|还能买|补货|有吗|"
                   r"\b(in stock|available|sold out|out of stock|any left|restock)\b)", re.IGNORECASE)
PRICE = re.compile(r"(多少钱|价格|价钱|几块|多钱|售价|什么价|\b(how much|price|cost)\b)", re.IGNORECASE)
COMPARE = re.compile(r"(区别|哪个好|哪个更|哪款|对比|比较|不同|差别|还是|vs|\b(compare|difference|better|versus)\b)",
                     re.IGNORECASE)
OPTIONS = re.compile(r"(什么颜色|哪些颜色|几种颜色|几个颜色|有什么色|哪几种|有哪些|什么尺码|哪些尺码|有什么码|哪些码|"
                     r"\bwhat (colou?rs|sizes)\b|\bwhich (colou?rs|sizes)\b)", re.IGNORECASE)
SIZE = re.compile(r"(穿多大|穿什么码|选什么码|选哪个码|哪个码|什么码|几码|多大码|尺码推荐|推荐.*码|身高|体重|"
                  r"\b(what size|which size|size should|how tall)\b)", re.IGNORECASE)
THIS = re.compile(r"(这个|这款|这件|这只|这双|这本|这套|它|此款|\b(this|it)\b)", re.IGNORECASE)
HEIGHT = re.compile(r"(?:身高|height|\bi'?m\b|\bam\b)?\s*(1[.米]\d{1,2}|1\d{2}(?:\.\d)?)\s*(cm|厘米|公分|米)?",
                    re.IGNORECASE)
WEIGHT = re.compile(r"(?:体重|weight)?\s*(\d{2,3}(?:\.\d)?)\s*(kg|公斤|千克|斤|lbs?)", re.IGNORECASE)
CACHE_SECONDS = 60.0
MAX_OPTIONS = 8

TEXTS = {
    "zh": {
        "value": "{name}的{attr}：{value}。",
        "not_listed": "商品信息里没有写{name}的{what}，我不想乱说。需要的话可以转人工帮您确认。",
        "described": "{name}的商品介绍里写着：{text}",
        "not_listed_any": "商品信息里没有这个问题的答案（{name}），我不想乱猜。需要的话可以转人工帮您确认。",
        "yes_listed": "支持：{name}的{attr}写的是：{value}。",
        "no_listed": "{name}的{attr}写的是：{value}，没有写到{thing}。需要的话可以转人工帮您确认。",
        "in_stock": "{name}（{variant}）有货。",
        "few_left": "{name}（{variant}）有货，仅剩 {n} 件。",
        "out": "抱歉，{name}（{variant}）目前缺货。",
        "alternatives": "现在有货的：{options}。",
        "product_in": "{name}有货。",
        "product_out": "抱歉，{name}目前缺货。",
        "options": "{name}有这些{attr}：{options}。",
        "price": "{name}{variant}的价格是 {price}。",
        "price_range": "{name}的价格是 {low} 到 {high}（不同{attr}价格不同）。",
        "compare_head": "{a} 和 {b} 的对比：",
        "compare_row": "· {attr}：{a} ｜ {b}",
        "not_stated": "未写明",
        "size_pick": "按尺码表，身高 {h} 体重 {w} 建议选 {size}{note}。",
        "size_pick_h": "按尺码表，身高 {h} 建议选 {size}（告诉我体重可以更准）。",
        "size_pick_w": "按尺码表，体重 {w} 建议选 {size}（告诉我身高可以更准）。",
        "size_between": "，介于两个码之间，喜欢宽松可以选 {bigger}",
        "size_out": "不过 {size} 码现在缺货。",
        "size_ask": "告诉我您的身高和体重（例如 175cm 65kg），我按{name}的尺码表帮您选。",
        "size_none": "按尺码表，身高 {h} 体重 {w} 不在{name}的尺码范围内，建议转人工帮您确认。",
        "no_chart": "{name}没有尺码表，我不想乱推荐尺码。需要的话可以转人工帮您确认。",
        "which": "您问的是哪一款？{options}",
        "sep": "、",
    },
    "en": {
        "value": "{name} — {attr}: {value}.",
        "not_listed": "The listing of {name} does not state its {what}, and I'd rather not guess. A person can "
                      "check it for you.",
        "described": "The description of {name} says: {text}",
        "not_listed_any": "The listing of {name} does not answer that, and I'd rather not guess. A person can check it "
                          "for you.",
        "yes_listed": "Yes: {name} — {attr}: {value}.",
        "no_listed": "{name} — {attr}: {value}. {thing} is not listed. A person can check it for you.",
        "in_stock": "{name} ({variant}) is in stock.",
        "few_left": "{name} ({variant}) is in stock, only {n} left.",
        "out": "Sorry, {name} ({variant}) is out of stock.",
        "alternatives": "In stock now: {options}.",
        "product_in": "{name} is in stock.",
        "product_out": "Sorry, {name} is out of stock.",
        "options": "{name} comes in these {attr} options: {options}.",
        "price": "{name}{variant} costs {price}.",
        "price_range": "{name} costs {low} to {high}, depending on the {attr}.",
        "compare_head": "{a} vs {b}:",
        "compare_row": "· {attr}: {a} | {b}",
        "not_stated": "not stated",
        "size_pick": "By the size chart, for {h} and {w} we suggest size {size}{note}.",
        "size_pick_h": "By the size chart, for {h} we suggest size {size} (tell me your weight to be surer).",
        "size_pick_w": "By the size chart, for {w} we suggest size {size} (tell me your height to be surer).",
        "size_between": "; you are between two sizes, take {bigger} for a looser fit",
        "size_out": "Size {size} is out of stock right now, though.",
        "size_ask": "Tell me your height and weight (e.g. 175cm 65kg) and I'll pick a size from the size chart of "
                    "{name}.",
        "size_none": "{h} and {w} are outside the size chart of {name}; a person can advise you.",
        "no_chart": "{name} has no size chart, so I'd rather not guess a size. A person can advise you.",
        "which": "Which one do you mean? {options}",
        "sep": ", ",
    },
}


@dataclass
class ProductAnswer:
    """What the bot says about a product: the text, buttons, and what kind of answer it was (for the trace)."""

    kind: str  # spec | not_listed | stock | options | price | compare | size | which
    text: str
    skus: list[str]
    attribute: str | None = None
    offer_person: bool = False
    buttons: list[dict[str, Any]] = field(default_factory=list)


def _t(locale: str, key: str, **kw: Any) -> str:
    return TEXTS["en" if locale == "en" else "zh"][key].format(**kw)


def money(cents: int) -> str:
    return f"¥{cents / 100:,.2f}"


# --- finding the product -------------------------------------------------------------------------------------

class ProductCache:
    """Products read from the shop's system, kept a minute: one conversation asks several things in a row."""

    def __init__(self) -> None:
        self._items: dict[tuple[int, str], tuple[float, ProductData | None]] = {}
        self._lists: dict[int, tuple[float, list[ProductData]]] = {}

    def get(self, tenant_id: int, commerce: Commerce, sku: str) -> ProductData | None:
        hit = self._items.get((tenant_id, sku))
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        try:
            product = commerce.get_product(sku)
        except (CommerceError, AttributeError):  # a connector without product reads: no expert answers
            product = None
        self._items[(tenant_id, sku)] = (time.monotonic(), product)
        return product

    def all(self, tenant_id: int, commerce: Commerce) -> list[ProductData]:
        hit = self._lists.get(tenant_id)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        try:
            rows = commerce.products(limit=200)
        except CommerceError:
            rows = []
        self._lists[tenant_id] = (time.monotonic(), rows)
        return rows

    def clear(self) -> None:
        self._items.clear()
        self._lists.clear()


@functools.lru_cache(maxsize=4096)
def _name_keys(name: str) -> tuple[str, ...]:
    """A product name's words, normalised, as find_products reads them (cut once per name, not per message)."""
    from kefu.nlu.entities import product_keys
    from kefu.nlu.normalize import normalize

    return tuple(normalize(k).replace(" ", "") for k in product_keys(name))


def named_products(text: str, products: list[ProductData], *, keep: int = 1) -> list[str]:
    """SKUs the message names, best first: a full name beats a shared word ("无线静音鼠标" over "鼠标").

    keep: how many distinct levels of match to keep (2 for a comparison of two products).
    """
    from kefu.nlu.normalize import normalize

    norm = normalize(text).replace(" ", "")
    scored: list[tuple[float, str]] = []
    for p in products:
        keys = _name_keys(p.name)
        hits = [k for k in keys if len(k) >= 2 and k in norm]
        if hits:
            whole = normalize(p.name).replace(" ", "") in norm
            scored.append((max(map(len, hits)) + 0.1 * len(hits) + (10 if whole else 0), p.sku))
    scored.sort(key=lambda x: -x[0])
    if keep > 1:
        return [sku for _, sku in scored[:keep]]
    top = scored[0][0] if scored else 0
    return [sku for score, sku in scored if score == top][:3]


def _about_page(text: str, page: ProductData, others: list[ProductData]) -> bool:
    """True when a word the message shares with another product's name (not its whole name) is one the page's
    own product describes itself with: the question stays about the page's product."""
    from kefu.nlu.normalize import normalize

    norm = normalize(text).replace(" ", "")
    own = normalize(" ".join([page.name, page.description or "", *map(str, (page.attributes or {}).values())])
                    ).replace(" ", "")
    for other in others:
        if normalize(other.name).replace(" ", "") in norm:
            return False
        if any(len(k) >= 2 and k in norm and k in own for k in _name_keys(other.name)):
            return True
    return False


# Words too common to tie a question to a sentence of the description.
_COMMON = {"这个", "可以", "能不能", "什么", "多少", "有没有", "是不是", "怎么", "怎么样", "一下", "请问", "你们",
           "我们", "the", "this", "that", "does", "with", "have", "what", "how", "can", "and", "for", "it", "is", "are"}


def described(product: ProductData, low: str) -> str | None:
    """The sentence of the product's description that speaks of what the question asks ("装得下笔记本吗")."""
    if not product.description:
        return None
    from kefu.nlu.normalize import normalize
    from kefu.nlu.tokenize import cut

    asked = {w for w in cut(normalize(low)) if len(w) >= 2 and w not in _COMMON and not w.isdigit()}
    for sentence in re.split(r"(?<=[。；;！!.])\s*|\n", product.description):
        said = normalize(sentence)
        # "笔记本电脑" asked, "笔记本" written: a three-character part of a long word counts too.
        if sentence.strip() and any(w in said or any(w[i:i + 3] in said for i in range(len(w) - 2))
                                    for w in asked):
            return sentence.strip()
    return None


def without_names(low: str, products: list[ProductData]) -> str:
    """The question with the products' names (and the words of them) taken out."""
    from kefu.nlu.entities import product_keys

    for p in products:
        names = {p.name.lower(), *(k.lower() for k in product_keys(p.name)), *(t.lower() for t in p.tags)}
        for k in sorted(names, key=len, reverse=True):
            if len(k) >= 2:
                low = low.replace(k, " ")
    return low


def english_names(text: str, products: list[ProductData]) -> list[str]:
    """SKUs whose English tags ("mug", "gaming mouse") the message names, the longest tag first."""
    low = text.lower()
    hits: list[tuple[int, str]] = []
    for p in products:
        best = max((len(t) for t in p.tags if re.fullmatch(r"[a-z][a-z -]+", t.lower())
                    and re.search(rf"\b{re.escape(t.lower())}s?\b", low)), default=0)
        if best:
            hits.append((best, p.sku))
    hits.sort(key=lambda h: -h[0])
    top = hits[0][0] if hits else 0
    return [sku for n, sku in hits if n == top][:3]


# --- reading the question -------------------------------------------------------------------------------------

def _mentions(text: str, word: str) -> bool:
    w = word.lower()
    if re.fullmatch(r"[a-z0-9 .-]+", w):
        return re.search(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])", text) is not None
    return w in text


def asked_attributes(text: str, product: ProductData) -> list[str]:
    """The product's attribute keys the question asks about, the most specific first."""
    low = text.lower()
    found: list[tuple[int, str]] = []
    echoed: set[str] = set()
    for key, value in product.attributes.items():
        hits = [len(w) for w in words(key) if _mentions(low, w)]
        # "能装下15寸的笔记本吗": the value that names the thing asked about ("可放 15.6 英寸笔记本电脑") answers it.
        echo = _shared_run(low, str(value).lower())
        if echo >= 3:
            echoed.add(key)
        if hits or echo >= 3:
            found.append((max(hits, default=0) + (5 if key.lower() in low else 0) + (echo if echo >= 3 else 0), key))
    found.sort(key=lambda f: -f[0])
    keys = [k for _, k in found]
    # "支持蓝牙吗" asks about the connection, not what it is compatible with.
    explicit = re.search(r"(兼容|适用|适配|compatible)", low)
    if len(keys) > 1 and not explicit:
        keys = [k for k in keys if canonical(k) != "兼容" or k in echoed] or keys
    return keys


def _shared_run(a: str, b: str) -> int:
    """The length of the longest run of CJK characters both texts contain."""
    best = 0
    for i in range(len(a)):
        j = i
        while j < len(a) and "\u4e00" <= a[j] <= "\u9fff" and a[i:j + 1] in b:
            j += 1
        best = max(best, j - i)
    return best


def asked_concepts(text: str) -> list[str]:
    """Attribute names kefu knows (容量, 背光 …) that the question uses, whatever product it is about."""
    low = text.lower()
    found = []
    for key, (_, asks) in ATTRIBUTES.items():
        if any(_mentions(low, w) for w in asks if len(w) >= 2):
            found.append(key)
    return found


def _value_in(text: str, value: str) -> bool:
    v = value.strip().lower()
    if not v:
        return False
    if re.fullmatch(r"[a-z0-9]+", v):  # sizes: "L" must not be found in "XL"
        return re.search(rf"(?<![a-z0-9]){re.escape(v)}(?![a-z0-9])", text) is not None
    if v in text:
        return True
    short = re.sub(r"(色|码|轴)$", "", v)
    return len(short) >= 1 and short != v and short in text


# English words for the values shops write in Chinese ("the white one" → 白色, "brown switches" → 茶轴).
_EN_VALUES = {"white": "白", "black": "黑", "grey": "灰", "gray": "灰", "pink": "粉", "blue": "蓝 青", "green": "绿",
              "red": "红", "yellow": "黄", "brown": "茶 棕", "navy": "藏青", "khaki": "卡其", "oak": "橡木",
              "walnut": "胡桃"}


def chosen_variants(text: str, variants: list[VariantData]) -> tuple[list[VariantData], dict[str, str]]:
    """The variants whose every mentioned attribute value the message names ("黑色L码" → black, L)."""
    low = text.lower().replace("码", " 码 ")
    low += " " + " ".join(zh for en, zh in _EN_VALUES.items() if re.search(rf"\b{en}\b", low))
    named: dict[str, str] = {}
    for v in variants:
        for k, val in v.attributes.items():
            if _value_in(low, str(val)) and (k not in named or len(str(val)) > len(named[k])):
                named[k] = str(val)
    if not named:
        return [], {}
    picked = [v for v in variants if all(str(v.attributes.get(k)) == val for k, val in named.items())]
    return picked, named


def _variant_label(v: VariantData, locale: str) -> str:
    return (" " if locale == "en" else " ").join(str(x) for x in v.attributes.values())


def body_numbers(text: str) -> tuple[float | None, float | None]:
    """Height in cm and weight in kg the customer gives ("175 65公斤", "1米75 130斤", "180cm 75kg")."""
    s = text.lower().replace("１", "1")
    weight = None
    if m := WEIGHT.search(s):
        n = float(m.group(1))
        unit = m.group(2)
        weight = n / 2 if unit == "斤" else n * 0.4536 if unit.startswith("lb") else n
        s = s[:m.start()] + " " + s[m.end():]
    height = None
    for m in HEIGHT.finditer(s):
        raw = m.group(1)
        n = float(raw.replace("米", ".")) * 100 if ("." in raw or "米" in raw) and float(
            raw.replace("米", ".")) < 3 else float(raw)
        if 130 <= n <= 220:
            height = n
            break
    if weight is None:  # "175 65": a bare second number is the weight in kg
        for m in re.finditer(r"(?<![\d.])(\d{2,3})(?![\d.])(?!\s*(?:cm|厘米|公分))", s):
            n = float(m.group(1))
            if 35 <= n <= 130 and n != height:
                weight = n
                break
    return height, weight


def _range(value: Any) -> tuple[float, float] | None:
    nums = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", str(value))]
    if not nums:
        return None
    return (nums[0], nums[-1]) if len(nums) > 1 else (nums[0] - 2.5, nums[0] + 2.5)


def _chart_key(row: dict[str, Any], *names: str) -> str | None:
    for k in row:
        if any(n in k.lower() for n in names):
            return k
    return None


def pick_size(chart: list[dict[str, Any]], height: float | None, weight: float | None
              ) -> tuple[str | None, str | None]:
    """(size by the chart, a bigger neighbour when height and weight disagree) for a customer's height/weight."""
    if not chart:
        return None, None
    size_key = _chart_key(chart[0], "尺码", "size", "码") or next(iter(chart[0]))
    h_key = _chart_key(chart[0], "身高", "height")
    w_key = _chart_key(chart[0], "体重", "weight")

    def index_for(key: str | None, value: float | None) -> int | None:
        if key is None or value is None:
            return None
        for i, row in enumerate(chart):
            r = _range(row.get(key))
            if r and r[0] <= value <= r[1]:
                return i
        return None

    if h_key and w_key and height is not None and weight is not None:
        for row in chart:  # overlapping charts: the row that fits both
            hr, wr = _range(row.get(h_key)), _range(row.get(w_key))
            if hr and wr and hr[0] <= height <= hr[1] and wr[0] <= weight <= wr[1]:
                return str(row[size_key]), None
    hi, wi = index_for(h_key, height), index_for(w_key, weight)
    if hi is None and wi is None:
        return None, None
    if hi is not None and wi is not None and hi != wi:
        lo, up = min(hi, wi), max(hi, wi)
        return str(chart[lo][size_key]), str(chart[up][size_key])
    i = hi if hi is not None else wi
    return str(chart[i][size_key]), None


# --- answering ------------------------------------------------------------------------------------------------

class Expert:
    """Reads a customer's question about a product and answers it from the catalogue, or returns None."""

    def __init__(self) -> None:
        self.cache = ProductCache()

    def answer(self, commerce: Commerce, tenant_id: int, text: str, locale: str, *, named: list[str],
               context_sku: str | None = None, context_variant: str | None = None, recent: list[str] | None = None,
               ordered: Callable[[], list[str]] | None = None, knowledge_answers: bool = False
               ) -> ProductAnswer | None:
        """The answer to text, or None when it is not a product question (or the knowledge base should answer).

        named: SKUs the message names; context_sku: the page the customer is on (context_variant: the variant
        that page shows, if it is a variant's page); recent: products talked about
        before; ordered: reads the SKUs of the customer's latest order (asked only when nothing else names one);
        knowledge_answers: the knowledge base has a confident answer (it wins unless the question clearly asks
        about this product's specifications).
        """
        low = text.lower().strip()
        if not low or POLICY.search(low):
            return None
        compare = COMPARE.search(low) is not None
        catalogue = self.cache.all(tenant_id, commerce) if named or re.search(r"[a-z]{3}", low) else []
        names = (named_products(text, catalogue, keep=2 if compare else 1) if named else []) or \
            english_names(text, catalogue)
        if context_sku and names and not compare and context_sku in named_products(text, catalogue,
                                                                                   keep=len(catalogue)):
            names = [context_sku]  # "这个鼠标" on a mouse's page is that mouse, not every mouse of the shop
        elif context_sku and names and not compare and context_sku not in names:
            page = self.cache.get(tenant_id, commerce, context_sku)
            if page is not None and _about_page(text, page, [p for p in catalogue if p.sku == names[0]]):
                names = [context_sku]  # "能装下笔记本吗" on a backpack's page asks about the backpack
        products = [p for p in (self.cache.get(tenant_id, commerce, s) for s in names[:3]) if p is not None]
        if len(products) >= 2 and compare:
            return self._compare(products[:2], locale)
        on_page = False
        if not products:
            on_page = bool(context_sku)
            fallback = context_sku or ((recent or [None])[-1] if recent else None)
            if fallback is None and ordered and (THIS.search(low) or asked_concepts(low)) and not knowledge_answers:
                bought = [p for p in (self.cache.get(tenant_id, commerce, s) for s in ordered()[:8]) if p]
                # Of what they bought, the product the question fits ("有多少页" is the notebook's).
                fallback = next((p.sku for p in bought if asked_attributes(text, p)), bought[0].sku if bought else None)
            product = self.cache.get(tenant_id, commerce, fallback) if fallback else None
            if product is None:
                return None
            products = [product]
        chart = products[0].size_chart or self._category_chart(tenant_id, commerce, products[0])
        page_variant = context_variant if products[0].sku == context_sku else None
        return self._about(products, text, low, locale, knowledge_answers, named=bool(names) or on_page,
                           chart=chart, page_variant=page_variant)

    def _category_chart(self, tenant_id: int, commerce: Commerce, product: ProductData
                        ) -> list[dict[str, Any]] | None:
        """A product without its own size chart uses the chart of its category (another product's there)."""
        if not product.category:
            return None
        for other in self.cache.all(tenant_id, commerce):
            if other.category == product.category and other.size_chart:
                return other.size_chart
        return None

    def _about(self, products: list[ProductData], text: str, low: str, locale: str, knowledge_answers: bool,
               *, named: bool, chart: list[dict[str, Any]] | None, page_variant: str | None = None
               ) -> ProductAnswer | None:
        product = products[0]
        # The product's own name says nothing about what is asked: "无线静音鼠标线多长" asks about the cable.
        text = low = without_names(low, products)
        if SIZE.search(low) or (body_numbers(low) != (None, None) and re.search(r"(码|size|穿|fit)", low)):
            return self._size(product, low, locale, chart)
        if STOCK.search(low):
            return self._stock(product, low, locale, page_variant)
        if OPTIONS.search(low) and product.variants:
            return self._options(product, low, locale)
        if PRICE.search(low):
            return self._price(product, low, locale, page_variant)
        keys = asked_attributes(text, product)
        if keys:
            if len(products) > 1:
                return self._spec_many(products, text, locale)
            return self._spec(product, keys[0], low, locale)
        if not QUESTION.search(low) or knowledge_answers:
            return None
        if said := described(product, low):
            return ProductAnswer("spec", _t(locale, "described", name=product.name, text=said), [product.sku],
                                 attribute="description")
        concepts = asked_concepts(low)
        if concepts:
            what = label(concepts[0], locale)
            return ProductAnswer("not_listed", _t(locale, "not_listed", name=product.name, what=what),
                                 [product.sku], attribute=concepts[0], offer_person=True)
        if named or THIS.search(low):
            # A question about this product (named, "这个", or asked on its page) the catalogue has no field for
            # ("会起球吗"): not listed rather than a guess or a plain "I did not understand".
            return ProductAnswer("not_listed", _t(locale, "not_listed_any", name=product.name), [product.sku],
                                 offer_person=True)
        return None

    def _spec(self, product: ProductData, key: str, low: str, locale: str) -> ProductAnswer:
        value = str(product.attributes[key])
        attr = label(key, locale)
        if canonical(key) == "兼容":
            things = [t for t in re.findall(r"[a-z][a-z0-9]+(?: ?[0-9]+)?", low)
                      if t not in {"is", "it", "does", "do", "can", "with", "work", "works", "compatible", "the",
                                   "this", "support", "supports", "my", "a", "an", "on", "for", "and", "or"}]
            thing = next((t for t in things if t not in value.lower()), None)
            if things and thing is None:
                return ProductAnswer("spec", _t(locale, "yes_listed", name=product.name, attr=attr, value=value),
                                     [product.sku], attribute=key)
            if thing:
                return ProductAnswer("not_listed", _t(locale, "no_listed", name=product.name, attr=attr, value=value,
                                                      thing=thing), [product.sku], attribute=key, offer_person=True)
        return ProductAnswer("spec", _t(locale, "value", name=product.name, attr=attr, value=value), [product.sku],
                             attribute=key)

    def _spec_many(self, products: list[ProductData], text: str, locale: str) -> ProductAnswer:
        lines = []
        for p in products:
            keys = asked_attributes(text, p)
            if keys:
                lines.append(_t(locale, "value", name=p.name, attr=label(keys[0], locale), value=p.attributes[keys[0]]))
            else:
                concept = (asked_concepts(text.lower()) or ["?"])[0]
                lines.append(_t(locale, "not_listed", name=p.name, what=label(concept, locale)))
        return ProductAnswer("spec", "\n".join(lines), [p.sku for p in products],
                             offer_person=any("没有写" in line or "not state" in line for line in lines))

    def _options(self, product: ProductData, low: str, locale: str) -> ProductAnswer:
        keys = list(dict.fromkeys(k for v in product.variants for k in v.attributes))
        key = next((k for k in keys if any(_mentions(low, w) for w in words(k))), keys[0])
        values = list(dict.fromkeys(str(v.attributes.get(key)) for v in product.variants if key in v.attributes))
        return ProductAnswer("options", _t(locale, "options", name=product.name, attr=label(key, locale),
                                           options=_t(locale, "sep").join(values[:MAX_OPTIONS * 2])),
                             [product.sku], attribute=key)

    @staticmethod
    def _variants(low: str, product: ProductData, page: str | None) -> tuple[list[VariantData], dict[str, str]]:
        """The variants the message names; none named on a variant's page: that variant."""
        picked, named = chosen_variants(low, product.variants)
        if not named and page:
            picked = [v for v in product.variants if v.sku == page]
            named = dict(picked[0].attributes) if picked else {}
        return picked, named

    def _stock(self, product: ProductData, low: str, locale: str, page: str | None = None) -> ProductAnswer:
        if not product.variants:
            key = "product_in" if product.stock > 0 else "product_out"
            return ProductAnswer("stock", _t(locale, key, name=product.name), [product.sku])
        picked, named = self._variants(low, product, page)
        sep = _t(locale, "sep")
        in_stock = [v for v in product.variants if v.stock > 0]
        if len(picked) == 1:
            v = picked[0]
            label_ = _variant_label(v, locale)
            if v.stock > 5:
                text = _t(locale, "in_stock", name=product.name, variant=label_)
            elif v.stock > 0:
                text = _t(locale, "few_left", name=product.name, variant=label_, n=v.stock)
            else:
                text = _t(locale, "out", name=product.name, variant=label_)
                # Nearest others first: the same colour in another size, the same size in another colour.
                near = [o for o in in_stock if any(o.attributes.get(k) == val for k, val in named.items())] or in_stock
                if near:
                    text += _t(locale, "alternatives", options=sep.join(_variant_label(o, locale)
                                                                        for o in near[:MAX_OPTIONS]))
            return ProductAnswer("stock", text, [v.sku])
        pool = [v for v in picked if v.stock > 0] if picked else in_stock
        if not pool:
            return ProductAnswer("stock", _t(locale, "product_out", name=product.name), [product.sku])
        text = _t(locale, "alternatives", options=sep.join(_variant_label(o, locale) for o in pool[:MAX_OPTIONS]))
        return ProductAnswer("stock", text, [product.sku])

    def _price(self, product: ProductData, low: str, locale: str, page: str | None = None) -> ProductAnswer:
        picked, _ = self._variants(low, product, page)
        if len(picked) == 1:
            v = picked[0]
            return ProductAnswer("price", _t(locale, "price", name=product.name,
                                             variant=f"（{_variant_label(v, locale)}）" if locale != "en"
                                             else f" ({_variant_label(v, locale)})",
                                             price=money(v.price_cents if v.price_cents is not None
                                                         else product.price_cents)), [v.sku])
        prices = {v.price_cents if v.price_cents is not None else product.price_cents for v in product.variants}
        if len(prices) > 1:
            key = next(iter(product.variants[0].attributes), "")
            return ProductAnswer("price", _t(locale, "price_range", name=product.name, low=money(min(prices)),
                                             high=money(max(prices)), attr=label(key, locale)), [product.sku])
        return ProductAnswer("price", _t(locale, "price", name=product.name, variant="",
                                         price=money(product.price_cents)), [product.sku])

    def _compare(self, products: list[ProductData], locale: str) -> ProductAnswer:
        a, b = products
        na = {canonical(k): k for k in a.attributes}
        nb = {canonical(k): k for k in b.attributes}
        shared = [c for c in na if c in nb][:6] or list(dict.fromkeys([*na, *nb]))[:6]
        stated = _t(locale, "not_stated")
        rows = [_t(locale, "compare_row", attr="价格" if locale != "en" else "price", a=money(a.price_cents),
                   b=money(b.price_cents))]
        for c in shared:
            rows.append(_t(locale, "compare_row", attr=label(na.get(c) or nb.get(c), locale),
                           a=a.attributes.get(na.get(c, ""), stated), b=b.attributes.get(nb.get(c, ""), stated)))
        text = _t(locale, "compare_head", a=a.name, b=b.name) + "\n" + "\n".join(rows)
        return ProductAnswer("compare", text, [a.sku, b.sku])

    def _size(self, product: ProductData, low: str, locale: str, chart: list[dict[str, Any]] | None = None
              ) -> ProductAnswer:
        chart = chart or product.size_chart
        if not chart:
            return ProductAnswer("size", _t(locale, "no_chart", name=product.name), [product.sku],
                                 offer_person=True)
        height, weight = body_numbers(low)
        if height is None and weight is None:
            return ProductAnswer("size", _t(locale, "size_ask", name=product.name), [product.sku])
        size, bigger = pick_size(chart, height, weight)
        h = f"{height:g}cm" if height else ""
        w = f"{weight:g}kg" if weight else ""
        if size is None:
            return ProductAnswer("size", _t(locale, "size_none", name=product.name, h=h, w=w), [product.sku],
                                 offer_person=True)
        if height and weight:
            note = _t(locale, "size_between", bigger=bigger) if bigger else ""
            text = _t(locale, "size_pick", h=h, w=w, size=size, note=note)
        else:
            text = _t(locale, "size_pick_h" if height else "size_pick_w", h=h, w=w, size=size)
        sized = [v for v in product.variants if str(v.attributes.get(_size_attr(v) or "", "")) == size]
        if sized and not any(v.stock > 0 for v in sized):
            text += _t(locale, "size_out", size=size)
        return ProductAnswer("size", text, [product.sku], attribute="尺码")


def _size_attr(v: VariantData) -> str | None:
    return next((k for k in v.attributes if canonical(k) == "尺码"), None)
