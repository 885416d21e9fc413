"""Resolve who is calling and for which shop: the one place where tenant access is decided.

Every staff route depends on `Staff` or `Admin`; both yield a Principal whose tenant_id is the only shop
the route may touch, and every action takes that tenant_id as a required keyword.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from kefu.errors import Forbidden, Unauthorized
from kefu.runtime import Runtime
from kefu.tenants.actions import check_api_key, check_session
from kefu.tenants.models import Tenant, User

SESSION_COOKIE = "kefu_session"


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

    @property
    def is_admin(self) -> bool:
        return self.role in ("owner", "admin", "api")


def current_principal(request: Request, db: DbDep) -> Principal:
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, secret = auth.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("Authorization must be 'Bearer <API key>'", code="bad_api_key")
        key = check_api_key(db, secret.strip())
        return Principal(tenant_id=key.tenant_id, role="api")
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthorized("log in or send an API key", code="not_authenticated")
    user = check_session(db, token)
    return Principal(tenant_id=user.tenant_id, role=user.role, user=user)


def require_admin(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.is_admin:
        raise Forbidden("only the shop's owner or admins may do this")
    return principal


Staff = Annotated[Principal, Depends(current_principal)]
Admin = Annotated[Principal, Depends(require_admin)]


def current_tenant(principal: Staff, db: DbDep) -> Tenant:
    return db.get(Tenant, principal.tenant_id)
