"""The three-way merge of pack updates, field by field, with placeholders; plus versions and pack-file rules."""

from __future__ import annotations

import json

import pytest

from kefu.packs.fill import fill_point, values_for
from kefu.packs.merge import merge_point, resolve
from kefu.packs.packfile import PackError, newest, parse_pack, version_key

NOW = {"return_days": "7", "carrier": "顺丰"}


def tpl(**kw):
    point = {"category": "售后/退货", "question": "多少天内可以退货？", "similar": ["几天能退", "能退吗"],
             "answer": "本店支持{{return_days}}天无理由退货。", "tags": ["售后"]}
    return {**point, **kw}


def filled(template, values=NOW):
    return fill_point(template, values)


def plan(base, theirs, mine, *, was=NOW, now=NOW, deleted=False):
    return merge_point("returns.window", base=base, theirs=theirs, mine=mine, deleted_by_shop=deleted, was=was,
                       now=now)


# --- one side changed -------------------------------------------------------------------------------------

def test_untouched_by_the_shop_and_changed_upstream_updates_automatically():
    base, theirs = tpl(), tpl(answer="本店支持{{return_days}}天无理由退货，运费由{{carrier}}承担。")
    p = plan(base, theirs, filled(base))
    assert p.action == "auto"
    assert p.after["answer"] == "本店支持7天无理由退货，运费由顺丰承担。"
    assert p.fields["answer"].status == "theirs" and p.fields["question"].status == "same"


def test_changed_by_the_shop_and_unchanged_upstream_keeps_the_shop_s():
    base = tpl()
    mine = {**filled(base), "answer": "我们支持15天退货，欢迎咨询。"}
    p = plan(base, tpl(), mine)
    assert p.action == "keep" and p.after == mine
    assert p.fields["answer"].status == "mine"


def test_nothing_changed_on_either_side_is_unchanged():
    assert plan(tpl(), tpl(), filled(tpl())).action == "unchanged"


# --- both changed ---------------------------------------------------------------------------------------

def test_both_changed_the_same_field_differently_is_a_conflict_shown_side_by_side():
    base, theirs = tpl(), tpl(answer="支持{{return_days}}天无理由退货（定制商品除外）。")
    mine = {**filled(base), "answer": "我们支持15天退货。"}
    p = plan(base, theirs, mine)
    assert p.action == "conflict" and p.reason == "both_changed"
    assert p.conflict_fields == ["answer"]
    f = p.fields["answer"]
    assert (f.base, f.mine, f.theirs, f.result) == ("本店支持7天无理由退货。", "我们支持15天退货。",
                                                     "支持7天无理由退货（定制商品除外）。", None)
    assert p.after is None
    assert resolve(p, "mine")["answer"] == "我们支持15天退货。"
    assert resolve(p, "theirs")["answer"] == "支持7天无理由退货（定制商品除外）。"
    edited = {**mine, "answer": "两边合并后的答案"}
    assert resolve(p, edited)["answer"] == "两边合并后的答案"


def test_both_changed_to_the_same_text_is_no_conflict():
    base, theirs = tpl(), tpl(answer="支持{{return_days}}天退货。")
    mine = {**filled(base), "answer": "支持7天退货。"}
    p = plan(base, theirs, mine)
    assert p.action == "unchanged" and p.fields["answer"].status == "both"


def test_different_fields_changed_on_each_side_merge_without_conflict():
    base = tpl()
    theirs = tpl(answer="新版本的答案：{{return_days}}天。")
    mine = {**filled(base), "similar": ["几天能退", "能退吗", "退货期限"]}
    p = plan(base, theirs, mine)
    assert p.action == "auto"
    assert p.after["answer"] == "新版本的答案：7天。"
    assert p.after["similar"] == ["几天能退", "能退吗", "退货期限"]
    assert p.fields["similar"].status == "mine"


def test_only_the_conflicting_field_is_in_conflict_and_resolutions_keep_the_rest_merged():
    base = tpl()
    theirs = tpl(category="售后/退换货", answer="新答案{{return_days}}")
    mine = {**filled(base), "category": "售后服务/退货", "tags": ["售后", "热门"]}
    p = plan(base, theirs, mine)
    assert p.action == "conflict" and p.conflict_fields == ["category"]
    assert resolve(p, "mine") == {**mine, "answer": "新答案7"}
    assert resolve(p, "theirs") == {**mine, "category": "售后/退换货", "answer": "新答案7"}


