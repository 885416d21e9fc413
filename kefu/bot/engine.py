"""React to conversation events as the bot: greet, answer, run self-service flows, and hand off to a person."""

from __future__ import annotations

import copy
import logging
import re
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.bot import smalltalk
from kefu.bot.handoff import (
    PRIORITY,
    agents_online,
    in_service_hours,
    note_queue_entry,
    policy_of,
    queue_position,
    queue_status,
    summary,
)
from kefu.bot.index import KnowledgeIndex
from kefu.bot.texts import detect_locale, queue_text, reason_text, t, wants_person
from kefu.commerce.connect import commerce_for
from kefu.commerce.interface import CommerceError
from kefu.conversations.actions import do_post_message, do_set_status, get_conversation
from kefu.conversations.models import Conversation, ConversationEvent, Customer, Message
from kefu.db import utcnow
from kefu.emotion import Emotion
from kefu.emotion import detect as detect_emotion
from kefu.flows import runner
from kefu.flows.intent import START_AT, FlowIntents
from kefu.flows.parsers import is_cancel, is_resume, yes_no
from kefu.flows.registry import is_enabled, public_flows
from kefu.knowledge.models import KnowledgePoint
from kefu.live.routing import group_for
from kefu.nlu import entities as ents
from kefu.nlu.matcher import Candidate, MatchResult
from kefu.products.answer import Expert, ProductAnswer
from kefu.products.chat import recommend_reply
from kefu.products.context import seeds_of
from kefu.reactions.runner import Reaction
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


@dataclass
class Decision:
    """What the bot makes of one customer message, before it says anything."""

    kind: str  # handoff | smalltalk | answer | clarify | fallback
    locale: str
    match: MatchResult | None = None
    smalltalk: str | None = None
    # A message with two questions ("运费多少，还有多久能发货") may be answered point by point.
    answers: list[Candidate] = field(default_factory=list)
    # Each clause of a message asking several things, with the point answering it confidently.
    clauses: list[tuple[str, Candidate]] = field(default_factory=list)


# Clause boundaries of a message that asks two things at once.
_CLAUSES = re.compile(r"[，,；;。？?！!\n]+|还有|另外|顺便问下|顺便问一下|以及|\band also\b|\balso\b"
                      r"|\band\b(?= (how|what|when|where|why|can|do|does|is|are|will|i|my)\b)", re.IGNORECASE)
# Words saying a message is about the customer's own order, not the shop's rules ("我买的…还没发货" vs "多久发货").
_MINE = re.compile(r"(我的|我买的|我下的|我拍的|我订的|我那|俺的|我刚买|我刚下|我这单|这单|这个订单|我的订单|"
                   r"\bmy (order|parcel|package|item|purchase|delivery)\b|\bi (ordered|bought)\b)", re.IGNORECASE)
# A question about the shop's rules ("多久发货？", "可以退吗", "how long does shipping take"): the knowledge base's
# to answer when it can, unless the message is about the customer's own order.
_POLICY_QUESTION = re.compile(r"(多久|多长时间|几天|怎么|怎样|如何|能不能|能否|可不可以|可以.*[吗么]|支持.*[吗么]|多少|"
                              r"什么时候|吗$|么$|\bhow (long|much|do|can|many)\b|\bcan i\b|\bdo you\b|\bis there\b"
                              r"|\?$)",
                              re.IGNORECASE)
# Any question, for steps that wait for a value ("你们发什么快递" typed where the new address is asked).
_QUESTION = re.compile(r"(什么|啥|哪|谁|几|为什么|\b(what|which|who|why|when|where)\b)", re.IGNORECASE)
# Steps whose answer is free text or an address: a question typed there may be meant as a question.
OPEN_SLOTS = ("reason", "address")
# Asking the bot to do something ("能帮我查快递吗", "can you cancel it") is a request, however it is worded.
_ACTION = re.compile(r"(帮我|帮忙|给我|麻烦你|麻烦帮|替我|\b(can|could|would) you\b|\bplease\b)", re.IGNORECASE)
# Subjects no order flow handles: "这个订单的发票抬头能改吗" names an order and a change, but it is the invoice's
# (the knowledge base's), not the address's. A message naming one never starts a flow.
_OTHER_SUBJECT = re.compile(r"(发票|抬头|税号|专票|普票|运费|邮费|价保|保价|差价|积分|优惠券|红包|会员|"
                            r"\binvoice|\bshipping (fee|cost)|\bprice (protection|match)|\bcoupon|\bpoints\b)",
                            re.IGNORECASE)
# A flow starts on a weaker match when the message names an order or a product of the customer's.
WEAK_FLOW = 0.35
CATALOGUE_SECONDS = 300.0
# A button's value counts as pressed when it was offered in one of the bot's last few messages.
BUTTON_LOOKBACK = 6


def _is_cjk(text: str) -> bool:
    return bool(re.search(r"[\u3400-\u9fff]", text))


