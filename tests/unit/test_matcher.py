"""The plain char-TF-IDF baseline matcher: outcomes on small data."""

from kefu.nlu.matcher import CharTfidfMatcher, Entry
from kefu.nlu.normalize import normalize

KB = [
    Entry(1, "什么时候发货？", ("多久发货", "下单后几天发货")),
    Entry(2, "怎么退货？", ("我想退货", "退货流程")),
    Entry(3, "Is shipping free?", ("how much is shipping", "shipping cost")),
]


def test_normalize_folds_width_case_and_punctuation():
    assert normalize("ＡＢＣ，Hello！！😀") == "abc hello"
    assert normalize("  ？？ ") == ""


def test_answers_a_close_paraphrase_in_chinese_and_english():
    m = CharTfidfMatcher(KB)
    r = m.match("多久发货")
    assert r.outcome == "answer" and r.best.point_id == 1
    r = m.match("How much is shipping?")
    assert r.outcome == "answer" and r.best.point_id == 3


def test_unrelated_text_is_not_answered():
    r = CharTfidfMatcher(KB).match("量子力学的基本原理")
    assert r.outcome == "fallback"


def test_empty_kb_and_empty_query_fall_back():
    assert CharTfidfMatcher([]).match("多久发货").outcome == "fallback"
    assert CharTfidfMatcher(KB).match("！！？？").outcome == "fallback"
    assert CharTfidfMatcher(KB).match("").outcome == "fallback"


def test_candidates_are_distinct_points_best_first():
    r = CharTfidfMatcher(KB).match("退货")
    ids = [c.point_id for c in r.candidates]
    assert len(ids) == len(set(ids))
    assert ids[0] == 2
    assert [c.score for c in r.candidates] == sorted((c.score for c in r.candidates), reverse=True)


def test_same_similar_question_under_two_points_does_not_crash():
    kb = [Entry(1, "A问题", ("重复的问法",)), Entry(2, "B问题", ("重复的问法",))]
    r = CharTfidfMatcher(kb).match("重复的问法")
    assert {c.point_id for c in r.candidates} == {1, 2}
