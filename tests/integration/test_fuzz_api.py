"""No request makes kefu answer with a server error: schemathesis fuzzes every operation of the OpenAPI schema.

Once with an API key and once with an owner's session cookie, on the demo shop (knowledge, products, orders) plus
a conversation, through every phase (coverage, fuzzing, stateful). The short form in the normal suite gives
each credential a minute (schemathesis keeps time for the stateful phase and fills the rest with more fuzzing);
for a longer hunt give it more time and examples per operation (docs/security.md):

    KEFU_FUZZ_SECONDS=600 KEFU_FUZZ_EXAMPLES=100 pytest --timeout 0 -s tests/integration/test_fuzz_api.py

KEFU_FUZZ_SECONDS=0 runs every phase once, without a time limit. KEFU_FUZZ_SEED repeats a run (a failure prints
its seed).
"""

from __future__ import annotations

import os

import httpx
import pytest
from fastapi.testclient import TestClient

from kefu.demo.seed import LOGINS, seed_demo
from kefu.tenants.actions import do_create_api_key, do_login
from tests.support.fuzz import fuzz

EXAMPLES = int(os.environ.get("KEFU_FUZZ_EXAMPLES", "3"))
SECONDS = int(os.environ.get("KEFU_FUZZ_SECONDS", "60"))
SEED = int(os.environ["KEFU_FUZZ_SEED"]) if os.environ.get("KEFU_FUZZ_SEED") else None


@pytest.fixture
def demo_shop(app, runtime):
    """The demo shop with an API key and one API-channel conversation with the bot's reply in it."""
    info = seed_demo(runtime.db)
    with runtime.db.session() as db:
        _key, secret = do_create_api_key(db, tenant_id=info.tenant_id, name="fuzz")
    with TestClient(app) as c:
        headers = {"Authorization": f"Bearer {secret}"}
        conv = c.post("/api/v1/channels/api/conversations", json={"customer_id": "fuzz-1"}, headers=headers)
        assert conv.status_code == 200, conv.text
        conversation_id = conv.json()["conversation"]["id"]
        sent = c.post(f"/api/v1/channels/api/conversations/{conversation_id}/messages", json={"text": "多久发货"},
                      headers=headers)
        assert sent.status_code in (200, 201), sent.text
    return secret


@pytest.fixture
def offline_order_systems(monkeypatch):
    """A shop the fuzzer points at its own order system (PATCH /settings) reaches no network: every call is
    refused at once, so the connector's error handling runs instead of a request waiting out its timeouts."""
    from kefu.commerce import http

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("offline during the fuzz run", request=request)

    class OfflineCommerce(http.HttpCommerce):
        def __init__(self, base_url: str, secret: str, **kwargs) -> None:
            offline = httpx.Client(transport=httpx.MockTransport(refuse))
            super().__init__(base_url, secret, **{**kwargs, "client": offline})

    monkeypatch.setattr(http, "HttpCommerce", OfflineCommerce)


def _session_cookie(runtime) -> str:
    _role, email, _name, password = LOGINS[0]
    with runtime.db.session() as db:
        _user, token = do_login(db, email=email, password=password, days=1)
    return token


@pytest.mark.timeout(SECONDS * 3 + 120 if SECONDS else 0)
@pytest.mark.parametrize("credential", ["api_key", "session"])
def test_no_request_gets_a_server_error(credential, app, runtime, demo_shop, offline_order_systems):
    if credential == "api_key":
        headers = {"Authorization": f"Bearer {demo_shop}"}
        # Revoking its own key would leave the rest of the run unauthenticated.
        exclude = [("DELETE", "/api/v1/api-keys/{key_id}")]
    else:
        headers = {"Cookie": f"kefu_session={_session_cookie(runtime)}"}
        exclude = [("POST", "/api/v1/auth/logout")]
    report = fuzz(app, headers=headers, exclude=exclude, max_examples=EXAMPLES, seed=SEED,
                  max_seconds=SECONDS or None)
    print(f"\n{credential}: {report.summary()}")
    # The run reached the shop's data: most answers are not "log in first".
    assert report.requests >= 100 and report.statuses[401] < report.requests / 20, report.summary()
    # Fuzzing fills what time coverage leaves: on a busy machine it may get none, the stateful phase always some.
    assert set(report.phases) >= {"coverage", "stateful"}, report.summary()
    assert not report.errors and not report.engine_errors, report.summary()
