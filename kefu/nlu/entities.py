"""Pick out what a customer message names: order numbers, mobile phones, amounts, dates and the shop's products.

Every customer message is read this way, the first one included, so a flow starts with what the customer
already said ("订单D1003到哪了 手机13800138000") and the intent matchers see the words without the numbers.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kefu.nlu.normalize import normalize

# A mainland mobile, written any way customers write one: "+86 138 0013 8000", "138-0013-8000", "8613800138000".
_PHONE = re.compile(r"(?<![\dA-Za-z])(?:\+?86[\s-]?)?(1[3-9]\d(?:[\s-]?\d){8})(?![\dA-Za-z])")
# Letters optional, then digits: "A1002", "2024112300017", "JD-88812345", "SO_2024_000123"; five characters at
# least so "3件" or "99元" never match. Labels in front ("订单号：", "单号#", "order #") are not part of it.
_ORDER_NO = re.compile(r"(?<![A-Za-z0-9_-])([A-Za-z]{0,6}[-_]?\d[A-Za-z0-9_-]{3,31})(?![A-Za-z0-9_-])")
_ORDER_LABEL = r"((订单号码|订单编号|订单号|单号|order\s*(number|no\.?)?)\s*[:：#]?\s*|订单[:：#]?)?"
_AMOUNT = re.compile(r"(?:[¥￥$]\s?(\d+(?:\.\d{1,2})?))|(?:(\d+(?:\.\d{1,2})?)\s?(?:元|块钱|块|rmb|yuan|dollars?))",
                     re.IGNORECASE)
_RELATIVE_DAYS = {"前天": -2, "昨天": -1, "今天": 0, "明天": 1, "后天": 2, "大后天": 3,
                  "today": 0, "tomorrow": 1, "yesterday": -1}
_WEEKDAYS = "一二三四五六日天"
_DATE_ISO = re.compile(r"(20\d\d)[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?")
_DATE_MD = re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})[日号]")
_WEEKDAY = re.compile(r"(下|这|本)?(?:周|星期|礼拜)([一二三四五六日天])")
_RELATIVE = re.compile("|".join(sorted(_RELATIVE_DAYS, key=len, reverse=True)), re.IGNORECASE)
SHOP_ZONE = dt.timezone(dt.timedelta(hours=8))


@dataclass
class Entities:
    """What one message names; `products` are SKUs of the shop's catalogue."""

    order_no: str | None = None
    phone: str | None = None
    amount: str | None = None
    date: str | None = None  # ISO date in the shop's time
    products: list[str] = field(default_factory=list)
    product_names: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"order_no": self.order_no, "phone": self.phone, "amount": self.amount, "date": self.date,
                "products": list(self.products)}


def _width(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def find_phone(text: str) -> str | None:
    """Return the 11-digit mobile number in text, if there is one."""
    m = _PHONE.search(_width(text))
    return re.sub(r"\D", "", m.group(1)) if m else None


def replace_phones(text: str, repl: Callable[[str], str]) -> str:
    """Return text with every mobile number in it replaced by repl(its 11 digits) (masking for readers and logs)."""
    def sub(m: re.Match[str]) -> str:
        return repl(re.sub(r"\D", "", m.group(1)))

    out = _PHONE.sub(sub, text or "")
    wide = _width(out)  # digits typed full-width ("１３８…") are found in the folded text
    return _PHONE.sub(sub, wide) if wide != out and _PHONE.search(wide) else out


def find_order_no(text: str) -> str | None:
    """Return the first order-number-looking token (not a phone number), upper-cased."""
    plain = _PHONE.sub(" ", _width(text)).upper()
    for m in _ORDER_NO.finditer(plain):
        token = m.group(1).strip("-_")
        digits = sum(ch.isdigit() for ch in token)
        # Sizes, years and prices are not orders: an order number has four digits or more.
        if digits >= 4 and not re.fullmatch(r"(19|20)\d\d", token):
            return token
    return None


def find_amount(text: str) -> str | None:
    m = _AMOUNT.search(_width(text))
    return (m.group(1) or m.group(2)) if m else None


def find_date(text: str, today: dt.date | None = None) -> str | None:
    """Return the date text names (今天, 明天, 周五, 12月3日, 2026-12-03) as ISO, or None."""
    s = _width(text)
    today = today or dt.datetime.now(SHOP_ZONE).date()
    if m := _DATE_ISO.search(s):
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            return None
    if m := _DATE_MD.search(s):
        try:
            day = dt.date(today.year, int(m.group(1)), int(m.group(2)))
        except ValueError:
            return None
        return day.isoformat()
    if m := _WEEKDAY.search(s):
        target = min(_WEEKDAYS.index(m.group(2)), 6)
        if m.group(1) == "下":  # next calendar week's day
            return (today + dt.timedelta(days=7 - today.weekday() + target)).isoformat()
        return (today + dt.timedelta(days=(target - today.weekday()) % 7)).isoformat()
    if m := _RELATIVE.search(s):
        return (today + dt.timedelta(days=_RELATIVE_DAYS[m.group(0).lower()])).isoformat()
    return None


def product_keys(name: str) -> list[str]:
    """Words of a product name a customer would use for it ("明前龙井 250g" → 明前龙井, 龙井, 明前)."""
    from kefu.nlu.tokenize import cut

    base = re.sub(r"[\d.]+\s*(g|kg|ml|l|cm|mm|寸|克|毫升|个|只|件|装)\b", " ", _width(name), flags=re.IGNORECASE)
    keys = {w for w in re.split(r"[\s/·,，()（）]+", base) if len(w) >= 2}
    for chunk in list(keys):
        keys.update(w for w in cut(normalize(chunk)) if len(w) >= 2 and not w.isdigit())
    return sorted(keys, key=len, reverse=True)


def find_products(text: str, catalogue: list[tuple[str, list[str], str]]) -> list[tuple[str, str]]:
    """Return (sku, name) of catalogue products text names; catalogue rows are (sku, keys, name)."""
    norm = normalize(text)
    found = []
    for sku, keys, name in catalogue:
        # normalize() is cached: a catalogue of 200 products has ~1,000 keys, read for every message.
        if any(len(k) >= 2 and k in norm for k in map(normalize, keys)):
            found.append((sku, name))
    return found[:3]


def extract(text: str, catalogue: list[tuple[str, list[str], str]] | None = None) -> Entities:
    """Read every entity kefu knows out of one message."""
    phone = find_phone(text)
    products = find_products(text, catalogue or [])
    return Entities(order_no=find_order_no(text), phone=phone, amount=find_amount(text), date=find_date(text),
                    products=[sku for sku, _ in products], product_names=[name for _, name in products])


def without_numbers(text: str) -> str:
    """The message with its phone and order numbers taken out, for matching what it asks."""
    s = _PHONE.sub(" ", _width(text))
    no = find_order_no(s)
    if no:
        # The number goes with its label ("订单号：D1", "订单D1", "order no. D1"): neither says what the customer
        # wants; "查订单 D1" keeps its 查订单.
        s = re.sub(_ORDER_LABEL + re.escape(no), " ", s, flags=re.IGNORECASE)
    s = re.sub(r"(手机号码|手机号|手机|电话|phone|mobile)\s*[:：]?\s*(?=\s|$)", " ", s, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", s).strip(" ,，.。:：;；")
