"""Cut normalised text into words (jieba for Chinese) and character n-grams, with a shop's own terms and synonyms."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache

# Words jieba's general dictionary cuts wrongly in shop talk ("退货运费" → 退/货运费).
COMMERCE_WORDS = (
    "退货", "退款", "换货", "运费", "包邮", "发货", "快递", "物流", "包裹", "签收", "收货", "收货地址", "改地址",
    "发票", "专票", "普票", "优惠券", "满减", "会员", "积分", "尺码", "色差", "质量问题", "七天无理由", "催发货",
    "售后", "保修", "订单号", "取消订单", "到账", "客服", "人工", "转人工", "预售", "现货", "补发", "漏发",
    "错发", "破损", "退差价", "价保", "运单号", "顺丰", "中通", "圆通", "韵达", "申通", "京东", "花呗",
)
STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 么 嘛 哦 哈 请问 你好 您好 我 你 您 我们 你们 是 在 有 和 就 都 也 还 这 那 个 一下 能 可以 "
    "a an the is are am be to of and or in on for my me i you your it this that do does can could would please "
    "what how".split()
)
_LATIN_RE = re.compile(r"[a-z0-9]+")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")

_lock = threading.Lock()
# Segmentation of knowledge texts, remembered: rebuilding a shop's index after one edit re-reads every point,
# and jieba was two thirds of a 10,000-point rebuild. Customers' questions are not kept (they would crowd it).
# Cleared whenever the dictionary learns a word.
_cuts: dict[str, tuple[str, ...]] = {}
_MAX_CUTS = 200_000


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    for w in COMMERCE_WORDS:
        tk.add_word(w, freq=200000)
    tk.initialize()
    return tk


def add_words(words: Iterable[str]) -> None:
    """Teach the segmenter a shop's domain words (shared by all shops: a word never hurts another shop)."""
    tk = _jieba()
    with _lock:
        for w in words:
            w = (w or "").strip()
            if w and tk.FREQ.get(w) != 200000:
                tk.add_word(w, freq=200000)
                _cuts.clear()


def cut(norm: str, remember: bool = False) -> tuple[str, ...]:
    """jieba's words of a normalised text, from the cache when it was cut before; remember=True keeps them."""
    words = _cuts.get(norm)
    if words is None:
        words = tuple(_jieba().cut(norm))
        if remember:
            if len(_cuts) >= _MAX_CUTS:
                _cuts.clear()
            _cuts[norm] = words
    return words


class Tokenizer:
    """Words and character bigrams of normalised text; synonyms fold into one canonical word."""

    def __init__(self, synonyms: dict[str, str] | None = None):
        self.synonyms = synonyms or {}

    def words(self, norm: str, remember: bool = False) -> list[str]:
        out = []
        for w in cut(norm, remember):
            w = w.strip()
            if not w or w in STOPWORDS:
                continue
            out.append(self.synonyms.get(w, w))
        return out

    def canonical(self, norm: str, remember: bool = False) -> str:
        """The text with every synonym replaced by its group's word (what the embedder sees), spaces kept."""
        if not self.synonyms:
            return norm
        return "".join(self.synonyms.get(w, w) for w in cut(norm, remember))

    def tokens(self, norm: str, remember: bool = False) -> list[str]:
        """Words plus CJK character bigrams (robust to segmentation mistakes and typos); remember: see cut()."""
        toks = self.words(norm, remember)
        for chunk in norm.split():
            if _CJK_RE.search(chunk):
                toks.extend("#" + chunk[i:i + 2] for i in range(len(chunk) - 1))
            elif len(chunk) > 4 and _LATIN_RE.fullmatch(chunk):
                toks.append("#" + chunk[:5])  # a crude stem: refund/refunded/refunds meet here
        return toks


def synonym_map(groups: Iterable[Iterable[str]]) -> dict[str, str]:
    """Map every word of each group (快递=物流=包裹) to the group's first word."""
    mapping: dict[str, str] = {}
    for group in groups:
        group = [w.strip() for w in group if w and w.strip()]
        for w in group[1:]:
            mapping[w] = group[0]
    return mapping
