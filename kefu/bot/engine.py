"""React to conversation events as the bot: greet, answer, run self-service flows, and hand off to a person."""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from kefu.bot import smalltalk
from kefu.bot.handoff import PRIORITY, agents_online, in_service_hours, policy_of, queue_position, summary
from kefu.bot.index import KnowledgeIndex
from kefu.bot.texts import detect_locale, t, wants_person
from kefu.commerce.connect import commerce_for
from kefu.conversations.actions import do_post_message, do_set_status, get_conversation
from kefu.conversations.models import Conversation, ConversationEvent, Customer, Message
from kefu.db import utcnow
from kefu.emotion import Emotion
from kefu.emotion import detect as detect_emotion
from kefu.flows import runner
from kefu.flows.intent import FlowIntents
from kefu.flows.parsers import is_cancel, is_resume
from kefu.flows.registry import is_enabled, public_flows
from kefu.knowledge.models import KnowledgePoint
from kefu.live.routing import group_for
from kefu.nlu.matcher import MatchResult
from kefu.runtime import Runtime
from kefu.tenants.facts import shop_facts, unfilled
from kefu.tenants.models import Tenant

log = logging.getLogger(__name__)

# A reply of digits and symbols only (an order or phone number) carries no emotion of its own.
_WORDS = re.compile(r"[A-Za-z\u3400-\u9fff]")
# How sure the emotion model must be before anger or anxiety counts for the handoff policy; short replies
# ("拍错了", the bot's own button "质量问题") score unsteadily. `python -m bench.emotion --skip-polarity` prints the
# precision and recall at these cut-offs on the held-out set (docs/benchmarks.md).
STRONG_EMOTION = {"angry": 0.7, "anxious": 0.5}
NEUTRAL = Emotion("neutral", {"angry": 0.0, "anxious": 0.0, "neutral": 1.0, "positive": 0.0})


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
        self.intents = FlowIntents(self.index.embedder)

    def warm_up(self) -> None:
        """Load the models now (embedding, segmenter, emotion, flow intents) so the first customer does not wait."""
        self.index.warm_up()
        detect_emotion("你好")
        self.intents.match("查物流")

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
            emotion = detect_emotion(message["text"]) if _WORDS.search(message["text"]) else NEUTRAL
            # Scored even when a person has the chat: agents and reports see it.
            stored = db.get(Message, message["id"])
            if stored is not None:
                stored.emotion = emotion.label
            if conv.status != "bot":
                return  # a person has (or is about to have) the conversation: the bot keeps quiet
            tenant = db.get(Tenant, conv.tenant_id)
            self.reply(db, conv, tenant, message["text"], emotion=emotion.label,
                       emotion_score=emotion.scores.get(emotion.label, 0.0))

    def on_handoff_requested(self, runtime: Runtime, event: dict[str, Any]) -> None:
        with runtime.locks.lock(f"conv:{event['conversation_id']}"), runtime.db.session() as db:
            conv = get_conversation(db, tenant_id=event["tenant_id"], conversation_id=event["conversation_id"])
            tenant = db.get(Tenant, conv.tenant_id)
            state = dict(conv.bot_state or {})
            self.hand_off(db, conv, tenant, state, reason=event["reason"], locale=event["locale"])
            conv.bot_state = state

    # --- behaviour --------------------------------------------------------------------------------

    def decide(self, db: Session, tenant: Tenant, text: str, default_locale: str, *, person_ok: bool = True
               ) -> Decision:
        """Understand one customer message: the same path serves the live bot and `kefu eval`."""
        locale = detect_locale(text, default_locale)
        if person_ok and wants_person(text):
            return Decision("handoff", locale)
        kind = smalltalk.small_talk(text)
        if kind:
            return Decision("smalltalk", locale, smalltalk=kind)
        result = self.index.get(db, tenant.id).match(text)
        return Decision(result.outcome, locale, match=result)

    def reply(self, db: Session, conv: Conversation, tenant: Tenant, text: str, *, emotion: str = "neutral",
              emotion_score: float = 1.0) -> None:
        """Answer one customer message: the handoff policy first, then a flow in progress, then a new one."""
        # A fresh dict so the JSON column sees the change.
        state = copy.deepcopy(conv.bot_state or {})
        state["emotion"] = emotion
        # Only a clear signal moves the policy: short replies ("拍错了", a button's "质量问题") score unsteadily.
        if emotion_score < STRONG_EMOTION.get(emotion, 0.0):
            emotion = "neutral"
        try:
            self._reply(db, conv, tenant, text, state, emotion)
        finally:
            conv.bot_state = state

    def _reply(self, db: Session, conv: Conversation, tenant: Tenant, text: str, state: dict, emotion: str) -> None:
        locale = detect_locale(text, conv.locale)
        policy = policy_of(tenant.handoff_policy)
        customer = db.get(Customer, conv.customer_id)
        state["anxious"] = state.get("anxious", 0) + 1 if emotion == "anxious" else 0
        flow = runner.active(state)
        if not (flow and flow["id"] == "leave_message"):  # someone leaving a message is already past the policy
            reason = self._policy_reason(policy, text, emotion, state, customer)
            if reason:
                self.hand_off(db, conv, tenant, state, reason=reason, locale=locale)
                return
        env = self._env(db, conv, tenant, customer, locale)
        if flow and self._continue_flow(db, conv, tenant, state, env, text, policy):
            return
        # Asking for a person was settled by the policy above; what is left is smalltalk, a flow or knowledge.
        decision = self.decide(db, tenant, text, locale, person_ok=False)
        if decision.kind == "smalltalk":
            self._say(db, conv, tenant, smalltalk.reply(decision.smalltalk, locale, tenant.bot_name),
                      payload={"type": "smalltalk", "kind": decision.smalltalk})
            return
        wanted = self.intents.match(text, self._enabled_flows(tenant))
        kb_score = decision.match.best.score if decision.match and decision.match.best else 0.0
        # A shop's own knowledge point that fits better wins over a flow ("多久发货" is policy, not "my order").
        if wanted and wanted[1] > kb_score:
            state["intent"] = wanted[0]
            self._flow_turn(db, conv, tenant, state, runner.start(state, env, wanted[0], text), policy)
            return
        self._answer(db, conv, tenant, state, decision, policy)

    @staticmethod
    def _enabled_flows(tenant: Tenant) -> set[str]:
        return {f.id for f in public_flows() if is_enabled(tenant.flow_settings, f.id)}

    def _policy_reason(self, policy: dict, text: str, emotion: str, state: dict, customer: Customer | None
                       ) -> str | None:
        if policy["customer_asks"] and wants_person(text):
            return "customer_asked"
        if policy["on_anger"] and emotion == "angry":
            return "angry"
        if policy["anxious_in_row"] and state.get("anxious", 0) >= policy["anxious_in_row"]:
            return "anxious"
        tags = set(customer.tags or []) if customer else set()
        if tags & set(policy["vip_tags"]) and not state.get("vip_checked"):
            state["vip_checked"] = True
            return "vip"
        return None

    def _env(self, db: Session, conv: Conversation, tenant: Tenant, customer: Customer | None, locale: str
             ) -> runner.Env:
        return runner.Env(locale=locale, commerce=commerce_for(db, tenant),
                          customer_ref=customer.external_id if customer else None,
                          facts=shop_facts(tenant.facts, tenant.name), flow_settings=tenant.flow_settings or {},
                          services={"db": db, "conversation": conv})

    def _continue_flow(self, db: Session, conv: Conversation, tenant: Tenant, state: dict, env: runner.Env,
                       text: str, policy: dict) -> bool:
        """Feed text to the flow in progress; False when the customer has moved on to something else."""
        flow = state["flow"]
        if flow.get("paused"):
            if is_resume(text):
                self._flow_turn(db, conv, tenant, state, runner.resume(state, env), policy)
                return True
            if is_cancel(text):
                self._flow_turn(db, conv, tenant, state, runner.stop(state, env), policy)
                return True
            state.pop("flow")  # they asked something else again: the parked flow is dropped
            return False
        turn = runner.answer(state, env, text)
        if turn.status != "unparsed":
            self._flow_turn(db, conv, tenant, state, turn, policy)
            return True
        if flow["id"] != "leave_message":
            # The reply does not fit the question. Another flow asked for starts that flow; a question the bot can
            # answer (or small talk) is answered, then the customer is offered to resume.
            wanted = self.intents.match(text, self._enabled_flows(tenant))
            if wanted and wanted[0] != flow["id"]:
                state.pop("flow")
                self._flow_turn(db, conv, tenant, state, runner.start(state, env, wanted[0], text), policy)
                return True
            decision = self.decide(db, tenant, text, env.locale, person_ok=False)
            if decision.kind == "smalltalk" or decision.match.outcome == "answer":
                offer = runner.pause(state, env)
                if decision.kind == "smalltalk":
                    self._say(db, conv, tenant, smalltalk.reply(decision.smalltalk, env.locale, tenant.bot_name))
                else:
                    self._answer(db, conv, tenant, state, decision, policy)
                self._say(db, conv, tenant, offer.text, payload=offer.payload)
                return True
        self._flow_turn(db, conv, tenant, state, runner.reask(state, env), policy)
        return True

    def _flow_turn(self, db: Session, conv: Conversation, tenant: Tenant, state: dict, turn: runner.Turn,
                   policy: dict) -> None:
        for r in turn.replies:
            self._say(db, conv, tenant, r.text, payload=r.payload)
        if turn.status == "failed":
            state.setdefault("memory", {})["failed_flow"] = turn.reason
            if policy["on_flow_failure"]:
                self.hand_off(db, conv, tenant, state, reason="flow_failed", locale=conv.locale, announce=False)

    def _answer(self, db: Session, conv: Conversation, tenant: Tenant, state: dict, decision: Decision,
                policy: dict) -> None:
        locale, result = decision.locale, decision.match
        point = db.get(KnowledgePoint, result.best.point_id) if result.outcome == "answer" else None
        if point is not None and unfilled(point.answer):
            # A stand-in for a fact the shop never gave (a dummy phone, "{{return_address}}"): offer a person instead.
            log.warning("shop %s: point %s quotes a placeholder; not sent", tenant.id, point.id)
            point = None
        if point is not None:
            state["fallbacks"] = 0
            state["intent"] = point.question
            state["category"] = point.category
            payload = {"type": "answer", "point_id": point.id, "score": result.best.score}
            # Rich parts of the answer travel as data; the widget renders them (links and images http(s) only).
            for key in ("buttons", "image_url", "link_url"):
                if getattr(point, key, None):
                    payload[key] = getattr(point, key)
            self._say(db, conv, tenant, point.answer, payload=payload)
        elif result.outcome == "clarify":
            state["fallbacks"] = 0
            buttons = [{"label": c.question, "value": c.question} for c in result.candidates]
            self._say(db, conv, tenant, t(locale, "clarify"), payload={"type": "buttons", "buttons": buttons})
        else:
            state["fallbacks"] = state.get("fallbacks", 0) + 1
            limit = policy["not_understood_in_row"]
            if limit and state["fallbacks"] >= limit:
                self.hand_off(db, conv, tenant, state, reason="not_understood", locale=locale)
                return
            self._say(db, conv, tenant, t(locale, "fallback"), payload={
                "type": "buttons", "buttons": [{"label": t(locale, "handoff_button"), "action": "handoff"}]})

    def hand_off(self, db: Session, conv: Conversation, tenant: Tenant, state: dict, *, reason: str, locale: str,
                 announce: bool = True) -> None:
        """Queue the conversation for a person with the bot's context, or take a message if nobody can come."""
        if conv.status in ("queued", "with_agent"):
            self._say(db, conv, tenant, t(locale, "already_queued"), sender="system")
            return
        state.pop("flow", None)
        state["fallbacks"] = 0
        memory = state.get("memory", {})
        conv.handoff = {"reason": reason, "intent": state.get("intent"), "emotion": state.get("emotion"),
                        "order_no": memory.get("order_no"), "summary": summary(db, conv, locale),
                        "at": utcnow().isoformat()}
        facts = shop_facts(tenant.facts, tenant.name)
        open_now = in_service_hours(tenant.service_hours)
        if not open_now or not agents_online(db, tenant.id):
            db.add(ConversationEvent(tenant_id=conv.tenant_id, conversation_id=conv.id, kind="handoff_unavailable",
                                     data={**conv.handoff, "open": open_now}))
            key = "no_agent" if open_now else "closed_hours"
            self._say(db, conv, tenant, t(locale, key, service_hours=facts["service_hours"]), sender="system")
            env = self._env(db, conv, tenant, db.get(Customer, conv.customer_id), locale)
            self._flow_turn(db, conv, tenant, state, runner.start(state, env, "leave_message"), policy_of({}))
            return
        if announce or reason != "flow_failed":
            key = {"angry": "handoff_angry", "not_understood": "handoff_not_understood"}.get(reason, "handoff")
            self._say(db, conv, tenant, t(locale, key), sender="system")
        conv.priority = PRIORITY.get(reason, 0)
        conv.queued_at = utcnow()
        conv.skill_group_id = group_for(db, tenant_id=conv.tenant_id, intent=state.get("intent"),
                                        category=state.get("category"))
        db.add(ConversationEvent(tenant_id=conv.tenant_id, conversation_id=conv.id, kind="handoff",
                                 data=dict(conv.handoff)))
        do_set_status(db, conv=conv, status="queued", reason=reason)
        db.flush()
        position = queue_position(db, conv)
        self._say(db, conv, tenant, t(locale, "queue_position", position=str(position), ahead=str(position - 1)),
                  payload={"type": "queue", "position": position}, sender="system")

    def _say(self, db: Session, conv: Conversation, tenant: Tenant, text: str, *,
             payload: dict | None = None, sender: str = "bot") -> None:
        do_post_message(db, conv=conv, sender=sender, text=text, payload=payload,
                        sender_name=tenant.bot_name if sender == "bot" else "")
