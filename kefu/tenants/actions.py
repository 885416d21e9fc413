"""Check and change shops, users, logins and API keys (check_* validate, do_* write)."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kefu.db import utcnow
from kefu.errors import Conflict, Forbidden, KefuError, NotFound, Unauthorized
from kefu.tenants.models import ROLES, ApiKey, Tenant, User, UserSession
from kefu.tenants.security import dummy_hash, hash_password, new_token, token_hash, verify_password

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
MIN_PASSWORD = 8


def do_create_tenant(db: Session, *, name: str, slug: str) -> Tenant:
    """Create a shop with fresh widget and identity keys."""
    if not SLUG_RE.match(slug):
        raise KefuError("slug must be 2-63 lowercase letters, digits or dashes", code="invalid_slug")
    if db.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        raise Conflict(f"a shop with slug {slug!r} exists")
    tenant = Tenant(
        name=name.strip() or slug,
        slug=slug,
        public_key=new_token("pk_", 18),
        identity_secret=new_token("", 32),
    )
    db.add(tenant)
    db.flush()
    return tenant


def do_create_user(db: Session, *, tenant_id: int, email: str, name: str, role: str, password: str) -> User:
    """Add a staff member to a shop."""
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise KefuError("email is not valid", code="invalid_email")
    if role not in ROLES:
        raise KefuError(f"role must be one of {', '.join(ROLES)}", code="invalid_role")
    if len(password) < MIN_PASSWORD:
        raise KefuError(f"password needs at least {MIN_PASSWORD} characters", code="weak_password")
    if db.scalar(select(User.id).where(User.email == email)):
        raise Conflict(f"a user with email {email} exists")
    user = User(tenant_id=tenant_id, email=email, name=name or email, role=role,
                password_hash=hash_password(password))
    db.add(user)
    db.flush()
    return user


def do_login(db: Session, *, email: str, password: str, days: int) -> tuple[User, str]:
    """Check a password and open a session; return the user and the session token (shown once)."""
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    # An unknown email is checked against a dummy hash: the answer takes as long as for a wrong password.
    if not verify_password(user.password_hash if user else dummy_hash(), password) or user is None:
        raise Unauthorized("wrong email or password", code="bad_credentials")
    token = new_token()
    db.add(UserSession(token_hash=token_hash(token), user_id=user.id, tenant_id=user.tenant_id,
                       expires_at=utcnow() + dt.timedelta(days=days)))
    return user, token


def check_session(db: Session, token: str) -> User:
    """Return the user behind a live session token, or refuse."""
    row = db.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if row is None or row.expires_at <= utcnow():
        raise Unauthorized("not logged in or the session expired", code="session_expired")
    user = db.get(User, row.user_id)
    if user is None:
        raise Unauthorized("user no longer exists")
    return user


def do_logout(db: Session, token: str) -> None:
    db.query(UserSession).filter(UserSession.token_hash == token_hash(token)).delete()


def do_end_sessions(db: Session, *, user_id: int, keep_token: str | None = None) -> int:
    """End every session of a user except the one whose token is kept; return how many ended."""
    query = db.query(UserSession).filter(UserSession.user_id == user_id)
    if keep_token:
        query = query.filter(UserSession.token_hash != token_hash(keep_token))
    return query.delete()


def do_change_password(db: Session, *, user: User, current: str, new: str, keep_token: str | None) -> None:
    """Set a new password after checking the current one; the user's other sessions end (API keys stay)."""
    if not verify_password(user.password_hash, current):
        # 403, not 401: the caller is logged in, and the console takes a 401 for "log in again".
        raise Forbidden("the current password is wrong", code="wrong_password")
    if len(new) < MIN_PASSWORD:
        raise KefuError(f"password needs at least {MIN_PASSWORD} characters", code="weak_password", status=422)
    user.password_hash = hash_password(new)
    # Whoever knew the old password may hold a session opened with it: it must not outlive the change.
    do_end_sessions(db, user_id=user.id, keep_token=keep_token)


def do_create_api_key(db: Session, *, tenant_id: int, name: str) -> tuple[ApiKey, str]:
    """Create a secret API key; return the row and the key itself (only shown now)."""
    secret = new_token("sk_", 32)
    key = ApiKey(tenant_id=tenant_id, name=name.strip() or "key", prefix=secret[:10],
                 key_hash=token_hash(secret))
    db.add(key)
    db.flush()
    return key, secret


def check_api_key(db: Session, secret: str) -> ApiKey:
    """Return the live API key for a secret, or refuse."""
    key = db.scalar(select(ApiKey).where(ApiKey.key_hash == token_hash(secret)))
    if key is None or key.revoked_at is not None:
        raise Unauthorized("unknown or revoked API key", code="bad_api_key")
    db.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=utcnow()))
    return key


def do_revoke_api_key(db: Session, *, tenant_id: int, key_id: int) -> None:
    key = db.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.tenant_id == tenant_id))
    if key is None:
        raise NotFound("API key not found")
    key.revoked_at = key.revoked_at or utcnow()


def check_public_key(db: Session, public_key: str) -> Tenant:
    """Return the shop whose widget key this is, or refuse."""
    tenant = db.scalar(select(Tenant).where(Tenant.public_key == public_key))
    if tenant is None:
        raise Unauthorized("unknown shop key", code="unknown_tenant_key")
    return tenant


def do_update_settings(db: Session, *, tenant_id: int, changes: dict) -> Tenant:
    """Apply the shop's editable settings (bot, greetings, thresholds, facts, handoff policy, hours, orders)."""
    tenant = db.get(Tenant, tenant_id)
    changes = dict(changes)
    # Facts and the handoff policy are edited key by key: what is sent is merged, an empty fact is removed.
    if "facts" in changes:
        merged = {**(tenant.facts or {}), **changes.pop("facts")}
        tenant.facts = {k: v for k, v in merged.items() if str(v).strip()}
    if "handoff_policy" in changes:
        tenant.handoff_policy = {**(tenant.handoff_policy or {}), **changes.pop("handoff_policy")}
    for field, value in changes.items():
        setattr(tenant, field, value)
    if tenant.commerce_url and not tenant.commerce_secret:
        # The connector signs every call with the secret; without one each order lookup would fail.
        raise KefuError("the shop's own order system needs its shared secret (commerce_secret)",
                        code="commerce_secret_required", status=422)
    if {"answer_threshold", "clarify_threshold"} & changes.keys():
        from kefu.nlu.hybrid import Thresholds

        answer = tenant.answer_threshold if tenant.answer_threshold is not None else Thresholds.answer
        clarify = tenant.clarify_threshold if tenant.clarify_threshold is not None else Thresholds.clarify
        if clarify > answer:
            raise KefuError(f"clarify_threshold ({clarify}) must not be above answer_threshold ({answer})",
                            code="invalid_thresholds", status=422)
        tenant.kb_version += 1  # the bot rebuilds its matcher with the new cut-offs
    return tenant


def do_rotate_identity_secret(db: Session, *, tenant_id: int) -> Tenant:
    tenant = db.get(Tenant, tenant_id)
    tenant.identity_secret = new_token("", 32)
    return tenant


USER_STATUSES = ("online", "busy", "away", "offline")


def do_set_user_status(db: Session, *, user: User, status: str) -> User:
    """Set whether a person takes chats now (online) or not (busy, away, offline)."""
    if status not in USER_STATUSES:
        raise KefuError(f"status must be one of {', '.join(USER_STATUSES)}", code="invalid_status", status=422)
    user.status = status
    user.status_at = utcnow()
    return user