# --- similar questions and tags merge as sets --------------------------------------------------------------

def test_similar_questions_merge_as_sets():
    base = tpl(similar=["a", "b", "c", "d"])
    theirs = tpl(similar=["a", "b", "d", "e"])  # upstream: removed c, added e
    mine = {**filled(base), "similar": ["a", "c", "d", "shop-x"]}  # shop: removed b, added shop-x
    p = plan(base, theirs, mine)
    assert p.action == "auto"
    assert p.fields["similar"].status == "merged"
    # shop-added kept, upstream-added added, upstream-removed removed, shop-removed stays removed
    assert p.after["similar"] == ["a", "d", "shop-x", "e"]


def test_similar_list_untouched_by_the_shop_follows_upstream_order():
    base, theirs = tpl(similar=["a", "b", "c"]), tpl(similar=["c", "a", "x"])
    p = plan(base, theirs, filled(base))
    assert p.after["similar"] == ["c", "a", "x"] and p.fields["similar"].status == "theirs"


def test_both_adding_the_same_similar_question_does_not_duplicate_it():
    base, theirs = tpl(similar=["a", "b"]), tpl(similar=["a", "b", "c"])
    mine = {**filled(base), "similar": ["a", "b", "c"]}
    p = plan(base, theirs, mine)
    assert p.action == "unchanged" and p.fields["similar"].status == "both"


def test_tags_merge_as_sets_too():
    base, theirs = tpl(tags=["售后"]), tpl(tags=["售后", "退货"])
    mine = {**filled(base), "tags": ["售后", "店长推荐"]}
    p = plan(base, theirs, mine)
    assert p.action == "auto" and p.after["tags"] == ["售后", "店长推荐", "退货"]


# --- deletions and additions -------------------------------------------------------------------------------

def test_deleted_by_the_shop_stays_deleted_even_if_changed_upstream():
    base, theirs = tpl(), tpl(answer="改了")
    p = plan(base, theirs, None, deleted=True)
    assert p.action == "stays_deleted" and p.upstream_changed and p.after is None
    quiet = plan(base, tpl(), None, deleted=True)
    assert quiet.action == "stays_deleted" and not quiet.upstream_changed


def test_deleted_on_both_sides_stays_deleted():
    p = plan(tpl(), None, None, deleted=True)
    assert p.action == "stays_deleted" and p.upstream_changed


def test_deleted_upstream_and_untouched_by_the_shop_is_removed():
    p = plan(tpl(), None, filled(tpl()))
    assert p.action == "remove" and p.after is None


def test_deleted_upstream_but_changed_by_the_shop_is_a_conflict():
    mine = {**filled(tpl()), "answer": "店铺自己改过的答案"}
    p = plan(tpl(), None, mine)
    assert p.action == "conflict" and p.reason == "upstream_deleted"
    assert p.conflict_fields == ["answer"] and p.fields["answer"].theirs is None
    assert resolve(p, "theirs") is None  # remove it, as the pack did
    assert resolve(p, "mine") == mine  # keep it as the shop's own point


def test_new_upstream_is_added_filled():
    p = merge_point("returns.new", base=None, theirs=tpl(question="新问题？"), mine=None, now=NOW)
    assert p.action == "add" and p.after["answer"] == "本店支持7天无理由退货。"


# --- placeholders ----------------------------------------------------------------------------------------

def test_a_fact_the_shop_changed_is_not_an_edit_of_the_point():
    base, theirs = tpl(), tpl(answer="本店支持{{return_days}}天无理由退货，质量问题我们承担运费。")
    old = {**NOW, "return_days": "7"}
    new = {**NOW, "return_days": "15"}
    mine = filled(base, old)  # filled before the shop changed its fact (no refill since)
    p = plan(base, theirs, mine, was=old, now=new)
    assert p.action == "auto" and p.fields["answer"].status == "theirs"
    assert p.after["answer"] == "本店支持15天无理由退货，质量问题我们承担运费。"


def test_unchanged_upstream_but_new_facts_fill_the_new_values():
    old, new = {"return_days": "7"}, {"return_days": "30"}
    p = plan(tpl(), tpl(), filled(tpl(), old), was=old, now=new)
    assert p.action == "auto" and p.after["answer"] == "本店支持30天无理由退货。"


