"""Pick a shop's order system: its own (HTTP connector) when configured, else the built-in store."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session

from kefu.commerce.interface import Commerce
from kefu.commerce.store import BuiltinCommerce
from kefu.tenants.facts import int_fact, shop_facts
from kefu.tenants.models import Tenant

# One connector (one httpx connection pool) per shop system and secret, for the life of the process: the bot
# asks for a Commerce on every message, and a new pool each time would leak sockets and repeat TLS handshakes.
_connectors: dict[tuple[str, str], Commerce] = {}
_lock = threading.Lock()


def commerce_for(db: Session, tenant: Tenant) -> Commerce:
    """Return the Commerce the bot and agents use for tenant."""
    if tenant.commerce_url:
        key = (tenant.commerce_url, tenant.commerce_secret)
        with _lock:
            connector = _connectors.get(key)
            if connector is None:
                from kefu.commerce.http import HttpCommerce  # imported late: most shops use the built-in store

                connector = _connectors[key] = HttpCommerce(tenant.commerce_url, tenant.commerce_secret)
        return connector
    facts = shop_facts(tenant.facts)
    return BuiltinCommerce(db, tenant.id, return_days=int_fact(facts, "return_days", 7),
                           ship_within_hours=int_fact(facts, "ship_within_hours", 48))
