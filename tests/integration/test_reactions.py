"""Every committed customer message gets exactly one reaction, whatever fails between its commit and the reply."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from kefu.bot.engine import Bot
from kefu.channels.intake import take_customer_message
from kefu.conversations.models import Conversation, ConversationEvent, Customer, Message
from kefu.db import utcnow
from kefu.reactions.models import PendingReaction
from kefu.reactions.runner import SETTLED, Owed
from kefu.runtime import Runtime
from kefu.web.app import create_app
from tests.support.chat import Chat


@pytest.fixture
def shop(app, runtime, shop_a):
    return shop_a.tenant_id


def _crash_after_commit(runtime: Runtime, monkeypatch) -> None:
    """The process dies right after committing: what is committed stays, nothing after the commit runs."""
    monkeypatch.setattr(runtime.reactions, "run_committed", lambda rows: None)


def _lease_over(runtime: Runtime) -> None:
    """Let the time pass after which another process may take what a dead one owned."""
    with runtime.db.session() as db:
        db.execute(update(PendingReaction).values(due_at=utcnow() - dt.timedelta(seconds=1)))


def _restarted(settings) -> Runtime:
    """A second process on the same database (or the same one after a restart): its own runtime and bot."""
    rt = Runtime(settings)
    create_app(rt)
    return rt


def _answers(runtime: Runtime, conv_id: int, after: int) -> list[Message]:
    with runtime.db.session() as db:
        rows = list(db.scalars(select(Message).where(Message.conversation_id == conv_id, Message.id > after,
                                                     Message.sender != "customer").order_by(Message.id)))
        db.expunge_all()
        return rows


def _owed(runtime: Runtime) -> int:
    with runtime.db.session() as db:
        return db.scalar(select(func.count()).select_from(PendingReaction))


def _customer_message(chat: Chat, text: str) -> int:
    with chat.runtime.db.session() as db:
        return db.scalar(select(Message.id).where(Message.conversation_id == chat.conversation_id,
                                                  Message.sender == "customer", Message.text == text))


def test_a_message_is_answered_at_once_and_nothing_stays_owed(runtime, shop):
    chat = Chat.open(runtime, shop)
    assert chat.say("你们几点上班") != []
    assert _owed(runtime) == 0


def test_a_process_killed_between_commit_and_reply_is_made_up_for_by_another(runtime, shop, settings, monkeypatch):
    chat = Chat.open(runtime, shop)
    _crash_after_commit(runtime, monkeypatch)
    assert chat.say("我想退货") == []  # stored, then the process "died": no answer yet
    assert _owed(runtime) == 1
    other = _restarted(settings)
    assert other.reactions.poll() == 0  # the dead process's lease has not run out: nobody takes it yet
    _lease_over(runtime)
    assert other.reactions.poll() == 1
    asked = _customer_message(chat, "我想退货")
    answers = _answers(runtime, chat.conversation_id, asked)
    assert len([m for m in answers if m.sender == "bot"]) >= 1
    assert _owed(runtime) == 0
    # Polling again, from either process, answers nothing twice.
    _lease_over(runtime)
    assert other.reactions.poll() == 0
    assert len(_answers(runtime, chat.conversation_id, asked)) == len(answers)
    other.db.dispose()


def test_a_restarted_server_answers_what_was_owed_when_it_died(runtime, shop, settings, monkeypatch):
    chat = Chat.open(runtime, shop)
    _crash_after_commit(runtime, monkeypatch)
    chat.say("在吗")
    _lease_over(runtime)
    rt = Runtime(settings.model_copy(update={"reaction_poll_seconds": 0.05}))
    with TestClient(create_app(rt)):  # starting the app starts its poller
        for _ in range(200):
            if _owed(rt) == 0:
                break
            threading.Event().wait(0.05)
    assert _owed(runtime) == 0
    assert _answers(runtime, chat.conversation_id, _customer_message(chat, "在吗"))
    rt.db.dispose()


def test_a_reaction_that_fails_once_is_retried_and_answers_once(runtime, shop, monkeypatch, caplog):
    chat = Chat.open(runtime, shop)
    real = Bot.reply
    calls = []

    def flaky(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database went away")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Bot, "reply", flaky)
    with caplog.at_level(logging.ERROR):
        assert chat.say("你们几点上班") == []
    assert f"for conversation {chat.conversation_id}" in caplog.text  # the failure names the conversation
    with runtime.db.session() as db:
        row = db.scalars(select(PendingReaction)).one()
        assert "database went away" in row.last_error and row.due_at > utcnow()  # retried after a backoff
    _lease_over(runtime)
    assert runtime.reactions.poll() == 1
    answers = _answers(runtime, chat.conversation_id, _customer_message(chat, "你们几点上班"))
    assert len(answers) >= 1 and all(m.sender == "bot" for m in answers)
    assert _owed(runtime) == 0 and len(calls) == 2


def test_a_reaction_that_keeps_failing_ends_in_an_apology_and_a_person(runtime, shop, agent_online, monkeypatch,
                                                                        caplog):
    chat = Chat.open(runtime, shop)

    def broken(self, *args, **kwargs):
        raise RuntimeError("matcher crashed")

    monkeypatch.setattr(Bot, "reply", broken)
    with caplog.at_level(logging.ERROR):
        chat.say("我的快递到哪了")
        for _ in range(runtime.settings.reaction_max_attempts):
            _lease_over(runtime)
            runtime.reactions.poll()
    assert _owed(runtime) == 0
    texts = [m.text for m in _answers(runtime, chat.conversation_id, _customer_message(chat, "我的快递到哪了"))]
    assert any("系统出了点问题" in t for t in texts)
    assert chat.conversation().status == "queued" and chat.conversation().handoff["reason"] == "bot_error"
    assert f"gave up for conversation {chat.conversation_id}" in caplog.text


def test_a_raising_listener_does_not_stop_the_reply(runtime, shop, caplog):
    def bad(_rt, _event):
        raise ValueError("listener bug")

    runtime.listen("message_created", bad)
    chat = Chat.open(runtime, shop)
    with caplog.at_level(logging.ERROR):
        assert chat.say("你们几点上班") != []
    assert "listener of message_created failed" in caplog.text
    assert _owed(runtime) == 0


def test_two_processes_taking_the_same_owed_message_answer_it_once(runtime, shop, settings, monkeypatch):
    chat = Chat.open(runtime, shop)
    _crash_after_commit(runtime, monkeypatch)
    chat.say("发什么快递")
    _lease_over(runtime)
    a, b = _restarted(settings), _restarted(settings)
    with runtime.db.session() as db:
        row = db.scalars(select(PendingReaction)).one()
        owed = (row.id, row.reaction, row.event, row.conversation_id, 2)
    # Both run it at the same moment (each thinks it holds the claim, as after a lease ran out mid-reaction).
    done = []
    threads = [threading.Thread(target=lambda r=r: done.append(r.reactions.run(Owed(*owed), lock_wait=None)))
               for r in (a, b)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert done == [SETTLED, SETTLED]
    bot_replies = [m for m in _answers(runtime, chat.conversation_id, _customer_message(chat, "发什么快递"))
                   if m.sender == "bot"]
    assert len(bot_replies) == 1
    a.db.dispose()
    b.db.dispose()


def test_replies_keep_the_order_of_messages_after_a_crash(runtime, shop, settings, monkeypatch):
    chat = Chat.open(runtime, shop)
    with monkeypatch.context() as m:
        _crash_after_commit(runtime, m)
        chat.say("你们几点上班")  # owed by a dead process
    # The next message comes to a live process before the first one's lease runs out: it waits its turn.
    assert chat.say("发什么快递") == []
    assert _owed(runtime) == 2
    _lease_over(runtime)
    assert runtime.reactions.poll() >= 1
    if _owed(runtime):
        _lease_over(runtime)
        runtime.reactions.poll()
    assert _owed(runtime) == 0
    first, second = _customer_message(chat, "你们几点上班"), _customer_message(chat, "发什么快递")
    with runtime.db.session() as db:
        answered = [e.data["message_id"] for e in db.scalars(
            select(ConversationEvent).where(ConversationEvent.conversation_id == chat.conversation_id,
                                            ConversationEvent.kind == "bot_turn").order_by(ConversationEvent.id))]
    assert answered == [first, second]


def test_a_rolled_back_message_owes_nothing(runtime, shop):
    chat = Chat.open(runtime, shop)
    with pytest.raises(RuntimeError), runtime.db.session() as db:
        conv = db.get(Conversation, chat.conversation_id)
        take_customer_message(runtime, db, conv=conv, customer=db.get(Customer, chat.customer_id), text="在吗",
                              client_id=None)
        raise RuntimeError("the request failed before commit")
    assert _owed(runtime) == 0 and _customer_message(chat, "在吗") is None


def test_a_request_that_loses_the_database_gets_503_and_may_retry(client, shop_a, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from kefu.tenants import routes

    def cut(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionResetError("server closed the connection"))

    monkeypatch.setattr(routes, "settings_out", cut)
    r = client.get("/api/v1/settings", headers={"Authorization": f"Bearer {shop_a.api_key}"})
    assert r.status_code == 503 and r.headers["Retry-After"] == "1"
    assert r.json()["error"]["code"] == "unavailable"


def test_the_next_message_takes_up_an_earlier_failed_one_first(runtime, shop, monkeypatch):
    chat = Chat.open(runtime, shop)
    real, calls = Bot.reply, []

    def flaky(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("redis went away")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Bot, "reply", flaky)
    assert chat.say("你们几点上班") == []
    _lease_over(runtime)  # its retry is due
    # The customer writes again before any poller came by: both are answered now, the first one first.
    assert chat.say("发什么快递") != []
    assert _owed(runtime) == 0
    with runtime.db.session() as db:
        answered = [e.data["message_id"] for e in db.scalars(
            select(ConversationEvent).where(ConversationEvent.kind == "bot_turn").order_by(ConversationEvent.id))]
    assert answered == [_customer_message(chat, "你们几点上班"), _customer_message(chat, "发什么快递")]
