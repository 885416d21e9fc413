"""Play a story against the bot in a throwaway copy of the shop and check every turn's expectations."""

from __future__ import annotations

import re
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from kefu.bot.engine import Bot
from kefu.bot.index import KnowledgeIndex
from kefu.channels.intake import take_customer_message
from kefu.config import Settings, get_settings
from kefu.conversations import actions
from kefu.conversations.models import Conversation, ConversationEvent, Customer, Message
from kefu.errors import KefuError
from kefu.live import actions as live_actions
from kefu.products.context import ProductContext, do_set_context
from kefu.runtime import Runtime
from kefu.stories.live import Staff, StepError
from kefu.stories.loader import REPLY_KEYS, TRACE_KEYS, Story, Turn
from kefu.stories.shop import Template, add_orders

# Buttons the widget answers with a request instead of a message (frame.js): the handoff reason each one sends.
BUTTON_ACTIONS = {"handoff": "customer_button", "leave_message": "leave_message"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
NO_TRACE = ("the bot left no trace of this message (bot_state['trace'] is missing or about another message), "
            "so {keys} cannot be checked")


@dataclass
class TurnResult:
    turn: Turn
    passed: bool
    problems: list[str] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)  # {"sender", "text", "buttons": [labels]}
    trace: dict[str, Any] | None = None
    status: str | None = None  # the conversation's status after the turn

    def as_dict(self) -> dict[str, Any]:
        return {"turn": self.turn.index, "step": self.turn.describe(), "passed": self.passed,
                "problems": self.problems, "expect": self.turn.expect, "replies": self.replies,
                "status": self.status, "trace": self.trace}


@dataclass
class StoryResult:
    story: Story
    turns: list[TurnResult] = field(default_factory=list)
    error: str | None = None  # the shop or the conversation could not be set up
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.error is None and len(self.turns) == len(self.story.turns) and all(t.passed for t in self.turns)

    @property
    def failed_turn(self) -> TurnResult | None:
        return next((t for t in self.turns if not t.passed), None)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.story.id, "file": str(self.story.path), "story": self.story.name, "passed": self.passed,
                "error": self.error, "seconds": round(self.seconds, 3), "turns": [t.as_dict() for t in self.turns]}


def make_bot(embedder: str | None = None) -> Bot:
    """One bot for a whole run: its models and the shop's index are built once, not per story.

    The per-shop classifier trains before the first answer (not in the background), so every story meets
    the same bot whatever the timing.
    """
    return Bot(KnowledgeIndex(embedder or get_settings().embedder, background=False))


class StoryRunner:
    """Runs stories one by one, each in a fresh copy of the template shop, all with the same bot."""

    def __init__(self, template: Template, bot: Bot | None = None) -> None:
        self.template = template
        self.bot = bot or make_bot()

    def run(self, story: Story) -> StoryResult:
        started = time.perf_counter()
        result = StoryResult(story)
        url = self.template.copy()
        runtime = Runtime(Settings(database_url=url, redis_url=None, rate_limit_messages=1_000_000,
                                   agent_sweep_seconds=0))
        try:
            # What create_app installs on a runtime: the bot and live routing's queue drains.
            self.bot.install(runtime)
            live_actions.install(runtime)
            try:
                play = _Play(runtime, self.template.tenant_id, story)
            except Exception as e:  # a bad `orders:` entry, a crash while greeting …
                result.error = _error_text(e)
                return result
            for turn in story.turns:
                outcome = play.turn(turn)
                result.turns.append(outcome)
                if not outcome.passed:
                    break  # later turns build on this one; their results would only mislead
        finally:
            runtime.db.dispose()
            self.template.discard(url)
            result.seconds = time.perf_counter() - started
        return result


def _error_text(e: BaseException) -> str:
    if isinstance(e, KefuError):
        return e.message
    return "".join(traceback.format_exception(e)).strip()


