"""Hash passwords, mint and check secrets, and verify customers' identity tokens."""

from __future__ import annotations

import functools
import hashlib
import secrets

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def dummy_hash() -> str:
    """A hash to check a password against when the account does not exist, so that takes as long as when it does."""
    return _hasher.hash(secrets.token_urlsafe(16))


def new_token(prefix: str = "", nbytes: int = 32) -> str:
    """Return a random url-safe secret, optionally with a readable prefix (sk_, pk_ …)."""
    return prefix + secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """Hash a high-entropy token for storage; sha256 suffices because the token is not a password."""
    return hashlib.sha256(token.encode()).hexdigest()


class IdentityError(ValueError):
    """A customer identity token that kefu must not trust."""


def verify_identity_token(token: str, secret: str, max_age_days: int) -> dict:
    """Check a shop-signed HS256 JWT and return its claims (sub required, exp required).

    Shops sign {"sub": their customer id, "name": optional, "exp": expiry} with their identity secret.
    """
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["sub", "exp"]}, leeway=30
        )
    except jwt.ExpiredSignatureError as exc:
        raise IdentityError("identity token expired") from exc
    except jwt.InvalidTokenError as exc:
        raise IdentityError(f"invalid identity token: {exc}") from exc
    iat = claims.get("iat")
    if isinstance(iat, int | float) and claims["exp"] - iat > max_age_days * 86400:
        raise IdentityError("identity token lives longer than allowed")
    sub = claims["sub"]
    if not isinstance(sub, str) or not sub or len(sub) > 128:
        raise IdentityError("identity token sub must be a non-empty string of at most 128 characters")
    return claims


def sign_identity_token(secret: str, sub: str, name: str = "", ttl_seconds: int = 3600,
                        tags: list[str] | None = None) -> str:
    """Make an identity token as a shop's server would (used by the demo, tests and docs)."""
    import time

    now = int(time.time())
    claims = {"sub": sub, "name": name, "iat": now, "exp": now + ttl_seconds}
    if tags is not None:
        claims["tags"] = tags
    return jwt.encode(claims, secret, "HS256")