def test_an_edited_answer_stays_edited_when_facts_change():
    old, new = {"return_days": "7"}, {"return_days": "30"}
    mine = {**filled(tpl(), old), "answer": "我们7天包退。"}
    p = plan(tpl(), tpl(), mine, was=old, now=new)
    assert p.action == "keep" and p.after["answer"] == "我们7天包退。"


def test_a_new_placeholder_in_the_new_version_gets_the_shop_s_fact_or_the_default():
    base = tpl()
    theirs = tpl(answer="本店支持{{return_days}}天无理由退货，请寄到{{return_address}}。")
    now = values_for({"return_days": "7", "return_address": "杭州仓"}, {"return_days": "10"})
    p = plan(base, theirs, filled(base, {"return_days": "10"}), was={"return_days": "10"}, now=now)
    assert p.after["answer"] == "本店支持10天无理由退货，请寄到杭州仓。"


def test_the_shop_s_own_facts_beat_the_pack_default_which_beats_kefu_s():
    values = values_for({"carrier": "SF Express", "shop_name": "our shop"}, {"carrier": "EMS"}, "Tea House")
    assert values["carrier"] == "EMS" and values["shop_name"] == "Tea House"
    values = values_for({"carrier": "SF Express", "remote_areas": "Tibet"}, {})
    assert values["carrier"] == "SF Express" and values["return_days"] == "7"  # kefu's default fills the rest


def test_placeholder_only_change_upstream_updates_untouched_points():
    base = tpl(answer="退货请寄回{{return_address}}。")
    theirs = tpl(answer="退货请寄回{{return_address}}，并附上订单号。")
    now = {"return_address": "上海市某路1号"}
    p = plan(base, theirs, filled(base, now), was=now, now=now)
    assert p.action == "auto" and p.after["answer"] == "退货请寄回上海市某路1号，并附上订单号。"


# --- versions and pack files -----------------------------------------------------------------------------

def test_versions_compare_semantically():
    assert version_key("1.10.0") > version_key("1.9.0") > version_key("1.0.10") > version_key("1.0.2")
    assert version_key("2.0.0") > version_key("2.0.0-beta.2") > version_key("2.0.0-beta.1") > version_key("2.0.0-alpha")
    assert newest(["1.0.0", "1.10.0", "1.9.9"]) == "1.10.0"
    with pytest.raises(ValueError):
        version_key("1.0")


def _pack(**kw):
    point = {"key": "a.one", "category": "x", "question": "q1", "similar": ["s1", "s2", "s3", "s4", "s5"],
             "answer": "{{days}} 天", "tags": []}
    pack = {"id": "tiny", "name": "Tiny", "version": "1.0.0", "language": "zh", "base": None,
            "placeholders": {"days": {"label": "d", "default": "7"}}, "points": [point]}
    pack.update(kw)
    return json.dumps(pack).encode()


def test_a_good_pack_parses():
    pack = parse_pack(_pack(), "tiny/1.0.0.json")
    assert pack.templates()["a.one"]["answer"] == "{{days}} 天"


@pytest.mark.parametrize("change, words", [
    ({"version": "1.0"}, "semantic version"),
    ({"placeholders": {}}, "undeclared placeholders: days"),
    ({"points": [{"key": "a.one", "question": "q", "similar": ["1", "2"], "answer": "a"}]}, "key a.one"),
    ({"points": [{"key": "k1", "question": "q", "similar": list("abcde"), "answer": "a"},
                 {"key": "k1", "question": "r", "similar": list("fghij"), "answer": "a"}]}, "appears twice"),
    ({"points": [{"key": "k1", "question": "q", "similar": list("abcde"), "answer": "a"},
                 {"key": "k2", "question": "r", "similar": list("fghiA"), "answer": "a"}]}, "also a question"),
])
def test_a_broken_pack_is_refused_naming_the_file_and_the_place(change, words):
    with pytest.raises(PackError) as err:
        parse_pack(_pack(**change), "packs/tiny/1.0.0.json")
    assert err.value.message.startswith("packs/tiny/1.0.0.json: ") and words in err.value.message


def test_a_file_that_is_not_json_is_refused_clearly():
    with pytest.raises(PackError, match="x.json: not a valid UTF-8 JSON"):
        parse_pack(b"{nope", "x.json")
