"""The people side of a story: agents' presence, their steps (connect, accept, reply …) and the passing of time.

This is the one place stories touch kefu/live, so a change to presence or queueing is fixed here only. Time
never really passes: `wait: N` moves the story's past N seconds further back instead (every stored time of its
conversations, their messages and its agents), keeps the open workspaces beating (their `seen_at` is now), and
runs the sweeper once, as it would run N seconds later.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from kefu.conversations.actions import check_text, do_close, do_post_message, do_set_status, get_conversation
from kefu.conversations.models import Conversation, Message
from kefu.db import UTCDateTime, utcnow
from kefu.errors import KefuError
from kefu.live import actions as live
from kefu.runtime import Runtime, emit
from kefu.stories.loader import Agent
from kefu.tenants.models import User


class StepError(KefuError):
    """An agent step that cannot happen as the story says (accepting a chat nobody queued …)."""

    code = "story_step"


class Staff:
    """The story's agents in the throwaway shop."""

    def __init__(self, runtime: Runtime, tenant_id: int, agents: list[Agent] | None) -> None:
        self.runtime, self.tenant_id, self.agents = runtime, tenant_id, agents
        self.ids: dict[str, int] = {}
        self.beating: dict[str, bool] = {}  # the agent's workspace is open and sends its heartbeat

    def setup(self) -> None:
        """Put the story's agents in place; without `agents:` the shop's staff stay as they are."""
        if self.agents is None:
            return
        now = utcnow()
        with self.runtime.db.session() as db:
            for user in db.scalars(select(User).where(User.tenant_id == self.tenant_id)):
                user.status, user.seen_at = "offline", None
            for i, agent in enumerate(self.agents, 1):
                user = User(tenant_id=self.tenant_id, email=f"story-agent-{i}@stories.invalid", name=agent.name,
                            role="agent", password_hash="!", status="offline" if agent.state == "offline" else "online",
                            status_at=now, seen_at=now if agent.state == "connected" else None)
                db.add(user)
                db.flush()
                self.ids[agent.name] = user.id
                self.beating[agent.name] = agent.state == "connected"

    def _who(self, name: str | None) -> tuple[str, int]:
        name = name or self.agents[0].name
        return name, self.ids[name]

    def step(self, action: str, argument: str, who: str | None, conversation_id: int) -> None:
        """Do one `agent:` step for the agent named who (the story's first agent when None)."""
        name, user_id = self._who(who)
        if action == "connect":
            # As the staff socket does: present now, and routing may have chats for them.
            with self.runtime.db.session() as db:
                user = db.get(User, user_id)
                user.status, user.status_at, user.seen_at = "online", utcnow(), utcnow()
                emit(db, {"type": "agent_updated", "tenant_id": self.tenant_id, "user_id": user_id,
                          "status": "online"}, [f"tenant:{self.tenant_id}"])
            self.beating[name] = True
            live.drain_shop(self.runtime, self.tenant_id)
        elif action == "disconnect":
            self.beating[name] = False  # the tab closed or the network went: no more heartbeats
        elif action == "accept":
            with self.runtime.db.session() as db:
                conv = get_conversation(db, tenant_id=self.tenant_id, conversation_id=conversation_id)
                if conv.status == "with_agent" and conv.assigned_user_id == user_id:
                    return  # routing already gave it to them
                live.do_accept(db, tenant_id=self.tenant_id, conversation_id=conversation_id,
                               user=db.get(User, user_id))
        elif action == "reply":
            # As the agent's reply route does: replying takes the chat.
            with self.runtime.db.session() as db:
                conv = get_conversation(db, tenant_id=self.tenant_id, conversation_id=conversation_id)
                text = check_text(argument, self.runtime.settings.max_message_chars)
                if conv.status == "closed":
                    raise StepError("the conversation is closed")
                if conv.assigned_user_id is None:
                    conv.assigned_user_id, conv.assigned_at = user_id, utcnow()
                do_set_status(db, conv=conv, status="with_agent", reason=f"agent {user_id} replied")
                do_post_message(db, conv=conv, sender="agent", text=text, sender_name=name, user_id=user_id)
        elif action == "close":
            with self.runtime.db.session() as db:
                conv = get_conversation(db, tenant_id=self.tenant_id, conversation_id=conversation_id)
                do_close(db, conv=conv, reason="closed by staff")
        else:
            raise StepError(f"unknown agent action {action!r}")

    def wait(self, seconds: float, conversation_ids: list[int]) -> None:
        """Let seconds pass for the story's chats and agents, then run the sweeper once."""
        delta = dt.timedelta(seconds=seconds)
        now = utcnow()
        with self.runtime.db.session() as db:
            rows = list(db.scalars(select(Conversation).where(Conversation.id.in_(conversation_ids))))
            rows += db.scalars(select(Message).where(Message.conversation_id.in_(conversation_ids)))
            rows += [db.get(User, user_id) for user_id in self.ids.values()]
            for row in rows:
                _shift(row, delta)
            for name, user_id in self.ids.items():
                if self.beating.get(name):
                    db.get(User, user_id).seen_at = now
        live.sweep(self.runtime)


def _shift(row, delta: dt.timedelta) -> None:
    """Move every stored time of row delta into the past."""
    for column in row.__table__.columns:
        if isinstance(column.type, UTCDateTime):
            attr = row.__mapper__.get_property_by_column(column).key
            value = getattr(row, attr)
            if value is not None:
                setattr(row, attr, value - delta)
