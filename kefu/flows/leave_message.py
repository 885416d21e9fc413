"""留言: when no person can take the chat, take the customer's contact and question for agents to follow up.

Also offered to a customer waiting in the queue (kefu/live/queue.py): they keep their place until the message is
left; a person may still take the chat meanwhile."""

from __future__ import annotations

from kefu.conversations.actions import do_set_status
from kefu.conversations.models import LeftMessage
from kefu.flows.base import Flow, FlowContext


class LeaveMessage(Flow):
    id = "leave_message"
    internal = True  # started by the handoff policy, never by intent
    name = {"zh": "留言", "en": "Leave a message"}
    examples: dict[str, list[str]] = {}
    texts = {
        "zh": {
            "ask_contact": "请留下您的联系方式（手机号、邮箱或微信号），客服上线后会尽快联系您。",
            "ask_question": "请描述一下您的问题：",
            "left": "已收到您的留言，客服会在工作时间（{service_hours}）尽快联系您。",
        },
        "en": {
            "ask_contact": "Please leave a phone number, e-mail or messaging id; an agent will get back to you.",
            "ask_question": "What is your question?",
            "left": "Thanks, your message is saved. An agent will contact you during service hours "
                    "({service_hours}).",
        },
    }

    def run(self, ctx: FlowContext) -> None:
        contact = ctx.require("contact", "contact", "ask_contact")
        question = ctx.require("question", "free_text", "ask_question")
        db, conv = ctx.services["db"], ctx.services["conversation"]
        db.add(LeftMessage(tenant_id=conv.tenant_id, conversation_id=conv.id, customer_id=conv.customer_id,
                           contact=contact, text=question, context=conv.handoff or {}))
        if conv.status == "queued":  # they were waiting for a person and left a message instead: the wait is over
            do_set_status(db, conv=conv, status="bot", reason="left a message")
        ctx.stop("done", "left")