class _Play:
    """One story's conversation: the customer, their chat, the agents."""

    def __init__(self, runtime: Runtime, tenant_id: int, story: Story) -> None:
        self.runtime, self.tenant_id, self.story = runtime, tenant_id, story
        self.conversation_ids: list[int] = []
        if story.orders:
            with runtime.db.session() as db:
                add_orders(db, tenant_id, story.orders)
        self.staff = Staff(runtime, tenant_id, story.agents)
        self.staff.setup()
        self.names = _shop_names(runtime, tenant_id, story)
        self.open(story.customer)

    def open(self, customer_ref: str | None) -> None:
        """Open the chat as the widget does: a signed-in customer (their shop id) or a new anonymous visitor."""
        with self.runtime.db.session() as db:
            if customer_ref:
                customer = actions.do_get_external_customer(db, tenant_id=self.tenant_id, external_id=customer_ref)
            else:
                customer = actions.do_get_visitor(db, tenant_id=self.tenant_id, visitor_id=None)
            if self.story.tags:
                customer.tags = list(self.story.tags)
            conv, _ = actions.do_open_conversation(db, tenant_id=self.tenant_id, customer=customer, channel="web",
                                                   locale=self.story.locale)
            self.customer_id, self.conversation_id = customer.id, conv.id
            self.conversation_ids.append(conv.id)
            if self.story.page:
                do_set_context(db, conv=conv, context=ProductContext(product_sku=self.story.page))

    # --- one turn --------------------------------------------------------------------------------------

    def turn(self, turn: Turn) -> TurnResult:
        before_msg = self._last_id(Message)
        before_event = self._last_id(ConversationEvent)
        message_id: int | None = None
        try:
            if turn.kind == "say":
                message_id = self._say(turn.value)
            elif turn.kind == "click":
                message_id = self._click(turn.value)
            elif turn.kind == "agent":
                self.staff.step(turn.action, turn.argument, turn.agent, self.conversation_id)
            elif turn.kind == "wait":
                self.staff.wait(turn.value, self.conversation_ids)
            else:
                self.open(None if turn.value == "visitor" else turn.value)
                before_msg = before_event = 0  # the new chat's greeting is what this step says
        except (StepError, _NoButton) as e:
            return TurnResult(turn, False, [str(e.message if isinstance(e, KefuError) else e)],
                              replies=self._replies(before_msg), status=self._conv().status)
        except Exception as e:
            return TurnResult(turn, False, [f"the step raised an error:\n{_error_text(e)}"],
                              replies=self._replies(before_msg), status=self._conv().status)
        conv = self._conv()
        trace = (conv.bot_state or {}).get("trace")
        if message_id is None or not isinstance(trace, dict) or trace.get("message_id") != message_id:
            trace = None
        replies = self._replies(before_msg)
        handoffs = self._handoff_events(before_event)
        problems = check(turn.expect, trace=trace, replies=replies, status=conv.status,
                         sent_message=message_id is not None, handoff_events=handoffs, names=self.names)
        return TurnResult(turn, not problems, problems, replies=replies, trace=trace, status=conv.status)

    def _say(self, text: str, payload: dict[str, Any] | None = None) -> int:
        with self.runtime.db.session() as db:
            conv = db.get(Conversation, self.conversation_id)
            customer = db.get(Customer, self.customer_id)
            msg, _ = take_customer_message(self.runtime, db, conv=conv, customer=customer, text=text,
                                           client_id=None, payload=payload)
            return msg.id

    def _click(self, label: str) -> int | None:
        """Press the newest button with this label the bot offered; None when it asks for a person (no text)."""
        offered: list[str] = []
        with self.runtime.db.session() as db:
            rows = db.scalars(select(Message).where(Message.conversation_id == self.conversation_id,
                                                    Message.sender != "customer").order_by(Message.id.desc()))
            button = None
            for m in rows:
                for b in _buttons(m.payload):
                    offered.append(b.get("label", ""))
                    if button is None and str(b.get("label", "")).strip() == label.strip():
                        button = b
                if button is not None:
                    break
        if button is None:
            shown = ", ".join(dict.fromkeys(offered)) or "none"
            raise _NoButton(f"no button labelled {label!r} among the bot's buttons (offered: {shown})")
        action = button.get("action")
        if action in BUTTON_ACTIONS:
            # The widget sends these as requests of their own, not as a customer message.
            with self.runtime.db.session() as db:
                conv = db.get(Conversation, self.conversation_id)
                actions.do_request_handoff(db, conv=conv, reason=BUTTON_ACTIONS[action])
            return None
        if action:
            raise _NoButton(f"the button {label!r} does {action!r}, which stories cannot press yet")
        if not isinstance(button.get("value"), str):
            raise _NoButton(f"the button {label!r} opens a link; the customer's chat does not change")
        return self._say(button["value"], payload={"type": "button"})

    # --- reading back ----------------------------------------------------------------------------------

    def _last_id(self, model) -> int:
        with self.runtime.db.session() as db:
            return db.scalar(select(func.max(model.id)).where(model.conversation_id == self.conversation_id)) or 0

    def _conv(self) -> Conversation:
        with self.runtime.db.session() as db:
            conv = db.get(Conversation, self.conversation_id)
            db.expunge(conv)
            return conv

    def _replies(self, after: int) -> list[dict[str, Any]]:
        with self.runtime.db.session() as db:
            rows = db.scalars(select(Message).where(Message.conversation_id == self.conversation_id,
                                                    Message.id > after, Message.sender != "customer")
                              .order_by(Message.id))
            return [{"sender": m.sender, "text": m.text, "buttons": [str(b.get("label", ""))
                                                                      for b in _buttons(m.payload)]} for m in rows]

    def _handoff_events(self, after: int) -> list[str]:
        with self.runtime.db.session() as db:
            rows = db.scalars(select(ConversationEvent).where(
                ConversationEvent.conversation_id == self.conversation_id, ConversationEvent.id > after,
                ConversationEvent.kind.in_(("handoff", "handoff_unavailable"))).order_by(ConversationEvent.id))
            return [str((e.data or {}).get("reason") or "") for e in rows]


