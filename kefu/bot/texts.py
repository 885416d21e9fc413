"""What the bot says, in Chinese and English; the bot disclosure is here and cannot be configured away."""

from __future__ import annotations

import math
import re

TEXTS = {
    "zh": {
        "disclosure": "您好，我是{shop}的智能客服机器人「{bot}」（不是真人）。",
        "clarify": "您是不是想问：",
        "fallback": "抱歉，我没能理解您的问题。您可以换个说法，或点击“转人工”联系人工客服。",
        "handoff": "好的，正在为您转接人工客服，请稍候。客服接入后会在这里回复您。",
        "handoff_angry": "非常抱歉给您带来了不好的体验，我马上为您转接人工客服处理。",
        "handoff_not_understood": "抱歉，我没能帮上忙，为您转接人工客服。",
        "queue_position": "您前面还有 {ahead} 位，当前排在第 {position} 位，{wait}请稍候。",
        "requeued": "客服暂时断开了，已为您重新排队，您现在排在第 {position} 位，{wait}请稍候。",
        "wait": "预计等待{eta}，",
        "wait_minutes": "约 {n} 分钟",
        "wait_soon": "不到 1 分钟",
        "wait_too_long": "抱歉让您久等了，客服都在忙。您可以继续等待，也可以留言，客服会尽快联系您。",
        "agents_gone": "抱歉，客服暂时都不在线了。您可以留言，客服上线后会尽快联系您；也可以继续等待。",
        "leave_message_button": "留言",
        "no_agent": "现在暂时没有客服在线，您可以留言，客服上线后会尽快联系您。",
        "closed_hours": "现在不在人工客服服务时间（{service_hours}），您可以留言，我们上班后会尽快联系您。",
        "already_queued": "您已在等待人工客服，请稍候。",
        "bot_error": "抱歉，系统出了点问题，没能处理您刚才的消息。",
        "stale_button": "这个选项已经处理过了。还有什么可以帮您？",
        "sorry_nobody": "非常抱歉给您带来不好的体验。现在暂时没有人工客服在线，我先尽力帮您处理；也可以点“留言”，"
                        "客服上线后第一时间联系您。",
        "nobody_keep_helping": "现在暂时没有人工客服在线，我先尽力帮您处理；也可以点“留言”，客服上线后会联系您。",
        "waiting_note": "人工客服接入前，我会继续为您解答问题（您当前排在第 {position} 位）。",
        "waiting_fallback": "这个问题我记下了，人工客服接入后会为您解答，请稍候。",
        "test_handoff": "【测试】这里会转人工（原因：{reason}）。测试会话不会进入客服排队。",
        "handoff_button": "转人工",
        "attachment_image": "已收到您的图片，需要人工客服帮您查看吗？",
        "attachment_file": "已收到您的文件，需要人工客服帮您查看吗？",
    },
    "en": {
        "disclosure": "Hi, I'm {bot}, the customer-service bot of {shop} (not a person).",
        "clarify": "Did you mean:",
        "fallback": "Sorry, I didn't understand that. Try rephrasing, or press \"Talk to a person\".",
        "handoff": "OK, connecting you to a person. Please wait; they will reply here.",
        "handoff_angry": "I'm very sorry about this. I'm connecting you to a person right away.",
        "handoff_not_understood": "Sorry I couldn't help. Let me connect you to a person.",
        "queue_position": "You are number {position} in the queue ({ahead} ahead of you{wait}). Please hold on.",
        "requeued": "Your agent got disconnected, so you are back in the queue: number {position}{wait}. "
                    "Please hold on.",
        "wait": ", about {eta} to wait",
        "wait_minutes": "{n} min",
        "wait_soon": "under a minute",
        "wait_too_long": "Sorry for the wait: all our agents are busy. You can keep waiting, or leave a message and "
                         "we'll get back to you.",
        "agents_gone": "Sorry, no agent is online any more. Leave a message and we'll get back to you soon, or keep "
                       "waiting.",
        "leave_message_button": "Leave a message",
        "no_agent": "No agent is online right now. Leave a message and we'll get back to you soon.",
        "closed_hours": "Our agents work {service_hours}. Leave a message and we'll get back to you.",
        "already_queued": "You are already waiting for a person; please hold on.",
        "bot_error": "Sorry, something went wrong on our side and your last message was not handled.",
        "stale_button": "That option has already been dealt with. Anything else I can help with?",
        "sorry_nobody": "I'm very sorry about this. No agent is online right now, so I'll do my best to help; you "
                        "can also press \"Leave a message\" and an agent will contact you first thing.",
        "nobody_keep_helping": "No agent is online right now, so I'll do my best to help; you can also press "
                               "\"Leave a message\" and an agent will get back to you.",
        "waiting_note": "Until a person joins, I'll keep answering your questions (you are number {position} in "
                        "the queue).",
        "waiting_fallback": "I've noted that; the person you're waiting for will answer it. Please hold on.",
        "test_handoff": "[Test] A person would take over here (reason: {reason}). Test chats never join the queue.",
        "handoff_button": "Talk to a person",
        "attachment_image": "Got your picture. Would you like a person to take a look at it?",
        "attachment_file": "Got your file. Would you like a person to take a look at it?",
    },
}

