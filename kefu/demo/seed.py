"""Create the demo shop, its logins and its knowledge base (idempotent: safe to run on every start)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from kefu.db import Database
from kefu.demo import DEMO_SLUG
from kefu.demo.store import seed_store
from kefu.knowledge.actions import do_create_point
from kefu.knowledge.schemas import KnowledgeIn
from kefu.tenants.actions import do_create_tenant, do_create_user
from kefu.tenants.models import Tenant, User

LOGINS = (
    ("owner", "owner@demo.kefu", "店主 Owner", "demo-owner-pass"),
    ("agent", "agent@demo.kefu", "客服小王 Agent Wang", "demo-agent-pass"),
)


# What the demo shop says about itself: every fact the built-in packs and the flows quote, except price protection,
# which the demo shop does not offer (its pack points stay in review). The phone and address are made up.
DEMO_FACTS = {
    "shipping_fee": "8", "carrier": "中通快递", "return_days": "7", "exchange_days": "15",
    "free_shipping_threshold": "99", "service_hours": "09:00-22:00", "ship_within_hours": "48",
    "delivery_days": "2-4", "service_phone": "0571-8800 1234", "warranty_months": "12", "invoice_days": "1-2",
    "points_rate": "1元=1积分", "remote_areas": "新疆、西藏、青海、内蒙古等",
    "return_address": "浙江省杭州市西湖区示范路 100 号 kefu 演示小店售后仓（收），电话 0571-8800 1234，邮编 310012",
}


@dataclass
class DemoInfo:
    tenant_id: int
    public_key: str
    logins: tuple[tuple[str, str, str, str], ...] = LOGINS


def seed_demo(database: Database) -> DemoInfo:
    """Make sure the demo shop exists with its users and knowledge points; return its keys."""
    with database.session() as db:
        tenant = db.scalar(select(Tenant).where(Tenant.slug == DEMO_SLUG))
        if tenant is None:
            tenant = do_create_tenant(db, name="kefu 演示小店 Demo Shop", slug=DEMO_SLUG)
            tenant.bot_name = "小智"
            tenant.greeting_zh = "请问有什么可以帮您？可以问我发货、运费、退货、发票等问题。"
            tenant.greeting_en = "How can I help? Ask me about shipping, returns or invoices."
            points = json.loads((Path(__file__).parent / "knowledge.json").read_text(encoding="utf-8"))
            for p in points:
                do_create_point(db, tenant_id=tenant.id, data=KnowledgeIn(**p))
            tenant.facts = DEMO_FACTS
        for role, email, name, password in LOGINS:
            user = db.scalar(select(User).where(User.email == email))
            if user is None:
                user = do_create_user(db, tenant_id=tenant.id, email=email, name=name, role=role,
                                      password=password)
            if role == "agent":
                # On duty, but available only while their workspace is open (routing.available): then "转人工"
                # reaches them at once; with nobody's workspace open the bot takes a message.
                user.status = "online"
        seed_store(db, tenant.id)
        return DemoInfo(tenant.id, tenant.public_key)
