"""Pick a shop's order system: its own (HTTP connector) when configured, else the built-in store."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kefu.commerce.interface import Commerce
from kefu.commerce.store import BuiltinCommerce
from kefu.tenants.facts import int_fact, shop_facts
from kefu.tenants.models import Tenant


def commerce_for(db: Session, tenant: Tenant) -> Commerce:
    """Return the Commerce the bot and agents use for tenant."""
    if tenant.commerce_url:
        from kefu.commerce.http import HttpCommerce  # imported late: most shops use the built-in store

        return HttpCommerce(tenant.commerce_url, tenant.commerce_secret)
    facts = shop_facts(tenant.facts)
    return BuiltinCommerce(db, tenant.id, return_days=int_fact(facts, "return_days", 7),
                           ship_within_hours=int_fact(facts, "ship_within_hours", 48))
