"""What counts as a stand-in for a fact, which facts a pack point is missing, promises in the pack format, and the
duplicate detector on small shops (kefu/tenants/facts.py, kefu/packs/actions.missing_facts, kefu/packs/duplicates)."""

from __future__ import annotations

import json

import pytest

from kefu.demo.seed import DEMO_FACTS
from kefu.nlu.matcher import Entry
from kefu.packs.actions import missing_facts
from kefu.packs.duplicates import DuplicateFinder, embedder_for
from kefu.packs.fill import fill_point, point_unfilled, values_for
from kefu.packs.packfile import PackError, parse_pack
from kefu.packs.sources import BUILTIN_DIR, read_pack_file
from kefu.tenants.facts import is_missing, shop_facts, unfilled


@pytest.mark.parametrize("text", [
    "请拨打{{service_phone}}咨询", "请拨打 {{ service_phone }}", "客服电话400-000-0000", "热线 4000000000",
    "800-000-0000 全天", "退货请寄到：请以客服提供的退货地址为准。", "以客服提供的地址为准",
    "Send returns to: the return address our service team gives you.",
])
def test_stand_ins_are_recognised(text):
    assert unfilled(text)


@pytest.mark.parametrize("text", [
    "客服热线0571-88001234", "400-820-1234", "请以售后申请通过后页面显示的地址为准", "价格以结算页显示为准",
    "付款后48小时内发货。", "{service_phone}", "", None, "Call 14000000000",
])
def test_real_text_is_not_a_stand_in(text):
    assert not unfilled(text)


def test_a_fact_is_missing_when_empty_or_a_stand_in():
    assert is_missing(None) and is_missing("") and is_missing("  ") and is_missing("400-000-0000")
    assert is_missing("请以客服提供的退货地址为准") and not is_missing("杭州市西湖区示范路100号")
    # No default stands in for a phone or an address: a shop that never said has none.
    facts = shop_facts({}, "茶叶店")
    assert is_missing(facts["service_phone"]) and is_missing(facts["return_address"])
    assert not is_missing(facts["return_days"]) and facts["shop_name"] == "茶叶店"


def test_every_built_in_pack_point_is_unfilled_only_through_its_facts():
    """With the pack defaults alone, exactly the points quoting a phone or an address show a stand-in."""
    for path in sorted(BUILTIN_DIR.glob("*/*.json")):
        pack = read_pack_file(path)
        values = values_for(pack.defaults(), {}, "")
        for p in pack.points:
            template = p.template()
            filled = fill_point(template, values)
            missing = missing_facts(template, filled, values)
            assert point_unfilled(filled) == bool(missing), (path.name, p.key)
            assert set(missing) <= {"service_phone", "return_address"}, (path.name, p.key)


def test_missing_facts_only_counts_what_the_shop_did_not_rewrite():
    template = {"category": "", "question": "电话多少？", "similar": ["热线{{service_phone}}吗"],
                "answer": "请拨打{{service_phone}}，或寄到{{return_address}}。", "tags": []}
    values = {"service_phone": "400-000-0000", "return_address": "杭州"}
    filled = fill_point(template, values)
    assert missing_facts(template, filled, values) == ["service_phone"]
    edited = {**filled, "answer": "请在线留言。", "similar": ["热线多少"]}
    assert missing_facts(template, edited, values) == []


def test_the_demo_shop_gives_every_fact_that_has_no_default():
    assert not is_missing(DEMO_FACTS["return_address"]) and not is_missing(DEMO_FACTS["service_phone"])
    for path in sorted(BUILTIN_DIR.glob("*/*.json")):
        pack = read_pack_file(path)
        values = values_for(pack.defaults(), DEMO_FACTS, "kefu 演示小店")
        assert not [n for n in pack.placeholders if is_missing(values[n])], path


def _pack(**point) -> bytes:
    base = {"key": "pay.cod", "question": "能货到付款吗？", "answer": "可以。",
            "similar": ["到付", "cod", "货到付款", "先收货", "收货付款"]}
    return json.dumps({"id": "t-zh", "name": "t", "version": "1.0.0", "language": "zh",
                       "points": [base | point]}).encode()


def test_promises_are_part_of_the_pack_format():
    pack = parse_pack(_pack(promise=["cash_on_delivery", "cash_on_delivery"]), "t.json")
    assert pack.promises() == {"pay.cod": ["cash_on_delivery"]}
    assert parse_pack(_pack(), "t.json").promises() == {}
    with pytest.raises(PackError) as err:
        parse_pack(_pack(promise=["free_lunch"]), "t.json")
    assert "points[0] (key pay.cod).promise[0]: Input should be 'fast_delivery'" in err.value.message


def test_the_built_in_packs_mark_their_promises():
    marked = {path.parent.name: read_pack_file(path).promises() for path in BUILTIN_DIR.glob("*/*.json")}
    zh = marked["ecommerce-zh"]
    assert zh["payment.cod"] == ["cash_on_delivery"] and zh["shipping.same_city"] == ["fast_delivery"]
    assert zh["promo.price_protection"] == ["price_protection"] and "shipping.ship_time" not in zh
    assert marked["ecommerce-en"]["payment.cod"] == ["cash_on_delivery"]
    assert marked["electronics-zh"]["electronics.price.protect"] == ["price_protection"]


# --- the duplicate detector ----------------------------------------------------------------------------------

SHOP = [
    Entry(1, "你们一般几天内发货？", ("发货要几天", "付款后多久发出", "啥时候能发货", "下单后几天发")),
    Entry(2, "用什么快递？", ("发什么快递", "快递是哪家", "可以发顺丰吗")),
    Entry(3, "可以开发票吗？", ("开发票", "怎么要发票", "电子发票")),
]


def _point(question, similar):
    return {"category": "", "question": question, "similar": similar, "answer": "…", "tags": []}


PACK = {
    "ship.when": _point("付款后多久发货？", ["几天发货", "啥时候发", "什么时候发货呀", "发货要多久", "fh多久"]),
    "returns.window": _point("多少天内可以退货？",
                             ["几天能退", "能退货吗", "退货期限", "七天无理由吗", "过期还能退不"]),
    "account.password": _point("忘记密码怎么办？", ["密码忘了", "登录不上", "重置密码", "找回密码", "改密码"]),
    "shipping.carrier": _point("默认发哪家快递？",
                               ["发啥快递", "哪个快递公司", "快递用的哪家", "什么快递", "kd是哪家"]),
}


@pytest.fixture(scope="module")
def use():
    return embedder_for("use")


def test_a_pack_point_repeating_a_shop_point_is_found_and_others_are_not(use):
    found = DuplicateFinder(SHOP, embedder=use).find_all(PACK)
    assert found["ship.when"].point_id == 1 and found["ship.when"].sure
    assert found["shipping.carrier"].point_id == 2 and found["shipping.carrier"].sure
    assert "account.password" not in found and "returns.window" not in found
    every = DuplicateFinder(SHOP, embedder=use).find_all(PACK, every=True)
    assert set(every) == set(PACK) and every["account.password"].verdict == "none"
    assert all(0.0 <= d.score <= 1.0 for d in every.values())


def test_a_shop_without_points_of_its_own_has_no_duplicates(use):
    assert DuplicateFinder([], embedder=use).find_all(PACK) == {}


def test_the_detector_works_without_an_embedder():
    found = DuplicateFinder(SHOP, embedder=None).find_all(PACK, every=True)
    assert set(found) == set(PACK) and found["account.password"].verdict != "link"