class _NoButton(Exception):
    pass


def _shop_names(runtime: Runtime, tenant_id: int, story: Story) -> list[str]:
    """Names an English reply may quote in Chinese: the shop's, its bot's, its agents' and its products'."""
    from kefu.commerce.models import Order, Product
    from kefu.tenants.models import Tenant

    with runtime.db.session() as db:
        tenant = db.get(Tenant, tenant_id)
        names = {tenant.name, tenant.bot_name, *(a.name for a in story.agents or [])}
        names.update(db.scalars(select(Product.name).where(Product.tenant_id == tenant_id)))
        for items in db.scalars(select(Order.items).where(Order.tenant_id == tenant_id)):
            names.update(str(i.get("name", "")) for i in items or [] if isinstance(i, dict))
    return sorted((n for n in names if n and _CJK.search(n)), key=len, reverse=True)


def _buttons(payload: Any) -> list[dict[str, Any]]:
    if not isinstance(payload, dict) or not isinstance(payload.get("buttons"), list):
        return []
    return [b for b in payload["buttons"] if isinstance(b, dict)]


# --- expectations -------------------------------------------------------------------------------------------


def check(expect: dict[str, Any], *, trace: dict[str, Any] | None, replies: list[dict[str, Any]], status: str,
          sent_message: bool, handoff_events: list[str], names: list[str] = ()) -> list[str]:
    """Return what differs from expect (empty: the turn passed).

    names: the shop's own names (bot, shop, agents, products); an English reply may quote them in Chinese.
    """
    problems: list[str] = []
    wanted_trace = [k for k in expect if k in TRACE_KEYS]
    if wanted_trace and trace is None:
        # A button that asks for a person sends no message: its handoff shows in the conversation's events.
        if not sent_message and wanted_trace == ["handoff"]:
            problems += _check_handoff(expect["handoff"], handoff_events[0] if handoff_events else None)
        elif wanted_trace == ["outcome"] and _matches(expect["outcome"], "silent") and not any(
                r["sender"] == "bot" for r in replies):
            pass  # the bot kept quiet, as expected
        elif not sent_message:
            problems.append(f"clicking a button that asks for a person sends no message, so only handoff, "
                            f"{', '.join(sorted(REPLY_KEYS))} can be checked (not {', '.join(wanted_trace)})")
        else:
            problems.append(NO_TRACE.format(keys=", ".join(wanted_trace)))
    elif trace is not None:
        problems += _check_trace(expect, trace)
    problems += _check_replies(expect, replies, names)
    if "status" in expect and not _matches(expect["status"], status):
        problems.append(f"status: expected {_show(expect['status'])}, the conversation is {status!r}")
    return problems


