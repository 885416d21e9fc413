"""Write a shop's conversation history at chosen times (messages, bot turns, handoffs, closes, ratings) the way
kefu records it, so report figures can be checked against a history whose every figure is known."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kefu.conversations.models import Conversation, ConversationEvent, Customer, Message
from kefu.live.models import Rating, SuggestionEvent
from kefu.runtime import Runtime


def utc(text: str) -> dt.datetime:
    """'2026-03-01 16:30' (UTC) → an aware datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@dataclass
class Conv:
    history: History
    id: int
    at: dt.datetime
    customer_id: int
    events: list = field(default_factory=list)

    def _add(self, *rows) -> None:
        with self.history.runtime.db.session() as db:
            for row in rows:
                db.add(row)
            conv = db.get(Conversation, self.id)
            last = max(getattr(r, "created_at", self.at) for r in rows)
            conv.updated_at = max(conv.updated_at, last)

    def _msg(self, sender: str, at: dt.datetime, text: str = "…", user_id: int | None = None, payload=None):
        return Message(tenant_id=self.history.tenant_id, conversation_id=self.id, sender=sender, text=text,
                       sender_user_id=user_id, payload=payload, created_at=at)

    def _event(self, kind: str, at: dt.datetime, **data):
        return ConversationEvent(tenant_id=self.history.tenant_id, conversation_id=self.id, kind=kind, data=data,
                                 created_at=at)

    def ask(self, minute: float, outcome: str = "answer", points: tuple[int, ...] = (),
            options: tuple[int, ...] = (), flow: str | None = None, handoff: str | None = None) -> Conv:
        """The customer writes `minute` minutes after the start and the bot's turn has this outcome."""
        at = self.at + dt.timedelta(minutes=minute)
        rows = [self._msg("customer", at)]
        with self.history.runtime.db.session() as db:
            db.add(rows[0])
            db.flush()
            message_id = rows[0].id
        turn = {"message_id": message_id, "outcome": outcome, "locale": "zh", "button": False, "emotion": "neutral",
                "points": list(points), "candidates": [[p, 0.8] for p in (options or points)], "flow": flow,
                "flow_status": "asking" if flow else None, "handoff": handoff, "status": "bot"}
        self._add(self._event("bot_turn", at + dt.timedelta(seconds=1), **turn),
                  self._msg("bot", at + dt.timedelta(seconds=1)))
        return self

    def handoff(self, minute: float, reason: str = "customer_asked") -> Conv:
        at = self.at + dt.timedelta(minutes=minute)
        self._add(self._event("handoff", at, reason=reason), self._event("status", at, to="queued"))
        return self

    def agent(self, minute: float, user_id: int) -> Conv:
        self._add(self._msg("agent", self.at + dt.timedelta(minutes=minute), user_id=user_id))
        return self

    def suggestion(self, minute: float, user_id: int, kind: str = "shown") -> Conv:
        self._add(SuggestionEvent(tenant_id=self.history.tenant_id, conversation_id=self.id, user_id=user_id,
                                  kind=kind, source="knowledge", created_at=self.at + dt.timedelta(minutes=minute)))
        return self

    def close(self, minute: float) -> Conv:
        at = self.at + dt.timedelta(minutes=minute)
        with self.history.runtime.db.session() as db:
            conv = db.get(Conversation, self.id)
            conv.status, conv.closed_at = "closed", at
            db.add(self._msg("system", at, payload={"type": "rating_request"}))
            db.add(self._event("status", at, to="closed"))
        return self

    def reopen(self, minute: float) -> Conv:
        at = self.at + dt.timedelta(minutes=minute)
        with self.history.runtime.db.session() as db:
            conv = db.get(Conversation, self.id)
            conv.status, conv.closed_at = "bot", None
            db.add(self._event("status", at, to="bot"))
        return self

    def rate(self, score: int, minute: float | None = None, agent_id: int | None = None) -> Conv:
        at = self.at + dt.timedelta(minutes=minute if minute is not None else 60)
        self._add(Rating(tenant_id=self.history.tenant_id, conversation_id=self.id, score=score,
                         agent_id=agent_id, created_at=at))
        return self


@dataclass
class History:
    runtime: Runtime
    tenant_id: int
    customers: dict[str, int] = field(default_factory=dict)

    def conversation(self, at: str | dt.datetime, customer: str = "c1", channel: str = "web") -> Conv:
        """Open a conversation at a UTC time for a customer (named by a label of the test's choosing)."""
        when = utc(at) if isinstance(at, str) else at
        with self.runtime.db.session() as db:
            if customer not in self.customers:
                row = Customer(tenant_id=self.tenant_id, external_id=customer, name=customer, created_at=when)
                db.add(row)
                db.flush()
                self.customers[customer] = row.id
            conv = Conversation(tenant_id=self.tenant_id, customer_id=self.customers[customer], channel=channel,
                                locale="zh", created_at=when, updated_at=when)
            db.add(conv)
            db.flush()
            db.add(ConversationEvent(tenant_id=self.tenant_id, conversation_id=conv.id, kind="opened",
                                     data={"channel": channel}, created_at=when))
            conv_id = conv.id
        return Conv(self, conv_id, when, self.customers[customer])
