"""bench.load's short form: a few seconds of tiny load on a real `kefu serve`; every message gets the bot's reply.

Not a speed test (nothing here is timed): it keeps the benchmark working and catches a server that drops messages
under concurrent widget, API-channel and agent traffic.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from bench.load import main
from tests.conftest import POSTGRES_URL, REDIS_URL, _postgres_problem, redis_problem
from tests.support import aio

pytestmark = pytest.mark.multiprocess


def test_every_customer_message_gets_a_reply_and_handoffs_reach_an_agent():
    args = ["--steps", "3", "--seconds", "6", "--agents", "2", "--handoff", "0.5", "--api-share", "0.34"]
    if os.environ.get("KEFU_TEST_DB") == "postgresql":
        problem = _postgres_problem() or redis_problem()
        if problem:
            pytest.skip(problem)
        args += ["--database", "postgresql", "--postgres-url", POSTGRES_URL, "--redis", REDIS_URL]
    # In a thread of its own: Playwright's sync API (the browser tests) leaves a running loop in this one.
    [step] = aio.run(lambda: asyncio.to_thread(main, args))
    assert step["sent"] >= 6
    assert step["no_reply"] == 0, step
    assert step["errors"] == 0, step["error_kinds"]
    assert step["handoffs"] >= 1 and step["agent_missing"] == 0, step
    assert step["agent_n"] >= step["handoffs"]