def _check_trace(expect: dict[str, Any], trace: dict[str, Any]) -> list[str]:
    problems = []
    flow = trace.get("flow") if isinstance(trace.get("flow"), dict) else None
    emotion = trace.get("emotion")
    actual = {
        "outcome": trace.get("outcome"),
        "flow": flow.get("id") if flow else None,
        "step": flow.get("asking") if flow else None,
        "flow_status": flow.get("status") if flow else None,
        "smalltalk": trace.get("smalltalk"),
        "emotion": emotion.get("label") if isinstance(emotion, dict) else emotion,
        "product": (trace.get("product") or {}).get("kind"),
    }
    for key, value in expect.items():
        if key in actual:
            if not _matches(value, actual[key]):
                problems.append(f"{key}: expected {_show(value)}, got {actual[key]!r}")
        elif key == "slots":
            slots = (flow or {}).get("slots") or {}
            for name, want in value.items():
                got = slots.get(name)
                if not _same(want, got):
                    problems.append(f"slots.{name}: expected {want!r}, got {got!r} (slots: {slots})")
        elif key == "handoff":
            problems += _check_handoff(value, trace.get("handoff"))
        elif key == "point":
            answered = [p for p in (trace.get("points") or ([trace["point"]] if trace.get("point") else []))
                        if isinstance(p, dict)]
            for want in value if isinstance(value, list) else [value]:
                if not any(_is_point(want, p) for p in answered):
                    got = [p.get("question") for p in answered] or "no knowledge point"
                    problems.append(f"point: expected {want!r} among the answers, got {got}")
    return problems


def _check_handoff(want: bool | str, got: str | None) -> list[str]:
    if want is True and not got:
        return ["handoff: expected a handoff, there was none"]
    if want is False and got:
        return [f"handoff: expected none, the bot handed over ({got})"]
    if isinstance(want, str) and want != got:
        return [f"handoff: expected {want!r}, got {got!r}"]
    return []


def _is_point(want: str | int, point: dict[str, Any]) -> bool:
    if isinstance(want, int):
        return point.get("id") == want
    return str(point.get("question", "")).strip() == want.strip()


def _check_replies(expect: dict[str, Any], replies: list[dict[str, Any]], names: list[str] = ()) -> list[str]:
    problems = []
    corpus = "\n".join([r["text"] for r in replies] + [b for r in replies for b in r["buttons"]]).casefold()

    def items(key: str) -> list[str]:
        v = expect[key]
        return [str(x) for x in (v if isinstance(v, list) else [v])]

    if "reply_contains" in expect:
        missing = [x for x in items("reply_contains") if x.casefold() not in corpus]
        if missing:
            problems.append(f"reply_contains: the replies do not say {missing}")
    if "reply_any" in expect:
        wanted = items("reply_any")
        if not any(x.casefold() in corpus for x in wanted):
            problems.append(f"reply_any: the replies say none of {wanted}")
    if "reply_not_contains" in expect:
        found = [x for x in items("reply_not_contains") if x.casefold() in corpus]
        if found:
            problems.append(f"reply_not_contains: the replies say {found}")
    if "reply_lang" in expect:
        lang = expect["reply_lang"]
        if not replies:
            problems.append(f"reply_lang: expected replies in {lang}, there were none")
        elif lang == "en":
            chinese = [t for r in replies for t in [r["text"], *r["buttons"]] if _CJK.search(_without(t, names))]
            if chinese:
                problems.append(f"reply_lang: expected English only, found Chinese in {chinese}")
        else:
            english = [r["text"] for r in replies if not _CJK.search(r["text"])]
            if english:
                problems.append(f"reply_lang: expected Chinese, these replies have none: {english}")
    return problems


def _without(text: str, names: list[str]) -> str:
    for name in names:
        text = text.replace(name, "")
    return text


def _matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, list):
        return any(_matches(e, actual) for e in expected)
    if isinstance(expected, str) and expected.startswith("!"):
        return not _matches(expected[1:], actual)
    return _same(expected, actual)


def _same(expected: Any, actual: Any) -> bool:
    if expected is None:
        return actual is None
    if isinstance(expected, list):
        return isinstance(actual, list) and [str(x) for x in expected] == [str(x) for x in actual]
    return actual is not None and str(expected) == str(actual)


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "one of " + ", ".join(repr(v) for v in value)
    if isinstance(value, str) and value.startswith("!"):
        return f"anything but {value[1:]!r}"
    return repr(value)
