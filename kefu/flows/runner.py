"""Start, continue, pause and resume flows; a conversation's flow state lives in its `bot_state` JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kefu.commerce.interface import Commerce
from kefu.flows import parsers
from kefu.flows.base import MAX_RETRIES, Ask, FlowContext, Reply, Stop
from kefu.flows.registry import get_flow, overrides


@dataclass
class Turn:
    """What one customer message did to a flow."""

    status: str  # asking | unparsed | done | cancelled | failed | paused
    replies: list[Reply] = field(default_factory=list)
    reason: str = ""  # why it failed: not_understood | verification_failed | commerce_unavailable
    flow_id: str = ""
    asking: str | None = None  # the slot the flow waits for, while it runs
    slots: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """The flow part of the bot's trace."""
        return {"id": self.flow_id, "status": self.status, "asking": self.asking, "slots": dict(self.slots)}


@dataclass
class Env:
    """Where flows run: the customer, the shop's order system, facts and wording, stores for internal flows."""

    locale: str
    commerce: Commerce
    customer_ref: str | None
    facts: dict[str, str]
    flow_settings: dict[str, Any]
    services: dict[str, Any] = field(default_factory=dict)


def active(state: dict[str, Any]) -> dict[str, Any] | None:
    return state.get("flow")


def start(state: dict[str, Any], env: Env, flow_id: str, text: str = "",
          given: dict[str, Any] | None = None) -> Turn:
    """Begin flow_id with what the opening message already gave (order number, phone, a reason …)."""
    slots: dict[str, Any] = {}
    if text and (no := parsers.find_order_no(text)):
        slots["order_no"] = no
    for key, value in (given or {}).items():
        if value:
            slots[key] = value
    state["flow"] = {"id": flow_id, "slots": slots, "asking": None, "retries": 0, "paused": False,
                     "locale": env.locale,
                     "opening": text[:200]}
    return _run(state, env, reply=None)


def answer(state: dict[str, Any], env: Env, text: str) -> Turn:
    """Give the running flow the customer's reply."""
    flow = state["flow"]
    flow["paused"] = False
    # At a confirmation "不用了" is a plain no (nothing changed), handled by the flow itself.
    if parsers.is_cancel(text) and flow.get("asking") != "confirmed":
        return stop(state, env, "cancelled")
    no = parsers.find_order_no(text)
    if no and no != flow["slots"].get("order_no") and flow.get("asking") not in ("order_no", "phone", "contact") \
            and not get_flow(flow["id"]).internal and len(text.strip()) <= len(no) + 8:
        # A short reply that is another order number ("查 A1002 吧"): the customer means that order now. Longer
        # text that happens to hold a number (an address, a left message) is an answer, not a switch.
        flow["slots"] = {"order_no": no}
        if phone := parsers.find_phone(text):
            flow["slots"]["phone"] = phone
        flow["asking"] = None
        return _run(state, env, reply=None)
    return _run(state, env, reply=text)


def reask(state: dict[str, Any], env: Env) -> Turn:
    """Ask the pending question again after a reply that did not fit; give up after a few tries."""
    flow = state["flow"]
    flow["retries"] = flow.get("retries", 0) + 1
    if flow["retries"] >= MAX_RETRIES:
        ctx = _context(state, env, None)
        state.pop("flow", None)
        return Turn("failed", [Reply(ctx.text("too_many_retries"))], reason="not_understood", flow_id=flow["id"],
                    slots=flow.get("slots", {}))
    turn = _run(state, env, reply=None)
    ctx = _context(state, env, None)
    turn.replies.insert(0, Reply(ctx.text("retry_hint")))
    return turn


def resume_with(state: dict[str, Any], env: Env, order_no: str, phone: str | None = None) -> Turn:
    """Resume a parked flow about the order the customer just named."""
    flow = state["flow"]
    flow["paused"] = False
    if order_no != flow["slots"].get("order_no"):
        flow["slots"] = {k: v for k, v in flow["slots"].items() if k not in ("order_no", "phone")}
        flow["slots"]["order_no"] = order_no
    if phone:
        flow["slots"]["phone"] = phone
    flow["asking"] = None
    return _run(state, env, reply=None)


def pause(state: dict[str, Any], env: Env) -> Reply:
    """Park the flow while the customer asks something else; return the offer to resume it."""
    flow = state["flow"]
    flow["paused"] = True
    ctx = _context(state, env, None)
    name = ctx.flow.name.get(env.locale) or ctx.flow.name.get("zh", "")
    buttons = [{"label": ctx.text("resume_button"), "value": ctx.text("resume_value")},
               {"label": ctx.text("drop_button"), "value": ctx.text("drop_value")}]
    return Reply(ctx.text("resume_offer", flow=name), {"type": "buttons", "buttons": buttons})


def resume(state: dict[str, Any], env: Env) -> Turn:
    state["flow"]["paused"] = False
    return _run(state, env, reply=None)


def stop(state: dict[str, Any], env: Env, status: str = "cancelled") -> Turn:
    ctx = _context(state, env, None)
    flow = state.pop("flow", None) or {}
    return Turn(status, [Reply(ctx.text("cancelled"))], flow_id=flow.get("id", ""), slots=flow.get("slots", {}))


def _context(state: dict[str, Any], env: Env, reply: str | None) -> FlowContext:
    flow_state = state["flow"]
    flow = get_flow(flow_state["id"])
    return FlowContext(
        flow=flow, locale=env.locale, slots=flow_state["slots"], memory=state.setdefault("memory", {}),
        commerce=env.commerce, customer_ref=env.customer_ref, facts=env.facts,
        overrides=overrides(env.flow_settings, flow.id, env.locale), asking=flow_state.get("asking"),
        reply_text=reply, retries=flow_state.get("retries", 0), services=env.services,
        opening=flow_state.get("opening", ""))


def _run(state: dict[str, Any], env: Env, reply: str | None) -> Turn:
    ctx = _context(state, env, reply)
    flow_state = state["flow"]
    try:
        ctx.flow.run(ctx)
        turn = Turn("done", ctx.said)
    except Ask as ask:
        flow_state.update(asking=ask.slot, retries=ctx.retries, slots=ctx.slots)
        return Turn("unparsed" if ask.unparsed else "asking", ask.replies, flow_id=ctx.flow.id, asking=ask.slot,
                    slots=ctx.slots)
    except Stop as s:
        turn = Turn(s.status, s.replies, reason=s.reason)
    turn.flow_id, turn.slots = ctx.flow.id, ctx.slots
    state.pop("flow", None)
    state.setdefault("memory", {})["last_flow"] = ctx.flow.id
    return turn
