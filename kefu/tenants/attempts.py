"""Limit failed logins per account and per client address, and put logins in the shop's audit log.

After login_max_failures wrong passwords within login_window_seconds, for one email (known or not) or from one
client address, every further attempt is refused with 429 and Retry-After, the right password included, until
the window moves on. A successful login clears its own account's count, never the address's: a valid account
of their own must not let someone reset the count of the address they guess other accounts from.
"""

from __future__ import annotations

import logging
import math

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.access import caller, client_address
from kefu.audit.actions import record
from kefu.errors import RateLimited, Unauthorized
from kefu.runtime import Runtime
from kefu.tenants.actions import do_login
from kefu.tenants.models import User
from kefu.tenants.security import dummy_hash, token_hash

log = logging.getLogger(__name__)
# Made now, with the app, not by the first unknown email: that answer would be slower by one hash.
dummy_hash()


class TooManyLogins(RateLimited):
    """The same answer for an unknown email as for a known one: nothing says whether the account exists."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"too many failed logins; try again in {math.ceil(seconds / 60)} minute(s)",
                         code="too_many_logins")
        self.headers = {"Retry-After": str(max(1, math.ceil(seconds)))}


def login(db: Session, runtime: Runtime, request: Request, *, email: str, password: str, days: int
          ) -> tuple[User, str]:
    """do_login behind the attempt limit; return the user and the session token."""
    email = email.strip().lower()
    address = client_address(request)
    # The email is hashed: the limiter's keys (Redis) hold no one's address book.
    keys = {"account": f"login:account:{token_hash(email)[:32]}", "address": f"login:address:{address}"}
    limit, window = runtime.settings.login_max_failures, runtime.settings.login_window_seconds
    wait = max(runtime.limiter.wait(key, limit, window) for key in keys.values())
    if wait > 0:
        raise TooManyLogins(wait)
    try:
        user, token = do_login(db, email=email, password=password, days=days)
    except Unauthorized:
        # Exactly the failure that reaches the limit starts a lock (n == limit: told once, even across processes).
        locked = [scope for scope, key in keys.items() if runtime.limiter.note(key, window) == limit]
        _record_failure(runtime, request, email, locked)
        raise
    runtime.limiter.forget(keys["account"])
    record(db, caller(request, user.tenant_id, user.role, user=user), "login")
    return user, token


def _record_failure(runtime: Runtime, request: Request, email: str, locked: list[str]) -> None:
    """A failed login in the account's shop log (its own transaction: the request's rolls back); an unknown
    account has no shop, so only a log line."""
    with runtime.db.session() as db:
        user = db.scalar(select(User).where(User.email == email))
        if user is None:
            log.warning("failed login for an unknown account from %s%s", client_address(request),
                        f" (locked: {', '.join(locked)})" if locked else "")
            return
        who = caller(request, user.tenant_id, user.role, user=user)
        record(db, who, "login_failed", ("user", user.id))
        if locked:  # what is locked: the account, the address it was tried from, or both
            record(db, who, "login_locked", ("user", user.id), scopes=locked,
                   minutes=runtime.settings.login_window_seconds // 60)
