"""The story file format: what loads, and the clear error (file, story, turn) for what does not."""

from __future__ import annotations

import pytest

from kefu.stories.loader import StoryFormatError, find_files, load_file, load_text

GOOD = """
stories:
  - name: 查物流
    customer: demo-customer
    tags: [VIP]
    agents: [{name: 小王, state: connected}, {state: offline}]
    turns:
      - say: D1003 到哪了
        expect: {flow: track_parcel, step: phone, slots: {order_no: D1003}}
      - say: 13800138000
      - click: 继续
        expect: {reply_any: [中通, ZT]}
      - agent: reply 您好，我来看看
        as: 小王
      - wait: 70
        expect: {status: queued}
      - new_chat: visitor
  - name: en
    locale: en
    turns:
      - say: "yes"
        expect: {outcome: "!fallback", emotion: [neutral, positive], point: [1, "Is shipping free?"]}
"""


def _error(text: str) -> StoryFormatError:
    with pytest.raises(StoryFormatError) as info:
        load_text(text, "shop.yaml")
    return info.value


def test_a_good_file_loads_every_turn_kind():
    first, second = load_text(GOOD, "tests/stories/x.yaml")
    assert first.id == "x.yaml::查物流" and first.customer == "demo-customer" and first.tags == ["VIP"]
    assert [a.name for a in first.agents] == ["小王", "客服2"] and first.agents[1].state == "offline"
    kinds = [(t.kind, t.value) for t in first.turns]
    assert kinds == [("say", "D1003 到哪了"), ("say", "13800138000"), ("click", "继续"),
                     ("agent", "reply 您好，我来看看"), ("wait", 70.0), ("new_chat", "visitor")]
    assert first.turns[3].action == "reply" and first.turns[3].argument == "您好，我来看看"
    assert first.turns[3].agent == "小王"
    assert first.turns[0].expect["slots"] == {"order_no": "D1003"} and first.turns[0].line == 8
    assert second.locale == "en" and second.turns[0].value == "yes" and first.agents is not None
    assert second.agents is None  # no `agents:` leaves the shop's staff as they are


def test_bad_yaml_names_the_file_and_line():
    e = _error("stories:\n  - name: x\n    turns: [say: 你好\n")
    assert "shop.yaml:" in e.message and "not valid YAML" in e.message


def test_unknown_expect_key_names_story_and_turn():
    e = _error("stories:\n  - name: 退货\n    turns:\n      - say: 我要退货\n      - say: D1004\n"
               "        expect: {flw: return_refund}\n")
    assert e.story == "退货" and e.turn == 2
    assert "shop.yaml:5: story '退货', turn 2: unknown expect key 'flw'" in e.message
    assert "flow" in e.message  # the known keys are listed


def test_a_turn_without_say_is_refused():
    e = _error("stories:\n  - name: 空\n    turns:\n      - expect: {outcome: answer}\n")
    assert e.turn == 1 and "exactly one of `say:`" in e.message


def test_a_turn_with_two_steps_or_a_repeated_key_is_refused():
    e = _error("stories:\n  - name: a\n    turns:\n      - {say: 你好, click: 继续}\n")
    assert "this one has say, click" in e.message
    e = _error("stories:\n  - name: a\n    turns:\n      - say: 你好\n        say: 在吗\n")
    assert "appears twice" in e.message


@pytest.mark.parametrize("text, problem", [
    ("stories: []\n", "non-empty list"),
    ("- name: a\n", "mapping with a `stories:` list"),
    ("storys:\n  - name: a\n", "unknown file key 'storys'"),
    ("stories:\n  - turns: [{say: 你好}]\n", "story #1 needs a `name:`"),
    ("stories:\n  - name: a\n    turns: [{say: 你好}]\n  - name: a\n    turns: [{say: 在吗}]\n", "two stories"),
    ("stories:\n  - name: a\n    lang: en\n    turns: [{say: hi}]\n", "unknown story key 'lang'"),
    ("stories:\n  - name: a\n    locale: fr\n    turns: [{say: hi}]\n", "locale"),
    ("stories:\n  - name: a\n    turns: [{say: yes}]\n", "quote the text"),
    ("stories:\n  - name: a\n    turns: [{say: '  '}]\n", "needs the text"),
    ("stories:\n  - name: a\n    turns: [{agent: accept}]\n", "needs the story's `agents:`"),
    ("stories:\n  - name: a\n    agents: [{state: busy}]\n    turns: [{agent: accept}]\n", "state is one of"),
    ("stories:\n  - name: a\n    agents: [connected]\n    turns: [{agent: dance}]\n", "`agent:` is one of"),
    ("stories:\n  - name: a\n    agents: [connected]\n    turns: [{agent: reply}]\n", "needs the text"),
    ("stories:\n  - name: a\n    agents: [connected]\n    turns: [{agent: accept, as: 老李}]\n", "not one of"),
    ("stories:\n  - name: a\n    turns: [{wait: -5}]\n", "greater than 0"),
    ("stories:\n  - name: a\n    turns: [{wait: 70, expect: {outcome: answer}}]\n", "read from the bot's trace"),
    ("stories:\n  - name: a\n    turns: [{say: hi, expect: {outcome: answered}}]\n", "not one of answer"),
    ("stories:\n  - name: a\n    turns: [{say: hi, expect: {slots: D1003}}]\n", "mapping of slot"),
    ("stories:\n  - name: a\n    turns: [{say: hi, expect: {handoff: 1}}]\n", "true, false or a reason"),
    ("stories:\n  - name: a\n    turns: [{say: hi, expect: {reply_lang: fr}}]\n", "reply_lang"),
    ("stories:\n  - name: a\n    turns: [{say: hi, expect: [outcome]}]\n", "`expect:` is a mapping"),
    ("orders: [{order_no: X1, items: []}]\nstories:\n  - name: a\n    turns: [{say: hi}]\n", "orders: order X1"),
])
def test_every_mistake_is_named(text, problem):
    assert problem in _error(text).message


def test_files_and_folders(tmp_path):
    (tmp_path / "a.yaml").write_text("stories:\n  - name: a\n    turns: [{say: 你好}]\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yml").write_text("stories:\n  - name: b\n    turns: [{say: hi}]\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a story", encoding="utf-8")
    assert find_files([tmp_path]) == [tmp_path / "a.yaml", tmp_path / "sub" / "b.yml"]
    assert [s.name for s in load_file(tmp_path / "a.yaml")] == ["a"]
    with pytest.raises(StoryFormatError, match="no such file"):
        find_files([tmp_path / "missing.yaml"])


def test_relative_order_times_are_read():
    stories = load_text("""
orders:
  - order_no: T2001
    customer_ref: c-1
    status: delivered
    items: [{sku: TEA-1, name: 铁观音, quantity: 1, unit_price_cents: 100}]
    address: {name: 王芳, phone: "13912345678", province: 福建省, city: 厦门市, district: 思明区, detail: 1号}
    delivered_at: now-1d
    shipments: [{carrier: 顺丰, tracking_no: SF1, events: [{time: now-2d, description: 已揽收}]}]
stories:
  - name: a
    turns: [{say: T2001到哪了}]
""")
    assert stories[0].orders[0]["delivered_at"] == "now-1d"  # read when the story runs, relative to then
