"""`kefu test-stories`: exit codes and output on the demo shop and on a copy of a real shop's bot."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import func, select

from kefu.conversations.models import Conversation
from kefu.knowledge.actions import do_create_point
from kefu.knowledge.schemas import KnowledgeIn
from kefu.tenants.models import Tenant

PASSING = """
stories:
  - name: 多久发货
    turns:
      - say: 啥时候发货呀
        expect: {outcome: answer, point: 什么时候发货？, reply_contains: 48 小时}
  - name: shipping fee
    locale: en
    turns:
      - say: how much is shipping?
        expect: {reply_contains: "99", reply_lang: en}
"""
FAILING = """
stories:
  - name: 包邮吗
    turns:
      - say: 包邮吗
        expect: {reply_contains: 全场满 99 元包邮}
  - name: 期望写错了
    turns:
      - say: 你好
      - say: 包邮吗
        expect: {reply_contains: 全国包邮不限金额}
"""
TENANT = """
orders:
  - order_no: T2001
    customer_ref: c-1001
    status: delivered
    items: [{sku: TEA-1, name: 铁观音 500g, quantity: 1, unit_price_cents: 12800}]
    address: {name: 王芳, phone: "13912345678", province: 福建省, city: 厦门市, district: 思明区, detail: 湖滨南路1号}
    paid_at: now-5d
    shipped_at: now-4d
    delivered_at: now-1d
    shipments:
      - carrier: 顺丰速运
        tracking_no: SF1234567890
        status: delivered
        events:
          - {time: now-4d, location: 泉州, description: 已揽收}
          - {time: now-1d, location: 厦门, description: 已签收}

stories:
  - name: 茶叶保质期
    turns:
      - say: 铁观音能放多久啊
        expect: {point: 茶叶保质期多久？, reply_contains: 18个月}
  - name: 查刚签收的铁观音
    customer: c-1001
    turns:
      - say: 帮我查下物流 T2001
        expect: {flow: track_parcel, flow_status: done, reply_contains: SF1234567890}
"""


def kefu(*args, db_url: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    if db_url:
        env["KEFU_DATABASE_URL"] = db_url
    return subprocess.run([sys.executable, "-m", "kefu.cli", "test-stories", *args], env=env, capture_output=True,
                          text=True, timeout=300)


def test_demo_stories_pass_and_fail_with_the_exit_code(tmp_path):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(PASSING, encoding="utf-8")
    bad.write_text(FAILING, encoding="utf-8")
    r = kefu(str(good), "--demo")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS good.yaml::多久发货" in r.stdout and "PASS good.yaml::shipping fee" in r.stdout
    assert "2 passed, 0 failed" in r.stdout

    r = kefu(str(tmp_path))  # a folder: every story file in it; --demo is the default
    assert r.returncode == 1, r.stdout + r.stderr
    out = r.stdout
    assert "PASS bad.yaml::包邮吗" in out and "FAIL bad.yaml::期望写错了" in out
    # The failure shows the turn, what was expected, what the bot said and the earlier turns.
    assert "turn 2 of 2" in out and "say: 包邮吗" in out and "全国包邮不限金额" in out
    assert "bot: 全场满 99 元包邮" in out and "1. say: 你好" in out
    assert "3 passed, 1 failed, 4 stories" in out

    r = kefu(str(tmp_path), "-k", "shipping", "--json")
    assert r.returncode == 0
    assert '"passed": 1' in r.stdout and "shipping fee" in r.stdout and "包邮吗" not in r.stdout


def test_bad_input_exits_2_with_the_reason(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("stories:\n  - name: a\n    turns:\n      - sey: 你好\n", encoding="utf-8")
    r = kefu(str(broken))
    assert r.returncode == 2 and "broken.yaml:4: story 'a', turn 1: unknown turn key 'sey'" in r.stderr
    good = tmp_path / "good.yaml"
    good.write_text(PASSING, encoding="utf-8")
    r = kefu(str(good), "-k", "nothing-like-this")
    assert r.returncode == 2 and "no story matches" in r.stderr
    r = kefu(str(good), "--demo", "--tenant", "x")
    assert r.returncode == 2 and "not both" in r.stderr
    assert kefu(str(tmp_path / "missing.yaml")).returncode == 2


def test_tenant_stories_run_on_a_copy_of_the_shop(tmp_path, runtime, shop_a):
    with runtime.db.session() as db:
        do_create_point(db, tenant_id=shop_a.tenant_id, data=KnowledgeIn(
            category="茶叶", question="茶叶保质期多久？", similar_questions=["能放多久", "铁观音能放多久", "过期了吗"],
            answer="密封避光保存 18个月，开封后请尽快喝完。"))
        db.get(Tenant, shop_a.tenant_id).facts = {"return_days": "7"}
    stories = tmp_path / "tea.yaml"
    stories.write_text(TENANT, encoding="utf-8")
    url = runtime.settings.database_url
    r = kefu(str(stories), "--tenant", shop_a.slug, "--database", url)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS tea.yaml::茶叶保质期" in r.stdout and "PASS tea.yaml::查刚签收的铁观音" in r.stdout
    # The shop itself saw nothing: no conversation, no order.
    with runtime.db.session() as db:
        assert db.scalar(select(func.count()).select_from(Conversation)) == 0
    r = kefu(str(stories), "--tenant", "no-such-shop", "--database", url)
    assert r.returncode == 2 and "no shop with slug 'no-such-shop'" in r.stderr
    # --database defaults to KEFU_DATABASE_URL.
    r = kefu(str(stories), "-k", "保质期", "--tenant", shop_a.slug, db_url=url)
    assert r.returncode == 0 and "1 passed" in r.stdout
