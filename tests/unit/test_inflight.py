"""Open deliveries: a stopping server waits for the messages its threads are still answering."""

from __future__ import annotations

import threading

import pytest

from kefu.infra.inflight import Deliveries

EVENT = {"type": "message_created", "tenant_id": 1, "conversation_id": 2}


def test_a_delivery_is_open_until_its_handling_ends_nested_ones_included():
    d = Deliveries()
    inside, release, done = threading.Event(), threading.Event(), []

    def answering():
        with d.handling(EVENT):
            with d.handling(EVENT):  # the bot's reply, handled inside the question's handling
                pass
            inside.set()
            release.wait(10)
        done.append(True)

    t = threading.Thread(target=answering)
    t.start()
    inside.wait(10)
    assert d.busy() == 1
    assert d.wait(0.1) is False
    release.set()
    assert d.wait(10) is True and done
    t.join()
    assert d.busy() == 0


def test_a_handling_that_raised_does_not_hold_up_a_shutdown():
    d = Deliveries()
    with pytest.raises(RuntimeError), d.handling(EVENT):
        raise RuntimeError("a reaction failed")
    assert d.busy() == 0 and d.wait(0) is True