# Why the bot handed over, in words (the try-the-bot panel's note; agents see the reason in the workspace).
REASONS = {
    "zh": {"customer_asked": "顾客要求人工", "customer_button": "顾客点了转人工", "not_understood": "连续没听懂",
           "angry": "顾客生气", "anxious": "顾客着急", "flow_failed": "自助流程没能完成", "vip": "VIP 顾客",
           "bot_error": "机器人处理出错"},
    "en": {"customer_asked": "the customer asked for a person", "customer_button": "the customer pressed the button",
           "not_understood": "not understood twice", "angry": "the customer is angry",
           "anxious": "the customer is anxious", "flow_failed": "a self-service flow could not finish",
           "vip": "a VIP customer", "bot_error": "the bot failed to answer"},
}


def reason_text(locale: str, reason: str) -> str:
    return REASONS.get(locale, REASONS["zh"]).get(reason, reason)


_CJK = re.compile(r"[\u3400-\u9fff]")
# A word of three letters or more: an order number ("A1002") or "ok" says nothing about the language.
_LATIN = re.compile(r"\b[A-Za-z]{3,}\b")

# Minimal "I want a person" phrases; the handoff policy issue replaces this with intent detection.
_HANDOFF_RE = re.compile(
    r"(转人工|人工客服|找人工|要人工|叫人工|换人工|接人工|转真人|找真人|要真人|真人客服|人工服务|^人工$|^真人$"
    r"|(talk|speak|chat) (to|with) (a |an )?(real )?(person|human|agent|someone)|human agent|real person|live agent"
    r"|^agent$|^human$|^(a )?person please$|customer service rep)",
    re.IGNORECASE,
)


def t(locale: str, key: str, **kw: str) -> str:
    return TEXTS.get(locale, TEXTS["zh"])[key].format(**kw)


def queue_text(locale: str, key: str, queue: dict) -> str:
    """A queue notice (queue_position, requeued) with the customer's place and, when known, the wait."""
    eta = queue.get("eta_seconds")
    wait = ""
    if eta is not None:
        span = t(locale, "wait_soon") if eta < 60 else t(locale, "wait_minutes", n=str(math.ceil(eta / 60)))
        wait = t(locale, "wait", eta=span)
    return t(locale, key, position=str(queue["position"]), ahead=str(queue["ahead"]), wait=wait)


def detect_locale(text: str, default: str) -> str:
    """Guess zh or en from the script of the text; fall back to the conversation's language."""
    if _CJK.search(text):
        return "zh"
    if _LATIN.search(text):
        return "en"
    return default


def wants_person(text: str) -> bool:
    """True when the customer asks for a person ("转人工", "real person please"), not what the bot is."""
    from kefu.bot.smalltalk import asks_identity

    return bool(_HANDOFF_RE.search(text.strip())) and not asks_identity(text)
