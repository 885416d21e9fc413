"""No request makes kefu answer with a server error: schemathesis fuzzes every operation of the OpenAPI schema.

Once with an API key and once with an owner's session cookie, on the demo shop (knowledge, products, orders) plus
a conversation, through every phase (coverage, fuzzing, stateful). The short form runs in the normal suite; for
a longer hunt give more examples per operation (docs/security.md):

    KEFU_FUZZ_EXAMPLES=100 pytest --timeout 0 -s tests/integration/test_fuzz_api.py

KEFU_FUZZ_SEED repeats a run (a failure prints its seed).
"""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient

from kefu.demo.seed import LOGINS, seed_demo
from kefu.tenants.actions import do_create_api_key, do_login
from tests.support.fuzz import fuzz

EXAMPLES = int(os.environ.get("KEFU_FUZZ_EXAMPLES", "3"))
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


def _session_cookie(runtime) -> str:
    _role, email, _name, password = LOGINS[0]
    with runtime.db.session() as db:
        _user, token = do_login(db, email=email, password=password, days=1)
    return token


@pytest.mark.parametrize("credential", ["api_key", "session"])
def test_no_request_gets_a_server_error(credential, app, runtime, demo_shop):
    if credential == "api_key":
        headers = {"Authorization": f"Bearer {demo_shop}"}
        # Revoking its own key would leave the rest of the run unauthenticated.
        exclude = [("DELETE", "/api/v1/api-keys/{key_id}")]
    else:
        headers = {"Cookie": f"kefu_session={_session_cookie(runtime)}"}
        exclude = [("POST", "/api/v1/auth/logout")]
    report = fuzz(app, headers=headers, exclude=exclude, max_examples=EXAMPLES, seed=SEED)
    print(f"\n{credential}: {report.summary()}")
    # The run reached the shop's data: most answers are not "log in first".
    assert report.requests > 1000 and report.statuses[401] < report.requests / 20, report.summary()
    assert set(report.phases) >= {"coverage", "fuzzing", "stateful"}, report.summary()
    assert not report.errors and not report.engine_errors, report.summary()
