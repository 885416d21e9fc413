"""React to conversation events as the bot: greet on open, answer customer messages, hand off on request."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from kefu.bot import smalltalk
from kefu.bot.index import KnowledgeIndex
from kefu.bot.texts import detect_locale, t, wants_person
from kefu.conversations.actions import do_post_message, do_set_status, get_conversation
from kefu.conversations.models import Conversation
from kefu.knowledge.models import KnowledgePoint
from kefu.nlu.matcher import MatchResult
from kefu.runtime import Runtime
from kefu.tenants.models import Tenant

log = logging.getLogger(__name__)


@dataclass
class Decision:
    """What the bot makes of one customer message, before it says anything."""

    kind: str  # handoff | smalltalk | answer | clarify | fallback
    locale: str
    match: MatchResult | None = None
    smalltalk: str | None = None


class Bot:
    """The shop's bot; one instance per process, listening to committed events."""

    def __init__(self, index: KnowledgeIndex | None = None) -> None:
        self.index = index or KnowledgeIndex()

    def install(self, runtime: Runtime) -> None:
        runtime.listen("conversation_opened", self.on_opened)
        runtime.listen("message_created", self.on_message)
        runtime.listen("handoff_requested", self.on_handoff_requested)

    # --- listeners --------------------------------------------------------------------------------

    def on_opened(self, runtime: Runtime, event: dict[str, Any]) -> None:
        with runtime.locks.lock(f"conv:{event['conversation_id']}"), runtime.db.session() as db:
            conv = get_conversation(db, tenant_id=event["tenant_id"], conversation_id=event["conversation_id"])
            tenant = db.get(Tenant, conv.tenant_id)
            greeting = tenant.greeting_en if conv.locale == "en" else tenant.greeting_zh
            text = t(conv.locale, "disclosure", bot=tenant.bot_name, shop=tenant.name)
            if greeting.strip():
                text += "\n" + greeting.strip()
            self._say(db, conv, tenant, text)

    def on_message(self, runtime: Runtime, event: dict[str, Any]) -> None:
        message = event["message"]
        if message["sender"] != "customer":
            return
        # One message per conversation at a time, so replies never interleave or double up.
        with runtime.locks.lock(f"conv:{event['conversation_id']}"), runtime.db.session() as db:
            conv = get_conversation(db, tenant_id=event["tenant_id"], conversation_id=event["conversation_id"])
            if conv.status != "bot":
                return  # a person has (or is about to have) the conversation: the bot keeps quiet
            tenant = db.get(Tenant, conv.tenant_id)
            self.reply(db, conv, tenant, message["text"])

    def on_handoff_requested(self, runtime: Runtime, event: dict[str, Any]) -> None:
        with runtime.locks.lock(f"conv:{event['conversation_id']}"), runtime.db.session() as db:
            conv = get_conversation(db, tenant_id=event["tenant_id"], conversation_id=event["conversation_id"])
            tenant = db.get(Tenant, conv.tenant_id)
            self.hand_off(db, conv, tenant, reason=event["reason"], locale=event["locale"])

    # --- behaviour --------------------------------------------------------------------------------

    def decide(self, db: Session, tenant: Tenant, text: str, default_locale: str) -> Decision:
        """Understand one customer message: the same path serves the live bot and `kefu eval`."""
        locale = detect_locale(text, default_locale)
        if wants_person(text):
            return Decision("handoff", locale)
        kind = smalltalk.small_talk(text)
        if kind:
            return Decision("smalltalk", locale, smalltalk=kind)
        result = self.index.get(db, tenant.id).match(text)
        return Decision(result.outcome, locale, match=result)

    def reply(self, db: Session, conv: Conversation, tenant: Tenant, text: str) -> None:
        """Answer one customer message."""
        decision = self.decide(db, tenant, text, conv.locale)
        locale, result = decision.locale, decision.match
        if decision.kind == "handoff":
            self.hand_off(db, conv, tenant, reason="customer_asked", locale=locale)
            return
        if decision.kind == "smalltalk":
            self._say(db, conv, tenant, smalltalk.reply(decision.smalltalk, locale, tenant.bot_name),
                      payload={"type": "smalltalk", "kind": decision.smalltalk})
            return
        if result.outcome == "answer":
            point = db.get(KnowledgePoint, result.best.point_id)
            payload = {"type": "answer", "point_id": point.id, "score": result.best.score}
            # Rich parts of the answer travel as data; the widget renders them (links and images http(s) only).
            for key in ("buttons", "image_url", "link_url"):
                if getattr(point, key, None):
                    payload[key] = getattr(point, key)
            self._say(db, conv, tenant, point.answer, payload=payload)
        elif result.outcome == "clarify":
            buttons = [{"label": c.question, "value": c.question} for c in result.candidates]
            self._say(db, conv, tenant, t(locale, "clarify"), payload={"type": "buttons", "buttons": buttons})
        else:
            self._say(db, conv, tenant, t(locale, "fallback"), payload={
                "type": "buttons", "buttons": [{"label": t(locale, "handoff_button"), "action": "handoff"}]})

    def hand_off(self, db: Session, conv: Conversation, tenant: Tenant, *, reason: str, locale: str) -> None:
        """Queue the conversation for a person and tell the customer."""
        if conv.status in ("queued", "with_agent"):
            self._say(db, conv, tenant, t(locale, "already_queued"), sender="system")
            return
        do_set_status(db, conv=conv, status="queued", reason=reason)
        self._say(db, conv, tenant, t(locale, "handoff"), sender="system")

    def _say(self, db: Session, conv: Conversation, tenant: Tenant, text: str, *,
             payload: dict | None = None, sender: str = "bot") -> None:
        do_post_message(db, conv=conv, sender=sender, text=text, payload=payload,
                        sender_name=tenant.bot_name if sender == "bot" else "")
