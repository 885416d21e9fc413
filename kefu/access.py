"""Resolve who is calling and for which shop: the one place where tenant access is decided.

Every staff route depends on `Staff` or `Admin`; both yield a Principal whose tenant_id is the only shop
the route may touch, and every action takes that tenant_id as a required keyword. The widget's HTTP routes
depend on `WidgetCustomer` (the customer its shop key and visitor id or identity token name), and a customer's
file is read through `StaffOrCustomer`.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.conversations.models import Customer
from kefu.errors import Forbidden, Unauthorized
from kefu.runtime import Runtime
from kefu.tenants.actions import check_api_key, check_public_key, check_session
from kefu.tenants.models import ApiKey, Tenant, User
from kefu.tenants.security import IdentityError, verify_identity_token

SESSION_COOKIE = "kefu_session"
# How the widget's HTTP requests say who the customer is: the shop's public key plus the identity token of a
# logged-in customer or the visitor id kefu issued (the same credentials as the websocket's hello frame).
WIDGET_KEY_HEADER = "X-Kefu-Key"
WIDGET_TOKEN_HEADER = "X-Kefu-Token"
WIDGET_VISITOR_HEADER = "X-Kefu-Visitor"


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def get_db(request: Request) -> Iterator[Session]:
    """Give the route a session that commits when the route returns and rolls back if it raises."""
    runtime: Runtime = request.app.state.runtime
    with runtime.db.session() as db:
        yield db


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
# scope="function": commit before the response goes out, so a client acting on it sees the data.
DbDep = Annotated[Session, Depends(get_db, scope="function")]


@dataclass
class Principal:
    """Who is calling: a logged-in user or a shop's API key, always bound to exactly one shop."""

    tenant_id: int
    role: str  # owner | admin | agent | api
    user: User | None = None
    api_key: ApiKey | None = None
    # Where the call came from, for the audit log (kefu/audit).
    address: str = ""
    user_agent: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role in ("owner", "admin", "api")


@functools.cache
def _networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip())


def _trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(request: Request) -> str:
    """The caller's address: the connection's, or, when that is a trusted proxy (KEFU_TRUSTED_PROXIES), the
    nearest X-Forwarded-For hop that is not one of the trusted proxies (a client can forge the hops before)."""
    peer = request.client.host if request.client else ""
    networks = _networks(request.app.state.runtime.settings.trusted_proxies)
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop[:64]
    return hops[0][:64] if hops else peer


def caller(request: Request, tenant_id: int, role: str, **who) -> Principal:
    """A principal with where the request came from (address and user agent)."""
    return Principal(tenant_id=tenant_id, role=role, address=client_address(request),
                     user_agent=request.headers.get("user-agent", "")[:200], **who)


def current_principal(request: Request, db: DbDep) -> Principal:
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, secret = auth.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("Authorization must be 'Bearer <API key>'", code="bad_api_key")
        key = check_api_key(db, secret.strip())
        return caller(request, key.tenant_id, "api", api_key=key)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthorized("log in or send an API key", code="not_authenticated")
    user = check_session(db, token)
    return caller(request, user.tenant_id, user.role, user=user)


def require_admin(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.is_admin:
        raise Forbidden("only the shop's owner or admins may do this")
    return principal


def require_owner(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.role != "owner":
        raise Forbidden("only the shop's owner may do this", code="owner_only")
    return principal


Staff = Annotated[Principal, Depends(current_principal)]
Admin = Annotated[Principal, Depends(require_admin)]
# The shop's owner in person (not admins, agents nor API keys): the audit log.
Owner = Annotated[Principal, Depends(require_owner)]


def current_tenant(principal: Staff, db: DbDep) -> Tenant:
    return db.get(Tenant, principal.tenant_id)


def current_customer(request: Request, db: DbDep, runtime: RuntimeDep) -> Customer:
    """The widget's customer behind a request: the shop key and their identity token or kefu-issued visitor id."""
    key = request.headers.get(WIDGET_KEY_HEADER, "")
    if not key:
        raise Unauthorized(f"send the shop key in {WIDGET_KEY_HEADER}", code="missing_key")
    tenant = check_public_key(db, key)
    token = request.headers.get(WIDGET_TOKEN_HEADER, "")
    if token:
        try:
            claims = verify_identity_token(token, tenant.identity_secret, runtime.settings.identity_token_max_age_days)
        except IdentityError as exc:
            raise Unauthorized(str(exc), code="invalid_identity") from exc
        where = Customer.external_id == claims["sub"]
    else:
        visitor = request.headers.get(WIDGET_VISITOR_HEADER, "")
        if not visitor:
            raise Unauthorized(f"send the visitor id in {WIDGET_VISITOR_HEADER}", code="unknown_visitor")
        where = Customer.visitor_id == visitor
    # Only a customer kefu already knows (the websocket's hello creates them); a guessed id finds nobody.
    customer = db.scalar(select(Customer).where(Customer.tenant_id == tenant.id, where))
    if customer is None:
        raise Unauthorized("unknown customer; connect the chat first", code="unknown_visitor")
    return customer


@dataclass
class Viewer:
    """Who asks to see a conversation's file: the shop's staff (customer_id None) or one of its customers."""

    tenant_id: int
    customer_id: int | None


def current_viewer(request: Request, db: DbDep, runtime: RuntimeDep) -> Viewer:
    """The widget's customer when the request carries the shop key, else the shop's staff (session or API key)."""
    if request.headers.get(WIDGET_KEY_HEADER):
        customer = current_customer(request, db, runtime)
        return Viewer(customer.tenant_id, customer.id)
    return Viewer(current_principal(request, db).tenant_id, None)


WidgetCustomer = Annotated[Customer, Depends(current_customer)]
StaffOrCustomer = Annotated[Viewer, Depends(current_viewer)]
