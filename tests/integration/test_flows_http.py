"""The bot's flows against a shop's own order system: a real HTTP server playing it (tests/support/shop_server)."""

from __future__ import annotations

import pytest

from kefu.commerce.http import reset_breakers
from kefu.tenants.models import Tenant
from tests.support.chat import Chat
from tests.support.shop_server import FakeShop

SECRET = "shop-secret-123"


@pytest.fixture
def shop_system(app, runtime, shop_a):
    reset_breakers()
    with FakeShop(SECRET) as fake:
        fake.seed("cust-1")
        with runtime.db.session() as db:
            tenant = db.get(Tenant, shop_a.tenant_id)
            tenant.commerce_url, tenant.commerce_secret = fake.base_url, SECRET
        yield fake
    reset_breakers()


def test_tracking_comes_from_the_shops_own_system(runtime, shop_a, shop_system):
    chat = Chat.open(runtime, shop_a.tenant_id, external_id="cust-1")
    out = chat.say("查物流")  # several orders, one of them on its way: that is the one to track
    assert "A1002" in out[0] and "SF1002" in out[-1]
    chat.say("再查一下 A1003 的物流")
    assert "SF1003" in chat.replies(0)[-1].text
    assert shop_system.seen("/orders/{order_no}/shipments")


def test_a_cancel_goes_to_the_shops_system_once(runtime, shop_a, shop_system):
    chat = Chat.open(runtime, shop_a.tenant_id, external_id="cust-1")
    chat.say("帮我取消订单 A1001")
    chat.say("拍错了")
    assert "已取消" in chat.say("确认")[-1]
    assert len(shop_system.seen("/orders/{order_no}/cancel", method="POST")) == 1


def test_a_refusal_from_the_shop_is_explained(runtime, shop_a, shop_system):
    shop_system.refuse("already_shipped", "仓库已出库", route="/orders/{order_no}/cancel")
    chat = Chat.open(runtime, shop_a.tenant_id, external_id="cust-1")
    chat.say("帮我取消订单 A1001")
    chat.say("拍错了")
    assert "已经发货" in chat.say("确认")[-1]


def test_a_slow_shop_system_means_an_apology_and_a_person(runtime, shop_a, shop_system, agent_online):
    shop_system.delay(5, times=None)
    chat = Chat.open(runtime, shop_a.tenant_id, external_id="cust-1")
    out = chat.say("查一下我的订单")
    assert "订单系统暂时无法访问" in out[0]
    conv = chat.conversation()
    assert conv.status == "queued" and conv.handoff["reason"] == "flow_failed"
