"""Fold the ways one question can be written into one form: width, script, case, punctuation, emoji, numbers."""

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


def normalize(text: str) -> str:
    """Return text in one canonical form for matching (not for display)."""
    text = unicodedata.normalize("NFKC", text)
    text = _t2s()(text).lower()
    text = _CN_NUM_RE.sub(lambda m: _cn_number(m.group(1)), text)
    return _PUNCT_RE.sub(" ", text).strip()
