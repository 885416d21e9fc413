"""The fault harness's short form: servers killed, Redis restarted, PostgreSQL cut under load; nothing lost."""

from __future__ import annotations

import shutil

import pytest

from bench import faults
from tests.conftest import _postgres_problem
from tests.support import aio

pytestmark = pytest.mark.multiprocess


def test_killing_servers_restarting_redis_and_cutting_postgres_loses_nothing(tmp_path):
    if problem := _postgres_problem():
        pytest.skip(problem)
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (the harness restarts a Redis of its own)")
    args = faults.parse(["--servers", "2", "--customers", "8", "--agents", "2", "--seconds", "24",
                         "--fault-every", "4", "--seed", "7", "--log-dir", str(tmp_path)])
    result = aio.run(lambda: faults.run(args))  # a thread of its own: the browser tests leave a loop in this one
    assert result.problems == []
    tally = result.tally
    assert tally.kills >= 1 and tally.redis_restarts >= 1 and tally.pg_cuts >= 1  # every kind of fault happened
    assert result.stored > 20 and result.bot_turns > 0 and tally.agent_replies > 0
