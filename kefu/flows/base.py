"""Run a self-service flow one customer message at a time, as a form: ask for what is missing, then act.

A flow's `run(ctx)` is written top to bottom as if every answer were at hand: `ctx.require(...)` returns a
slot's value or stops the run by asking for it (`Ask`). Each customer reply re-runs the flow from the top
with the slots gathered so far, so a flow is one short function and its state is plain JSON.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from kefu.commerce.interface import Commerce, CommerceError, CommerceUnavailable, OrderData
from kefu.flows import parsers
from kefu.flows.parsers import SlotError
from kefu.flows.texts import COMMON_TEXTS
from kefu.tenants.facts import is_missing

log = logging.getLogger(__name__)

MAX_RETRIES = 3  # unusable replies to one question before the flow gives up and a person takes over
MAX_VERIFY_ATTEMPTS = 3


@dataclass
class Reply:
    text: str
    payload: dict[str, Any] | None = None


class Ask(Exception):
    """Stop the run: the flow needs `slot` from the customer."""

    def __init__(self, slot: str, replies: list[Reply], *, unparsed: bool = False) -> None:
        super().__init__(slot)
        self.slot = slot
        self.replies = replies
        self.unparsed = unparsed  # the customer's reply did not fit: maybe they changed the subject


class Stop(Exception):
    """End the run: `status` is done | cancelled | failed; `reason` says why a flow failed."""

    def __init__(self, status: str, replies: list[Reply], reason: str = "") -> None:
        super().__init__(status)
        self.status = status
        self.replies = replies
        self.reason = reason


class _SafeDict(dict):
    """Template fields: a fact the shop has not given reads as "a person will tell you", never as a stand-in."""

    def __init__(self, values: dict[str, Any], missing: set[str], by_person: str) -> None:
        super().__init__(values)
        self.missing, self.by_person = missing, by_person

    def __missing__(self, key: str) -> str:
        if key in self.missing:
            log.warning("a flow text quotes the fact %r, which the shop has not given", key)
            return self.by_person
        return "{" + key + "}"


@dataclass
class FlowContext:
    """What a running flow may read and change: its slots, the customer, the shop's order system."""

    flow: Flow
    locale: str
    slots: dict[str, Any]
    memory: dict[str, Any]  # outlives the flow: the order being discussed, orders verified in this chat
    commerce: Commerce
    customer_ref: str | None  # the shop's id of a signed-in customer; None for anonymous visitors
    facts: dict[str, str]
    overrides: dict[str, str] = field(default_factory=dict)  # the shop's wording for this flow and locale
    asking: str | None = None
    reply_text: str | None = None  # the customer's answer to `asking`, not yet used
    retries: int = 0
    opening: str = ""  # the message that started the flow: it may already answer a question ("质量问题要退")
    said: list[Reply] = field(default_factory=list)
    services: dict[str, Any] = field(default_factory=dict)  # db session and conversation, for flows that store

    # --- wording ----------------------------------------------------------------------------------

    def text(self, key: str, **values: Any) -> str:
        """The shop's wording for key if it has one, else the flow's, else the common texts; filled in."""
        own = self.flow.texts.get(self.locale) or self.flow.texts.get("zh", {})
        common = COMMON_TEXTS.get(self.locale, COMMON_TEXTS["zh"])
        template = self.overrides.get(key) or own.get(key) or common.get(key) or key
        missing = {k for k, v in self.facts.items() if is_missing(v)}
        fields = _SafeDict({k: v for k, v in self.facts.items() if k not in missing}, missing,
                           common.get("fact_by_person", ""))
        fields.update({k: v for k, v in values.items() if v is not None})
        return string.Formatter().vformat(template, (), fields)

    def fact(self, name: str) -> str | None:
        """The shop's value of a fact, or None when it has not given one (a flow then says a person will)."""
        value = self.facts.get(name)
        return None if is_missing(value) else value

    def say(self, key: str, payload: dict[str, Any] | None = None, **values: Any) -> None:
        self.said.append(Reply(self.text(key, **values), payload))

    # --- slots ------------------------------------------------------------------------------------

    def require(self, slot: str, parser: Callable[[str, Any], Any] | str, prompt: str, *,
                buttons: list[dict[str, str]] | None = None, from_opening: bool = False, **values: Any) -> Any:
        """Return the slot's value, reading it from the customer's reply if this is the answer; else ask.

        from_opening: the message that started the flow may hold the value already ("我要换货" names the kind);
        only for parsers that find a value inside a sentence, never for free text.
        """
        if slot in self.slots:
            return self.slots[slot]
        parse = parsers.PARSERS[parser] if isinstance(parser, str) else parser
        if from_opening and self.opening and self.asking != slot:
            try:
                value = parse(self.opening, self)
            except SlotError:
                value = None
            if value is not None:
                self.slots[slot] = value
                return value
        unparsed = False
        if self.asking == slot and self.reply_text is not None:
            answer, self.reply_text = self.reply_text, None
            try:
                value = parse(answer, self)
            except SlotError as e:
                self.say(f"invalid_{e.code}", detail=e.detail)
                value, self.retries = None, self.retries + 1
            else:
                unparsed = value is None
            if value is not None:
                self.slots[slot] = value
                self.retries = 0
                return value
            if self.retries >= MAX_RETRIES:
                raise Stop("failed", self.said + [Reply(self.text("too_many_retries"))], reason="not_understood")
        payload = {"type": "buttons", "buttons": buttons} if buttons else None
        raise Ask(slot, self.said + [Reply(self.text(prompt, **values), payload)], unparsed=unparsed)

    def confirm(self, prompt: str, **values: Any) -> None:
        """Ask yes/no before a change; a no ends the flow with nothing changed."""
        buttons = [{"label": self.text("yes_button"), "value": self.text("yes_value")},
                   {"label": self.text("no_button"), "value": self.text("no_value")}]
        if not self.require("confirmed", "yes_no", prompt, buttons=buttons, **values):
            self.stop("cancelled", "nothing_changed")

    def forget(self, *slots: str) -> None:
        for slot in slots:
            self.slots.pop(slot, None)

    def stop(self, outcome: str, key: str, *, reason: str = "", payload: dict[str, Any] | None = None,
             **values: Any) -> None:
        """Say key and end the run as outcome (done | cancelled | failed)."""
        self.say(key, payload, **values)
        raise Stop(outcome, self.said, reason=reason)

    # --- orders -----------------------------------------------------------------------------------

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call the order system; if it is down, apologise and end the flow as failed (a person takes over)."""
        try:
            return fn(*args, **kwargs)
        except CommerceUnavailable:
            self.stop("failed", "system_down", reason="commerce_unavailable")

    def order(self) -> OrderData:
        """Return the order the customer means, asking for and verifying it as needed.

        A signed-in customer picks from their own orders (the ones this flow can act on first). Anyone else
        proves an order is theirs with its number and the phone it was placed with (or the address's phone now);
        a wrong phone and an unknown order get the same answer, and only the phone is asked again, while a new
        order number typed instead is taken as the order they mean.
        """
        no = self.slots.get("order_no") or self.memory.get("order_no")
        if self.asking == "phone" and self.reply_text:
            other = parsers.find_order_no(self.reply_text)
            # Digits starting with 1 where the phone was asked are a mistyped phone, not another order.
            if other and other != no and not (other.isdigit() and other.startswith("1") and 7 <= len(other) <= 13):
                no = self.slots["order_no"] = other
                self.slots.pop("phone", None)
                if found := parsers.find_phone(self.reply_text):
                    self.slots["phone"] = found
                self.reply_text = None
        if not no and self.customer_ref:
            no = self._pick_own_order()
        if not no:
            no = self.require("order_no", "order_no", "ask_order_no")
        order = self.call(self.commerce.get_order, no)
        if order is not None and self.customer_ref and order.customer_ref == self.customer_ref:
            return self._remember(order)
        if order is not None and order.order_no in self.memory.get("verified", []):
            return self._remember(order)
        phone = self.require("phone", "phone", "ask_phone", order_no=no)
        if order is not None and phone in {_digits(order.buyer_phone)[-11:], _digits(order.address.phone)[-11:]}:
            self.memory.setdefault("verified", []).append(order.order_no)
            return self._remember(order)
        attempts = self.memory.get("verify_failures", 0) + 1
        self.memory["verify_failures"] = attempts
        self.forget("phone")
        if attempts >= MAX_VERIFY_ATTEMPTS:
            self.forget("order_no")
            self.memory.pop("order_no", None)
            self.stop("failed", "verify_failed_final", reason="verification_failed")
        self.say("verify_failed")
        self.asking, self.reply_text = None, None
        return self.order()

    def _pick_own_order(self) -> str | None:
        """The signed-in customer's order this flow is about: the only one it can act on, or their pick."""
        mine = self.call(self.commerce.orders_for_customer, self.customer_ref, limit=10)
        if not mine:
            return None
        fitting = [o for o in mine if o.status in self.flow.order_states] if self.flow.order_states else mine
        if len(mine) == 1:
            return mine[0].order_no
        if len(fitting) == 1:
            self.say("picked_order", order=self.order_label(fitting[0]))
            return fitting[0].order_no
        shown = (fitting or mine)[:5]
        buttons = [{"label": self.order_label(o), "value": o.order_no} for o in shown]
        return self.require("order_no", "order_no", "ask_which_order", buttons=buttons)

    def _remember(self, order: OrderData) -> OrderData:
        self.slots["order_no"] = order.order_no
        self.memory["order_no"] = order.order_no
        return order

    def order_label(self, order: OrderData) -> str:
        first = order.items[0].name if order.items else ""
        more = self.text("and_more", n=len(order.items)) if len(order.items) > 1 else ""
        return f"{order.order_no} {first}{more} · {self.text('status_' + order.status)}"

    def when(self, moment: dt.datetime | None) -> str:
        """A date the customer reads in the shop's time (UTC+8 for Chinese shops)."""
        if moment is None:
            return self.text("unknown_time")
        local = moment.astimezone(dt.timezone(dt.timedelta(hours=8)))
        return local.strftime("%m月%d日 %H:%M" if self.locale == "zh" else "%b %d, %H:%M")

    def refuse(self, error: CommerceError, **values: Any) -> None:
        """Explain a refusal from the order system and end the flow as done (it is an answer, not a failure)."""
        key = f"refused_{error.code}"
        known = key in COMMON_TEXTS.get(self.locale, COMMON_TEXTS["zh"]) or key in self.flow.texts.get(
            self.locale, {})
        if known:
            self.stop("done", key, detail=error.message, **values)
        # The order system's own words, only when they are in the customer's language; a person can explain.
        same_language = bool(re.search(r"[\u3400-\u9fff]", error.message)) == (self.locale == "zh")
        buttons = [{"label": self.text("handoff_button_label"), "action": "handoff"}]
        self.stop("done", "refused_other" if same_language else "refused_unexplained", detail=error.message,
                  payload={"type": "buttons", "buttons": buttons}, **values)


def _digits(text: str) -> str:
    return "".join(ch for ch in text or "" if ch.isdigit())


class Flow:
    """A self-service task: subclasses set the class attributes and write `run`."""

    id: ClassVar[str]
    internal: ClassVar[bool] = False  # started by kefu itself, not by what the customer says
    name: ClassVar[dict[str, str]]  # shown to shops and in "continue ...?" offers
    # Ways customers ask for it; the bot's intent matcher learns from these.
    examples: ClassVar[dict[str, list[str]]]
    texts: ClassVar[dict[str, dict[str, str]]] = {}
    # Order states the flow can act on: a signed-in customer with several orders is offered these first, and
    # with exactly one of them the flow takes it (empty: every order fits).
    order_states: ClassVar[tuple[str, ...]] = ()

    def run(self, ctx: FlowContext) -> None:
        """Do the task with ctx; end with ctx.stop("done", ...) once the customer has their answer."""
        raise NotImplementedError