def counted_emotion(emotion: Emotion) -> tuple[str, float]:
    """The label the policy and agents see: anger or anxiety only above their cut-offs, else neutral."""
    score = emotion.scores.get(emotion.label, 0.0)
    if score < STRONG_EMOTION.get(emotion.label, 0.0):
        return "neutral", emotion.scores.get("neutral", 0.0)
    return emotion.label, score


def new_trace(text: str, message_id: int | None, locale: str) -> dict[str, Any]:
    """An empty record of what the bot recognised in one message (see docs/stories.md)."""
    return {"message_id": message_id, "text": text[:500], "locale": locale, "button": False,
            "emotion": {"label": "neutral", "score": 0.0, "counted": False}, "entities": {}, "outcome": "silent",
            "point": None, "points": [], "candidates": [], "flow": None, "flow_candidates": [], "smalltalk": None,
            "handoff": None, "status": None, "product": None}


def turn_record(trace: dict[str, Any]) -> dict[str, Any]:
    """What one bot turn did, kept as a `bot_turn` conversation event for reports and for learning what the bot
    missed: the outcome (answer, clarify, fallback, flow, smalltalk, handoff …), the points answered with, the
    options offered, the flow, the handoff reason. The customer's words stay in their message (message_id)."""
    return {"message_id": trace["message_id"], "outcome": trace["outcome"], "locale": trace["locale"],
            "button": trace["button"], "emotion": trace["emotion"]["label"],
            "points": [p["id"] for p in trace["points"]],
            "candidates": [[c["point_id"], c["score"]] for c in trace["candidates"][:3]],
            "flow": (trace["flow"] or {}).get("id"), "flow_status": (trace["flow"] or {}).get("status"),
            "handoff": trace["handoff"], "status": trace["status"]}


