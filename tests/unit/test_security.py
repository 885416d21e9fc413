"""Passwords, tokens and shop-signed customer identity tokens."""

import time

import jwt
import pytest

from kefu.tenants.security import (
    IdentityError,
    hash_password,
    sign_identity_token,
    token_hash,
    verify_identity_token,
    verify_password,
)

SECRET = "s" * 40


def test_password_hash_round_trip_and_rejects_wrong():
    h = hash_password("correct horse")
    assert h.startswith("$argon2")
    assert verify_password(h, "correct horse")
    assert not verify_password(h, "wrong horse")
    assert not verify_password("not-a-hash", "x")


def test_token_hash_is_stable_and_not_the_token():
    assert token_hash("abc") == token_hash("abc") != "abc"


def test_identity_token_valid():
    claims = verify_identity_token(sign_identity_token(SECRET, "cust-1", "王五"), SECRET, 30)
    assert claims["sub"] == "cust-1" and claims["name"] == "王五"


@pytest.mark.parametrize("make,needle", [
    (lambda: sign_identity_token(SECRET, "c", ttl_seconds=-120), "expired"),
    (lambda: sign_identity_token("other-secret-" * 3, "c"), "invalid"),
    (lambda: "not.a.jwt", "invalid"),
    (lambda: jwt.encode({"sub": "c"}, SECRET, "HS256"), "invalid"),  # no exp
    (lambda: jwt.encode({"sub": "c", "exp": int(time.time()) + 60}, SECRET, "HS512"), "invalid"),
    (lambda: jwt.encode({"sub": "", "exp": int(time.time()) + 60}, SECRET, "HS256"), "sub"),
    (lambda: jwt.encode({"sub": "c", "iat": int(time.time()), "exp": int(time.time()) + 90 * 86400},
                        SECRET, "HS256"), "longer"),
])
def test_identity_token_refusals(make, needle):
    with pytest.raises(IdentityError, match=needle):
        verify_identity_token(make(), SECRET, 30)


def test_alg_none_is_refused():
    token = jwt.encode({"sub": "c", "exp": int(time.time()) + 60}, None, algorithm="none")
    with pytest.raises(IdentityError):
        verify_identity_token(token, SECRET, 30)
