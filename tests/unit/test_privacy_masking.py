"""Masking phone numbers and addresses for agents, and personal data in log lines."""

from __future__ import annotations

import logging

import pytest

from kefu.commerce.address import mask_address_details
from kefu.privacy.logfilter import PersonalDataFilter, scrub
from kefu.privacy.masking import (
    mask_address,
    mask_event,
    mask_message,
    mask_order,
    mask_phone,
    mask_text,
    masks_contacts,
)


@pytest.mark.parametrize("phone, masked", [("13800138000", "138****8000"), ("+86 138-0013-8000", "138****8000"),
                                           ("123", "****"), ("", "")])
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("text, masked", [
    ("手机13800138000", "手机138****8000"),
    ("电话 +86 138 0013 8000 谢谢", "电话 138****8000 谢谢"),
    ("全角１３８００１３８０００", "全角138****8000"),
    ("地址：上海市浦东新区张江路88弄3号1202室。电话13800138000", "地址：上海市浦东新区****。电话138****8000"),
    ("广东省深圳市南山区科技园南路18号，李四收，谢谢", "广东省深圳市南山区****，李四收，谢谢"),
    # Not addresses: a lone place, a region without a street, an order number.
    ("杭州发货吗", "杭州发货吗"),
    ("北京朝阳区的仓库有货吗？", "北京朝阳区的仓库有货吗？"),
    ("订单A1002到哪了", "订单A1002到哪了"),
    ("", ""),
])
def test_mask_text(text, masked):
    assert mask_text(text) == masked


def test_two_addresses_in_one_message_are_both_masked():
    text = "从浙江省杭州市西湖区文三路90号寄到江苏省南京市玄武区中山路1号。"
    assert mask_address_details(text) == "从浙江省杭州市西湖区****。"
    both = "寄件：浙江省杭州市西湖区文三路90号；收件：江苏省南京市玄武区中山路1号"
    assert mask_address_details(both) == "寄件：浙江省杭州市西湖区****；收件：江苏省南京市玄武区****"


def test_orders_and_events_keep_the_region_only():
    order = {"order_no": "A1", "buyer_phone": "13800138000", "note": "放门口 13900001111",
             "address": {"name": "张三", "phone": "13800138000", "province": "浙江省", "city": "杭州市",
                         "district": "西湖区", "detail": "文三路90号"}}
    out = mask_order(order)
    assert out["address"] == {"name": "张*", "phone": "138****8000", "province": "浙江省", "city": "杭州市",
                              "district": "西湖区", "detail": "****"}
    assert out["buyer_phone"] == "138****8000" and out["note"] == "放门口 139****1111"
    assert order["address"]["detail"] == "文三路90号"  # the caller's copy is untouched
    assert mask_address({}) == {}
    buttons = {"type": "buttons", "buttons": [{"label": "13800138000"}]}
    event = {"type": "message_created", "message": {"text": "13800138000", "payload": buttons}}
    masked = mask_event(event)
    assert masked["message"]["text"] == "138****8000"
    assert masked["message"]["payload"]["buttons"][0]["label"] == "138****8000"
    assert mask_event({"type": "agent_updated"}) == {"type": "agent_updated"}


def test_who_reads_masked():
    assert masks_contacts("agent", False) and not masks_contacts("agent", True)
    assert not masks_contacts("owner", False) and not masks_contacts("admin", False)


def test_log_scrub():
    assert scrub("call 13800138000, mail zhang.san@qq.com") == "call 138****8000, mail ***@qq.com"
    assert scrub("card 6222021234567890123") == "card *****************23"
    assert scrub("job 1234567 at 2026-12-05 21:40:00") == "job 1234567 at 2026-12-05 21:40:00"
    sql = ("(IntegrityError) UNIQUE failed\n[SQL: INSERT ...]\n[parameters: ('张三', 'secret text')]\n"
           "(Background on this error at: x)")
    assert "secret text" not in scrub(sql) and "[parameters hidden]" in scrub(sql)


def test_filter_keeps_argument_types_and_masks_their_text():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s sent %d messages from %s", (
        "13800138000", 3, ValueError("a@b.com")), None)
    assert PersonalDataFilter().filter(record) is True
    assert record.getMessage() == "138****8000 sent 3 messages from ***@b.com"


def test_agents_own_messages_keep_addresses_but_not_phones():
    said = "退货寄到浙江省杭州市西湖区文三路100号，电话13800138000"
    agent, bot = (mask_message({"sender": who, "text": said})["text"] for who in ("agent", "bot"))
    assert agent == "退货寄到浙江省杭州市西湖区文三路100号，电话138****8000"
    assert bot == "退货寄到浙江省杭州市西湖区****，电话138****8000"