class Bot:
    """The shop's bot; one instance per process, listening to committed events."""

    def __init__(self, index: KnowledgeIndex | None = None) -> None:
        self.index = index or KnowledgeIndex()
        self.intents = FlowIntents(self.index.embedder)
        self._catalogues: dict[int, tuple[float, list[tuple[str, list[str], str]]]] = {}
        self._langs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # matcher → its languages
        self.expert = Expert()

    def warm_up(self) -> None:
        """Load the models now (embedding, segmenter, emotion, flow intents) so the first customer does not wait."""
        self.index.warm_up()
        detect_emotion("你好")
        self.intents.match("查物流")

    def install(self, runtime: Runtime) -> None:
        """Owe every conversation a greeting, every customer message an answer and every handoff request a
        handoff: durable reactions, run once each even if a process dies (kefu/reactions)."""
        in_conv = lambda event: f"conv:{event['conversation_id']}"  # noqa: E731 - one message per conversation
        runtime.react(Reaction("bot.greet", "conversation_opened", self.on_opened, lock=in_conv,
                               key=lambda e: f"greet:{e['conversation_id']}"))
        runtime.react(Reaction("bot.message", "message_created", self.on_message, lock=in_conv,
                               when=lambda e: e["message"]["sender"] == "customer",
                               key=lambda e: f"message:{e['message']['id']}", on_failure=self.on_failed))
        runtime.react(Reaction("bot.handoff", "handoff_requested", self.on_handoff_requested, lock=in_conv,
                               on_failure=self.on_failed))

    # --- reactions (each runs in db, the transaction that settles it, under the conversation's lock) -------

    def on_opened(self, runtime: Runtime, event: dict[str, Any], db: Session) -> None:
        conv = get_conversation(db, tenant_id=event["tenant_id"], conversation_id=event["conversation_id"])
        tenant = db.get(Tenant, conv.tenant_id)
        greeting = tenant.greeting_en if conv.locale == "en" else tenant.greeting_zh
        text = t(conv.locale, "disclosure", bot=tenant.bot_name, shop=tenant.name)
        if greeting.strip():
            text += "\n" + greeting.strip()
        self._say(db, conv, tenant, text)

    def on_message(self, runtime: Runtime, event: dict[str, Any], db: Session) -> None:
        message = event["message"]
        conv = get_conversation(db, tenant_id=event["tenant_id"], conversation_id=event["conversation_id"])
        if (message.get("payload") or {}).get("type") == "attachment":
            # A photo or file has no words to score or match: acknowledge it and offer a person to look.
            if conv.status == "bot":
                self._acknowledge_attachment(db, conv, message["payload"])
            return
        button = self.pressed(db, conv, message)
        # Only what the customer typed carries their feeling: a button's words are the bot's own ("不喜欢了").
        emotion = detect_emotion(message["text"]) if not button and _WORDS.search(message["text"]) else None
        if conv.status in ("bot", "queued"):
            tenant = db.get(Tenant, conv.tenant_id)
            self.reply(db, conv, tenant, message["text"], emotion=emotion, button=button, message_id=message["id"])
        # Scored even when a person has the chat (then the bot keeps quiet). Written last: on SQLite the first write
        # of a turn holds the one write lock until the turn commits, and every other turn waits for it.
        if emotion is not None and (stored := db.get(Message, message["id"])) is not None:
            stored.emotion = counted_emotion(emotion)[0]

    def on_handoff_requested(self, runtime: Runtime, event: dict[str, Any], db: Session) -> None:
        conv = get_conversation(db, tenant_id=event["tenant_id"], conversation_id=event["conversation_id"])
        tenant = db.get(Tenant, conv.tenant_id)
        state = dict(conv.bot_state or {})
        state["trace"] = new_trace("", None, event["locale"])  # a button press, not a message: its own trace
        self.hand_off(db, conv, tenant, state, reason=event["reason"], locale=event["locale"])
        state["trace"]["status"] = conv.status
        conv.bot_state = state

    def on_failed(self, runtime: Runtime, event: dict[str, Any], db: Session) -> None:
        """The bot could not answer (it failed every try): apologise and hand the customer to a person, or take
        their message when nobody can come, rather than leave them in silence."""
        conv = get_conversation(db, tenant_id=event["tenant_id"], conversation_id=event["conversation_id"])
        if conv.status not in ("bot", "queued"):
            return  # a person has the chat (or it closed): they see the message themselves
        tenant = db.get(Tenant, conv.tenant_id)
        message = event.get("message") or {}
        locale = detect_locale(message.get("text", ""), conv.locale) if message else event.get("locale", conv.locale)
        self._say(db, conv, tenant, t(locale, "bot_error"), sender="system")
        state = copy.deepcopy(conv.bot_state or {})
        state["trace"] = new_trace(message.get("text", ""), message.get("id"), locale)
        try:
            with db.begin_nested():
                self.hand_off(db, conv, tenant, state, reason="bot_error", locale=locale)
        except Exception:  # the handoff itself is what fails: queue the chat plainly, agents see it there
            log.exception("handoff after a bot failure failed for conversation %s", conv.id)
            if conv.channel != "test" and conv.status == "bot":
                do_set_status(db, conv=conv, status="queued", reason="bot_error")
        state["trace"]["status"] = conv.status
        conv.bot_state = state
        db.add(ConversationEvent(tenant_id=conv.tenant_id, conversation_id=conv.id, kind="bot_turn",
                                 data=turn_record(state["trace"])))

    # --- understanding ----------------------------------------------------------------------------

    def pressed(self, db: Session, conv: Conversation, message: dict[str, Any]) -> bool:
        """True when the message is a button the bot offered (flagged by the channel, or its exact value)."""
        if (message.get("payload") or {}).get("type") == "button":
            return True
        text = message["text"].strip()
        rows = db.scalars(select(Message.payload).where(
            Message.conversation_id == conv.id, Message.id < message["id"], Message.sender.in_(("bot", "system")))
            .order_by(Message.id.desc()).limit(BUTTON_LOOKBACK))
        for payload in rows:
            for b in (payload or {}).get("buttons") or []:
                if isinstance(b, dict) and text and text in (b.get("value"), b.get("label")):
                    return True
        return False

    def catalogue(self, db: Session, tenant: Tenant) -> list[tuple[str, list[str], str]]:
        """The shop's products as (sku, words customers use for it, name), fetched at most every few minutes."""
        cached = self._catalogues.get(tenant.id)
        if cached and time.monotonic() - cached[0] < CATALOGUE_SECONDS:
            return cached[1]
        try:
            products = commerce_for(db, tenant).products(limit=200)
        except CommerceError:  # the shop's system is down: read the message without product names
            products = []
        rows = [(p.sku, ents.product_keys(p.name), p.name) for p in products]
        self._catalogues[tenant.id] = (time.monotonic(), rows)
        return rows

    def decide(self, db: Session, tenant: Tenant, text: str, default_locale: str, *, person_ok: bool = True
               ) -> Decision:
        """Understand one customer message: the same path serves the live bot and `kefu eval`."""
        locale = detect_locale(text, default_locale)
        if person_ok and wants_person(text):
            return Decision("handoff", locale)
        kind = smalltalk.small_talk(text)
        if kind:
            return Decision("smalltalk", locale, smalltalk=kind)
        matcher = self.index.get(db, tenant.id)
        result = self._in_language(matcher, matcher.match(text), locale)
        # A clause's answer counts only when the whole message agrees it is a candidate: one short clause matched
        # confidently on its own was the largest source of wrong answers on real traffic (bench.real_traffic).
        among = {c.point_id for c in result.candidates}
        by_clause = self._clause_answers(matcher, text, locale)
        clauses = [a for _, a in by_clause if a.point_id in among]
        if result.outcome == "answer":
            extra = [a for a in clauses if a.point_id != result.best.point_id][:1] if len(clauses) >= 2 else []
            return Decision("answer", locale, match=result, answers=[result.best, *extra], clauses=by_clause)
        if len(clauses) >= 2:  # two questions, neither sure enough over the whole message alone
            return Decision("answer", locale, match=MatchResult("answer", clauses + [
                c for c in result.candidates if c.point_id not in {a.point_id for a in clauses}]), answers=clauses,
                clauses=by_clause)
        return Decision(result.outcome, locale, match=result, clauses=by_clause)

    def _clause_answers(self, matcher, text: str, locale: str) -> list[tuple[str, Candidate]]:
        """The points a message asking several things answers, clause by clause (none unless ≥ 2 clauses)."""
        clauses = [c.strip() for c in _CLAUSES.split(text) if c and len(c.strip()) >= 2]
        if len(clauses) < 2:
            return []
        found: list[tuple[str, Candidate]] = []
        for clause in clauses[:4]:
            r = self._in_language(matcher, matcher.match(clause), locale)
            if r.outcome == "answer" and r.best.point_id not in {c.point_id for _, c in found}:
                found.append((clause, r.best))
        return found[:3]

    def _side_questions(self, tenant: Tenant, decision: Decision) -> list[Candidate]:
        """Points answering the clauses of a message that are not the flow it asks for (matched once, in decide)."""
        found: list[Candidate] = []
        for clause, best in decision.clauses:
            flows = self.intents.rank(clause, self._enabled_flows(tenant))
            if not (flows and flows[0][1] >= max(START_AT, best.score)):
                found.append(best)
        return found[:2]

    def _in_language(self, matcher, result: MatchResult, locale: str) -> MatchResult:
        """Keep the candidates written in the customer's language, when the shop has any in it."""
        same = [c for c in result.candidates if _is_cjk(c.question) == (locale == "zh")]
        if len(same) == len(result.candidates) or locale not in self._languages(matcher):
            return result  # a Chinese-only shop still answers an English question as best it can
        if not same:
            return MatchResult("fallback", [])
        if result.best is same[0]:
            return MatchResult(result.outcome, same)
        # The best match was in the other language: not an answer to give, at most one of the options.
        return MatchResult("clarify" if result.outcome != "fallback" else "fallback", same[:3])

    def _languages(self, matcher) -> set[str]:
        """The languages a shop's knowledge is written in (zh, en), read once per built matcher."""
        langs = self._langs.get(matcher)
        if langs is None:
            questions = getattr(matcher, "questions", {}).values()
            langs = self._langs[matcher] = {"zh" if _is_cjk(q) else "en" for q in questions}
        return langs

    # --- behaviour --------------------------------------------------------------------------------

    def reply(self, db: Session, conv: Conversation, tenant: Tenant, text: str, *, emotion: Emotion | None = None,
              button: bool = False, message_id: int | None = None) -> None:
        """Answer one customer message: the handoff policy first, then a flow in progress, then a new one."""
        # A fresh dict so the JSON column sees the change.
        state = copy.deepcopy(conv.bot_state or {})
        locale = detect_locale(text, conv.locale)
        flow = state.get("flow") or {}
        if flow.get("locale") and flow.get("asking") in (*OPEN_SLOTS, "message", "contact"):
            locale = flow["locale"]  # a Chinese address pasted into an English chat does not switch the language
        trace = new_trace(text, message_id, locale)
        trace["button"] = button
        label, score = counted_emotion(emotion) if emotion is not None else ("neutral", 0.0)
        trace["emotion"] = {"label": label, "score": round(score, 3), "counted": emotion is not None}
        state["emotion"] = label
        state["trace"] = trace
        try:
            self._reply(db, conv, tenant, text, state, label)
        finally:
            trace["status"] = conv.status
            state["trace"] = trace
            conv.bot_state = state
        db.add(ConversationEvent(tenant_id=conv.tenant_id, conversation_id=conv.id, kind="bot_turn",
                                 data=turn_record(trace)))

    def _reply(self, db: Session, conv: Conversation, tenant: Tenant, text: str, state: dict, emotion: str) -> None:
        trace = state["trace"]
        locale = trace["locale"]
        waiting = conv.status == "queued"
        policy = policy_of(tenant.handoff_policy)
        customer = db.get(Customer, conv.customer_id)
        found = ents.extract(text, self.catalogue(db, tenant))
        trace["entities"] = found.as_dict()
        if found.products:
            state.setdefault("memory", {})["products"] = found.products
        state["anxious"] = state.get("anxious", 0) + 1 if emotion == "anxious" else 0
        flow = runner.active(state)
        if waiting:
            if wants_person(text):
                self._still_waiting(db, conv, tenant, state, locale)
                return
        elif not (flow and flow["id"] == "leave_message"):  # someone leaving a message is already past the policy
            reason = self._policy_reason(policy, text, emotion, state, customer)
            if reason and reason != "customer_asked" and conv.channel != "test" and not self._can_come(db, tenant):
                # The policy would bring a person, but nobody can come: say so once, offer to leave a message, and
                # go on helping with this very message instead of trading it for a contact form.
                self._nobody_can_come(db, conv, tenant, state, reason, locale)
            elif reason:
                self.hand_off(db, conv, tenant, state, reason=reason, locale=locale)
                return
        env = self._env(db, conv, tenant, customer, locale)
        if flow and self._continue_flow(db, conv, tenant, state, env, text, policy, found):
            return
        # Asking for a person was settled by the policy above; what is left is smalltalk, a flow or knowledge.
        asked = ents.without_numbers(text)
        if not asked and found.order_no:
            # Only an order number (and maybe the phone): show that order; the customer says what to do next.
            self._start_flow(db, conv, tenant, state, env, "order_status", text, found, policy)
            return
        decision = self.decide(db, tenant, asked or text, locale, person_ok=False)
        trace["candidates"] = [self._candidate(c) for c in (decision.match.candidates if decision.match else [])[:5]]
        if decision.kind == "smalltalk":
            trace.update(outcome="smalltalk", smalltalk=decision.smalltalk)
            self._say(db, conv, tenant, smalltalk.reply(decision.smalltalk, locale, tenant.bot_name),
                      payload={"type": "smalltalk", "kind": decision.smalltalk})
            return
        product = self._product_question(db, conv, tenant, state, text, found, decision, customer)
        if product is not None and (product.kind != "not_listed" or product.attribute):
            self._say_product(db, conv, tenant, state, product)  # clearly about the product: the catalogue answers
            return
        # A request for a recommendation ("预算200以内推荐一个") gets product cards, before flows and knowledge.
        picks = None if found.order_no else recommend_reply(
            db, tenant, customer, text, locale, seeds_of(state), knowledge_answers=decision.kind == "answer",
            embedder=self.index.embedder)
        if picks:
            trace["outcome"] = "recommend"
            for reply_text, payload in picks:
                self._say(db, conv, tenant, reply_text, payload=payload)
            return
        ranked = self.intents.rank(asked or text, self._enabled_flows(tenant))
        trace["flow_candidates"] = [{"id": i, "score": round(s, 4)} for i, s in ranked[:3]]
        wanted = self._wanted_flow(ranked, decision, text, found)
        if product is not None and not wanted and decision.kind != "answer":
            self._say_product(db, conv, tenant, state, product)  # "这个能进洗碗机吗": not listed, not guessed
            return
        if wanted:
            # "运费多少，我的D1003到哪了": the policy part is answered first, then the flow starts.
            side = self._side_questions(tenant, decision)
            if side:
                self._answer(db, conv, tenant, state, Decision("answer", locale, MatchResult("answer", side),
                                                               answers=side), policy)
            state["intent"] = wanted
            self._start_flow(db, conv, tenant, state, env, wanted, text, found, policy)
            return
        if trace["button"] and decision.kind == "fallback" and not found.order_no:
            # A button pressed twice or late ("确认" after the change was made): not a misunderstanding.
            trace["outcome"] = "stale_button"
            self._say(db, conv, tenant, t(locale, "stale_button"))
            return
        self._answer(db, conv, tenant, state, decision, policy, waiting=waiting)

    def _product_question(self, db: Session, conv: Conversation, tenant: Tenant, state: dict, text: str,
                          found: ents.Entities, decision: Decision, customer: Customer | None) -> ProductAnswer | None:
        """The catalogue's answer to a question about a product (kefu/products/answer.py), if it is one."""
        if state["trace"]["button"] or found.order_no or _MINE.search(text):
            return None  # a button, an order or "my parcel": the flows' and the knowledge base's

        commerce = commerce_for(db, tenant)

        def ordered() -> list[str]:
            if not (customer and customer.external_id):
                return []
            try:
                orders = commerce.orders_for_customer(customer.external_id, limit=5)
            except CommerceError:
                return []
            return [i.sku for o in orders for i in o.items]

        context = state.get("context") or {}
        return self.expert.answer(commerce, tenant.id, text, state["trace"]["locale"], named=found.products,
                                  context_sku=context.get("product_sku"), context_variant=context.get("variant_sku"),
                                  recent=(state.get("memory") or {}).get("products"), ordered=ordered,
                                  knowledge_answers=decision.kind == "answer")

    def _say_product(self, db: Session, conv: Conversation, tenant: Tenant, state: dict,
                     product: ProductAnswer) -> None:
        trace = state["trace"]
        trace["outcome"] = "answer"
        trace["product"] = {"kind": product.kind, "skus": product.skus, "attribute": product.attribute}
        state["fallbacks"] = 0
        if len(product.skus) == 1:  # the product answered about is the one "它", "这个" mean next
            state.setdefault("memory", {})["products"] = list(product.skus)
        info = {"kind": product.kind, "skus": product.skus, "attribute": product.attribute}
        if product.offer_person:
            self._say(db, conv, tenant, product.text, payload={"type": "buttons", "product": info, "buttons": [
                {"label": t(trace["locale"], "handoff_button"), "action": "handoff"}]})
        else:
            self._say(db, conv, tenant, product.text, payload={"type": "product_answer", **info})

    @staticmethod
    def _wanted_flow(ranked: list[tuple[str, float]], decision: Decision, text: str,
                     found: ents.Entities) -> str | None:
        """The flow the message asks for, if a flow fits it better than the shop's knowledge."""
        if not ranked:
            return None
        flow_id, score = ranked[0]
        if _OTHER_SUBJECT.search(text):
            return None
        kb = decision.match.best.score if decision.match and decision.match.best else 0.0
        about_mine = bool(found.order_no or found.products or _MINE.search(text))
        if found.order_no and score >= START_AT:  # "D1003 不想要了 要退货": about that order, whatever the FAQ says
            return flow_id
        if about_mine and score >= WEAK_FLOW and (decision.kind != "answer" or score >= kb):
            return flow_id
        if score < START_AT:
            return None
        # A policy question ("多久发货", "运费多少") is the knowledge base's when it has the answer.
        if decision.kind == "answer" and not about_mine and _POLICY_QUESTION.search(text.strip()) \
                and not _ACTION.search(text):
            return None
        return flow_id if score > kb else None

    @staticmethod
    def _candidate(c: Candidate) -> dict[str, Any]:
        return {"point_id": c.point_id, "question": c.question, "score": round(c.score, 4)}

    def _start_flow(self, db: Session, conv: Conversation, tenant: Tenant, state: dict, env: runner.Env,
                    flow_id: str, text: str, found: ents.Entities, policy: dict) -> None:
        given = {"order_no": found.order_no, "phone": found.phone}
        self._flow_turn(db, conv, tenant, state, runner.start(state, env, flow_id, text, given), policy)

    @staticmethod
    def _enabled_flows(tenant: Tenant) -> set[str]:
        return {f.id for f in public_flows() if is_enabled(tenant.flow_settings, f.id)}

    def _policy_reason(self, policy: dict, text: str, emotion: str, state: dict, customer: Customer | None
                       ) -> str | None:
        if policy["customer_asks"] and wants_person(text):
            return "customer_asked"
        # "你是机器人吗？？" is a question about the bot, answered truthfully, whatever its punctuation says.
        if policy["on_anger"] and emotion == "angry" and not smalltalk.asks_identity(text):
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
                       text: str, policy: dict, found: ents.Entities) -> bool:
        """Feed text to the flow in progress; False when the customer has moved on to something else."""
        flow = state["flow"]
        if flow.get("paused"):
            # "要继续吗？" — "继续", or a plain yes ("好的", "ok"), goes on; "算了", or a plain no, drops it.
            answer = yes_no(text)
            if is_resume(text) or answer is True:
                self._flow_turn(db, conv, tenant, state, runner.resume(state, env), policy)
                return True
            if is_cancel(text) or answer is False:
                self._flow_turn(db, conv, tenant, state, runner.stop(state, env), policy)
                return True
            if found.order_no and not ents.without_numbers(text):
                # An order number typed where the bot offered to go on: go on with that order.
                self._flow_turn(db, conv, tenant, state, runner.resume_with(state, env, found.order_no, found.phone),
                                policy)
                return True
            state.pop("flow")  # they asked something else again: the parked flow is dropped
            return False
        # A question typed where free text or an address is asked is a question, not the value ("退款多久到账啊" at
        # the reason step): answered, then the customer is offered to go on.
        if flow.get("asking") in OPEN_SLOTS and flow["id"] != "leave_message" and not found.order_no \
                and (_POLICY_QUESTION.search(text.strip()) or _QUESTION.search(text)) \
                and self._aside(db, conv, tenant, state, env, text, policy, found, strict=True):
            return True
        turn = runner.answer(state, env, text)
        if turn.status != "unparsed":
            self._flow_turn(db, conv, tenant, state, turn, policy)
            return True
        # Someone asked for a contact to leave a message may ask something else instead: never a trap.
        if (flow["id"] != "leave_message" or flow.get("asking") == "contact") \
                and self._aside(db, conv, tenant, state, env, text, policy, found):
            return True
        self._flow_turn(db, conv, tenant, state, runner.reask(state, env), policy)
        return True

    def _aside(self, db: Session, conv: Conversation, tenant: Tenant, state: dict, env: runner.Env, text: str,
               policy: dict, found: ents.Entities, *, strict: bool = False) -> bool:
        """Handle a message that is not the answer the flow waits for; False when it is nothing else either.

        Another flow asked for starts that flow; a question the bot can answer (or small talk) is answered, then
        the customer is offered to resume. strict: only a knowledge answer or small talk counts (the text could
        still be the slot's value).
        """
        flow = state["flow"]
        asked = ents.without_numbers(text) or text
        decision = self.decide(db, tenant, asked, env.locale, person_ok=False)
        ranked = self.intents.rank(asked, self._enabled_flows(tenant))
        state["trace"]["flow_candidates"] = [{"id": i, "score": round(s, 4)} for i, s in ranked[:3]]
        wanted = self._wanted_flow(ranked, decision, text, found)
        if not strict and wanted and wanted != flow["id"] and ranked[0][1] >= START_AT:
            state.pop("flow")
            self._start_flow(db, conv, tenant, state, env, wanted, text, found, policy)
            return True
        if decision.kind == "smalltalk" and decision.smalltalk == "ack":
            return False  # "嗯嗯" where an order number is asked: the question is simply asked again
        if decision.kind == "smalltalk" or decision.match.outcome == "answer":
            offer = runner.pause(state, env)
            if decision.kind == "smalltalk":
                state["trace"].update(outcome="smalltalk", smalltalk=decision.smalltalk)
                self._say(db, conv, tenant, smalltalk.reply(decision.smalltalk, env.locale, tenant.bot_name))
            else:
                self._answer(db, conv, tenant, state, decision, policy)
            self._say(db, conv, tenant, offer.text, payload=offer.payload)
            state["trace"]["flow"] = {"id": flow["id"], "status": "paused", "asking": flow.get("asking"),
                                      "slots": dict(flow.get("slots", {}))}
            return True
        return False

    def _flow_turn(self, db: Session, conv: Conversation, tenant: Tenant, state: dict, turn: runner.Turn,
                   policy: dict) -> None:
        trace = state.setdefault("trace", new_trace("", None, conv.locale))
        trace["outcome"] = "flow"
        trace["flow"] = turn.describe()
        for r in turn.replies:
            self._say(db, conv, tenant, r.text, payload=r.payload)
        if turn.status == "failed":
            state.setdefault("memory", {})["failed_flow"] = turn.reason
            if policy["on_flow_failure"]:
                self.hand_off(db, conv, tenant, state, reason="flow_failed", locale=conv.locale, announce=False)

    def _answer(self, db: Session, conv: Conversation, tenant: Tenant, state: dict, decision: Decision,
                policy: dict, *, waiting: bool = False) -> None:
        locale, result = decision.locale, decision.match
        trace = state["trace"]
        points = []
        for candidate in (decision.answers or [result.best]) if result.outcome == "answer" else []:
            point = db.get(KnowledgePoint, candidate.point_id)
            if unfilled(point.answer):
                # A stand-in for a fact the shop never gave (a dummy phone, "{{return_address}}"): not sent.
                log.warning("shop %s: point %s quotes a placeholder; not sent", tenant.id, point.id)
                continue
            points.append((point, candidate))
        trace["outcome"] = result.outcome if points or result.outcome != "answer" else "fallback"
        if points:
            state["fallbacks"] = 0
            for point, candidate in points:
                state["intent"] = point.question
                state["category"] = point.category
                trace["points"].append({"id": point.id, "question": point.question,
                                        "score": round(candidate.score, 4)})
                payload = {"type": "answer", "point_id": point.id, "score": candidate.score}
                # Rich parts of the answer travel as data; the widget renders them (links and images http(s) only).
                for key in ("buttons", "image_url", "link_url"):
                    if getattr(point, key, None):
                        payload[key] = getattr(point, key)
                self._say(db, conv, tenant, point.answer, payload=payload)
            trace["point"] = trace["points"][0]
            if waiting:
                self._waiting_note(db, conv, tenant, state, locale)
        elif result.outcome == "clarify":
            state["fallbacks"] = 0
            buttons = [{"label": c.question, "value": c.question} for c in result.candidates]
            self._say(db, conv, tenant, t(locale, "clarify"), payload={"type": "buttons", "buttons": buttons})
        elif waiting:
            # Nothing to answer with: the person the customer waits for will; no fallback count, no new handoff.
            self._say(db, conv, tenant, t(locale, "waiting_fallback"), sender="system")
        else:
            state["fallbacks"] = state.get("fallbacks", 0) + 1
            limit = policy["not_understood_in_row"]
            if limit and state["fallbacks"] >= limit:
                self.hand_off(db, conv, tenant, state, reason="not_understood", locale=locale)
                return
            self._say(db, conv, tenant, t(locale, "fallback"), payload={
                "type": "buttons", "buttons": [{"label": t(locale, "handoff_button"), "action": "handoff"}]})

    def _waiting_note(self, db: Session, conv: Conversation, tenant: Tenant, state: dict, locale: str) -> None:
        """Say once per wait that the bot answers meanwhile, so the customer knows the queue still holds them."""
        if state.get("waiting_note_for") == str(conv.queued_at):
            return
        state["waiting_note_for"] = str(conv.queued_at)
        self._say(db, conv, tenant, t(locale, "waiting_note", position=str(queue_position(db, conv))),
                  sender="system")

    def _still_waiting(self, db: Session, conv: Conversation, tenant: Tenant, state: dict, locale: str) -> None:
        queue = queue_status(db, conv)
        state["trace"]["outcome"] = "handoff"
        state["trace"]["handoff"] = "already_queued"
        self._say(db, conv, tenant, t(locale, "already_queued") + " " + queue_text(locale, "queue_position", queue),
                  payload={"type": "queue", **queue}, sender="system")

    @staticmethod
    def _can_come(db: Session, tenant: Tenant) -> bool:
        """True when a person could take a chat now (service hours and someone available)."""
        return in_service_hours(tenant.service_hours) and bool(agents_online(db, tenant.id))

    def _nobody_can_come(self, db: Session, conv: Conversation, tenant: Tenant, state: dict, reason: str,
                         locale: str) -> None:
        state["trace"]["handoff"] = reason
        if state.get("offered_message"):
            return
        state["offered_message"] = True
        db.add(ConversationEvent(tenant_id=conv.tenant_id, conversation_id=conv.id, kind="handoff_unavailable",
                                 data={"reason": reason, "emotion": state.get("emotion"), "soft": True}))
        key = "sorry_nobody" if reason == "angry" else "nobody_keep_helping"
        self._say(db, conv, tenant, t(locale, key), sender="system", payload={"type": "buttons", "buttons": [
            {"label": t(locale, "leave_message_button"), "action": "leave_message"}]})

    def hand_off(self, db: Session, conv: Conversation, tenant: Tenant, state: dict, *, reason: str, locale: str,
                 announce: bool = True) -> None:
        """Queue the conversation for a person with the bot's context, or take a message if nobody can come.

        Reason "leave_message": the customer waiting in the queue would rather leave one; they keep their place
        until they have left it.
        """
        trace = state.setdefault("trace", new_trace("", None, locale))
        trace["handoff"] = reason
        if trace.get("outcome") != "flow":
            trace["outcome"] = "handoff"
        wants_message = reason == "leave_message"
        if wants_message and conv.status == "with_agent":
            return  # a person took the chat meanwhile
        if conv.status == "with_agent" or (conv.status == "queued" and not wants_message):
            self._say(db, conv, tenant, t(locale, "already_queued"), sender="system")
            return
        state.pop("flow", None)
        state["fallbacks"] = 0
        if conv.channel == "test":
            # The console's try-the-bot panel: show where a person would take over, never queue for real agents.
            self._say(db, conv, tenant, t(locale, "test_handoff", reason=reason_text(locale, reason)),
                      sender="system")
            return
        memory = state.get("memory", {})
        if not (wants_message and conv.handoff):  # leaving the queue keeps why they were handed over
            conv.handoff = {"reason": reason, "intent": state.get("intent"), "emotion": state.get("emotion"),
                            "order_no": memory.get("order_no"), "summary": summary(db, conv, locale),
                            "at": utcnow().isoformat()}
        facts = shop_facts(tenant.facts, tenant.name)
        open_now = in_service_hours(tenant.service_hours)
        if wants_message or not open_now or not agents_online(db, tenant.id):
            db.add(ConversationEvent(tenant_id=conv.tenant_id, conversation_id=conv.id, kind="handoff_unavailable",
                                     data={**conv.handoff, "open": open_now, "waiting": conv.status == "queued"}))
            if not wants_message:
                key = "no_agent" if open_now else "closed_hours"
                self._say(db, conv, tenant, t(locale, key, service_hours=facts["service_hours"]), sender="system")
            env = self._env(db, conv, tenant, db.get(Customer, conv.customer_id), locale)
            turn = runner.start(state, env, "leave_message")
            trace["flow"] = turn.describe()
            for r in turn.replies:
                self._say(db, conv, tenant, r.text, payload=r.payload)
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
        queue = note_queue_entry(db, conv)
        self._say(db, conv, tenant, queue_text(locale, "queue_position", queue), payload={"type": "queue", **queue},
                  sender="system")

    def _acknowledge_attachment(self, db: Session, conv: Conversation, payload: dict) -> None:
        key = "attachment_image" if payload.get("kind") == "image" else "attachment_file"
        self._say(db, conv, db.get(Tenant, conv.tenant_id), t(conv.locale, key), payload={
            "type": "buttons", "buttons": [{"label": t(conv.locale, "handoff_button"), "action": "handoff"}]})

    def _say(self, db: Session, conv: Conversation, tenant: Tenant, text: str, *,
             payload: dict | None = None, sender: str = "bot") -> None:
        do_post_message(db, conv=conv, sender=sender, text=text, payload=payload,
                        sender_name=tenant.bot_name if sender == "bot" else "")
