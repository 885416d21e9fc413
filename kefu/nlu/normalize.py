"""Fold the ways one question can be written into one form: width, script, case, punctuation, emoji, numbers.

`matchable` also drops what a chat message carries around its question (greetings and fillers, emoji codes,
links, the fields of a pasted order card), for the matchers only.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_PUNCT_RE = re.compile(r"[\W_]+", re.UNICODE)
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
# Numerals a customer writes before a unit ("七天", "十五天", "三个月"); standalone 一 stays (一下, 一起).
_CN_NUM_RE = re.compile(r"([零〇一二两三四五六七八九十百]+)(?=[天日号个件次年月周小分元块岁])")


@lru_cache(maxsize=1)
def _t2s():
    try:
        import opencc

        return opencc.OpenCC("t2s").convert
    except Exception:  # optional at run time: without it traditional text is matched as written
        return lambda s: s


def _cn_number(s: str) -> str:
    """Turn 十五 → 15, 二十 → 20, 三百 → 300, 七 → 7 (up to 999)."""
    total, current = 0, 0
    for ch in s:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _CN_DIGITS[ch]
    return str(total + current)


@lru_cache(maxsize=16384)
def normalize(text: str) -> str:
    """Return text in one canonical form for matching (not for display).

    Cached: one message is normalised by several readers (entities, matchers, emotion, flows), and the same short
    texts (product words, flow examples, popular questions) come back all day."""
    text = unicodedata.normalize("NFKC", text)
    text = _t2s()(text).lower()
    text = _CN_NUM_RE.sub(lambda m: _cn_number(m.group(1)), text)
    return _PUNCT_RE.sub(" ", text).strip()


# Chat apps write emoji and stickers as short bracketed codes ("[微笑]"); pasted order cards and anonymised logs
# use the same form for values ("[订单x]"). None of it says what the customer asks.
_BRACKET_RE = re.compile(r"\[[^\[\]\n]{0,16}\]")
_LINK_RE = re.compile(r"(?:https?|file)://\S+|www\.\S+", re.IGNORECASE)
# An order card's fields ("订单号：2024112300017 订单金额：¥99"): the order number is read as an entity elsewhere.
_CARD_FIELD_RE = re.compile(r"(?:咨询|查询)?(?:订单编号|订单号|订单金额|下单时间|商品ID|商品编号|商品号|交易单号)"
                            r"\s*[:：]\s*[0-9A-Za-z¥￥$.\-_/]*(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?", re.IGNORECASE)
# Greetings and fillers that open or close a message ("亲 在吗 这个还有货吗", "麻烦问下…"), longest first.
FILLERS = tuple(sorted((
    "亲爱的", "亲亲", "在吗", "在么", "在嘛", "在不在", "在不", "你好", "您好", "哈喽", "嗨", "hello", "hi",
    "请问一下", "请问下", "请问", "麻烦问一下", "麻烦问下", "麻烦问", "我想问一下", "我想问下", "我想问", "想问一下",
    "想问下", "我问下", "问一下", "问下", "咨询一下", "咨询下", "打扰一下", "打扰了", "麻烦你", "麻烦您", "麻烦了",
    "有人吗", "人呢", "客服在吗",
), key=len, reverse=True))
_FILLER_ONLY_RE = re.compile("(?:" + "|".join(map(re.escape, FILLERS)) + "|亲)+", re.IGNORECASE)
_LEADING_RE = re.compile(r"^(?:" + "|".join(map(re.escape, FILLERS)) + r")+", re.IGNORECASE)
_TRAILING_RE = re.compile(r"(?:在吗|在么|在嘛|亲)+$")


def strip_chatter(text: str) -> str:
    """Return text without greetings, fillers, emoji codes, links and order-card fields ("" when that is all)."""
    text = unicodedata.normalize("NFKC", text)
    text = _LINK_RE.sub(" ", text)
    for _ in range(3):  # nested codes ("[订单编号:[订单x]]") come off from the inside
        text = _BRACKET_RE.sub(" ", text)
    text = _CARD_FIELD_RE.sub(" ", text)
    chunks = [c for c in re.split(r"[\s，,。.!！?？~～、;；:：]+", text) if c]
    kept = [c for c in chunks if not _FILLER_ONLY_RE.fullmatch(c)]
    if kept:
        first = _LEADING_RE.sub("", kept[0])
        kept[0] = first if len(first) >= 2 else kept[0]
        last = _TRAILING_RE.sub("", kept[-1])
        kept[-1] = last if len(last) >= 2 else kept[-1]
    return " ".join(kept)


def matchable(text: str) -> str:
    """normalize() of the question a message asks, without its chatter ("" when it asks nothing)."""
    return normalize(strip_chatter(text))
