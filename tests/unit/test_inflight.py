"""Open deliveries: a stopping server waits for the messages its threads are still answering."""

from __future__ import annotations

import contextvars
import threading

from kefu.infra.inflight import Deliveries

EVENT = {"type": "message_created", "tenant_id": 1, "conversation_id": 2}


def test_a_delivery_is_open_until_its_last_listener_nested_ones_included():
    d = Deliveries()
    inside, release, done = threading.Event(), threading.Event(), []

    def answering():
        d.enter(None, EVENT)
        d.enter(None, EVENT)  # the bot's reply, delivered inside the question's delivery
        d.leave(None, EVENT)
        inside.set()
        release.wait(10)
        d.leave(None, EVENT)
        done.append(True)

    t = threading.Thread(target=contextvars.copy_context().run, args=(answering,))
    t.start()
    inside.wait(10)
    assert d.busy() == 1
    assert d.wait(0.1) is False
    release.set()
    assert d.wait(10) is True and done
    t.join()
    assert d.busy() == 0


def test_a_listener_that_raised_does_not_hold_up_a_shutdown():
    d = Deliveries()

    def failed_then_next_message():
        d.enter(None, EVENT)  # a listener raised: leave never ran in this context
        return d.busy()

    def next_message():  # the same pooled thread, a fresh context: nothing is open any more
        d.enter(None, EVENT)
        d.leave(None, EVENT)
        return d.busy()

    assert contextvars.copy_context().run(failed_then_next_message) == 1
    assert contextvars.copy_context().run(next_message) == 0
    assert d.wait(0) is True

    dead = threading.Thread(target=contextvars.copy_context().run, args=(failed_then_next_message,))
    dead.start()
    dead.join()
    assert d.busy() == 0 and d.wait(0) is True  # a thread that is gone answers nothing
