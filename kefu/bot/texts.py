"""What the bot says, in Chinese and English; the bot disclosure is here and cannot be configured away."""

from __future__ import annotations

import re

TEXTS = {
    "zh": {
        "disclosure": "您好，我是{shop}的智能客服机器人「{bot}」（不是真人）。",
        "clarify": "您是不是想问：",
        "fallback": "抱歉，我没能理解您的问题。您可以换个说法，或点击“转人工”联系人工客服。",
        "handoff": "好的，正在为您转接人工客服，请稍候。客服接入后会在这里回复您。",
        "already_queued": "您已在等待人工客服，请稍候。",
        "handoff_button": "转人工",
    },
    "en": {
        "disclosure": "Hi, I'm {bot}, the customer-service bot of {shop} (not a person).",
        "clarify": "Did you mean:",
        "fallback": "Sorry, I didn't understand that. Try rephrasing, or press \"Talk to a person\".",
        "handoff": "OK, connecting you to a person. Please wait; they will reply here.",
        "already_queued": "You are already waiting for a person; please hold on.",
        "handoff_button": "Talk to a person",
    },
}

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")

# Minimal "I want a person" phrases; the handoff policy issue replaces this with intent detection.
_HANDOFF_RE = re.compile(
    r"(转人工|人工客服|找人工|真人|人工服务|^人工$|talk to (a )?(person|human|agent)|human agent|real person"
    r"|speak to (a )?(person|human|agent)|^agent$|^human$)",
    re.IGNORECASE,
)


def t(locale: str, key: str, **kw: str) -> str:
    return TEXTS.get(locale, TEXTS["zh"])[key].format(**kw)


def detect_locale(text: str, default: str) -> str:
    """Guess zh or en from the script of the text; fall back to the conversation's language."""
    if _CJK.search(text):
        return "zh"
    if _LATIN.search(text):
        return "en"
    return default


def wants_person(text: str) -> bool:
    return bool(_HANDOFF_RE.search(text.strip()))
