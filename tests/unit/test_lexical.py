"""The BM25 index that takes edits: hand-scored texts score as bm25s would, and big changes build in full."""

import numpy as np
import pytest

from kefu.nlu import lexical
from kefu.nlu.hybrid import HybridMatcher
from kefu.nlu.lexical import LexicalIndex
from kefu.nlu.matcher import Entry
from kefu.nlu.normalize import normalize
from kefu.nlu.tokenize import Tokenizer

TEXTS = [normalize(t) for t in (
    "什么时候发货", "多久能发货", "包邮吗", "运费怎么算", "怎么退货", "退货运费谁出", "可以开发票吗", "发票怎么开",
    "顺丰能到吗", "支持货到付款吗", "尺码怎么选", "衣服起球怎么办",
)]


def tokenize(text: str) -> list[str]:
    return Tokenizer().tokens(text)


@pytest.fixture
def overlay_always(monkeypatch):
    monkeypatch.setattr(lexical, "MIN_OVERLAY_TEXTS", 0)


def test_a_hand_scored_text_scores_exactly_as_the_bulk_index_would(overlay_always):
    bulk = LexicalIndex(TEXTS, tokenize)
    # The same words under a new text (a trailing space cuts the same): scored by hand, with the bulk's statistics.
    edited = bulk.with_texts([TEXTS[0] + " ", *TEXTS[1:]], tokenize)
    assert list(edited.added) == [0] and edited.bm25 is bulk.bm25
    for query in ("什么时候发货", "发货 什么时候 发货", "退货运费", "没有的词"):
        assert np.allclose(edited.scores(tokenize(normalize(query))), bulk.scores(tokenize(normalize(query))),
                           atol=1e-5)


def test_an_edit_reuses_the_bulk_and_a_big_change_builds_in_full(overlay_always, monkeypatch):
    bulk = LexicalIndex(TEXTS, tokenize)
    one_new = bulk.with_texts([*TEXTS[:-1], normalize("衣服洗了会缩水吗")], tokenize)
    assert one_new.bm25 is bulk.bm25 and list(one_new.added) == [len(TEXTS) - 1]
    scores = one_new.scores(tokenize(normalize("缩水")))
    assert scores.argmax() == len(TEXTS) - 1 and scores[-1] > 0  # a word only the new text has is found
    assert bulk.with_texts(TEXTS[:6], tokenize).bm25 is not bulk.bm25  # half the bulk gone: full build
    monkeypatch.setattr(lexical, "MAX_NEW_TEXTS", 1)
    two_new = bulk.with_texts([*TEXTS, normalize("能送到新疆吗"), normalize("能送到西藏吗")], tokenize)
    assert two_new.bm25 is not bulk.bm25 and not two_new.added
    monkeypatch.setattr(lexical, "MIN_OVERLAY_TEXTS", 100)
    assert bulk.with_texts([*TEXTS, normalize("能送到新疆吗")], tokenize).bm25 is not bulk.bm25  # small: full


def test_a_matcher_after_an_edit_answers_like_one_built_from_scratch(overlay_always):
    kb = [Entry(i + 1, t) for i, t in enumerate(TEXTS)]
    before = HybridMatcher(kb, embedder=None)
    kb[2] = Entry(3, "包邮吗", ("满多少包邮",))  # a similar question added
    del kb[5]  # a point deleted
    after = HybridMatcher(kb, embedder=None, previous=before)
    fresh = HybridMatcher(kb, embedder=None)
    assert after.lexical.bm25 is before.lexical.bm25
    assert after.match("满多少包邮").best.point_id == 3
    assert all(c.point_id != 6 for c in after.match("退货运费谁出").candidates)
    for query in ("满多少包邮", "退货运费谁出", "发票", "怎么选尺码", "货到付款"):
        assert after.match(query).best.point_id == fresh.match(query).best.point_id
