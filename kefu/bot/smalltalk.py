"""Recognise small talk (greetings, thanks, goodbye, "are you a robot?") so it never needs a knowledge point."""

from __future__ import annotations

import re

from kefu.nlu.normalize import normalize

# Each pattern must cover the whole normalised message: "你好，多久发货" is a question, not a greeting.
_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("are_you_bot", re.compile(
        r"^(你|您)?(是|是不是|到底是)?(机器人|真人|人工|ai|人工智能|自动回复)(吗|么|嘛|啊|呀)?$"
        r"|^(你|您)是(真人|机器人|人)(还是(机器人|真人|人))?(吗|么|嘛|啊)?$"
        r"|^(are|r) (you|u) (a )?(bot|robot|human|real person|person|real|ai)$"
        r"|^is this (a )?(bot|robot|human|real person)$|^am i (talking|chatting) (to|with) (a )?(bot|robot|human)$")),
    ("greeting", re.compile(
        r"^(你好|您好|在吗|在不在|有人吗|哈喽|嗨|hi|hello|hey|hallo|早上好|下午好|晚上好"
        r"|good (morning|afternoon|evening))( ?(在吗|呀|啊|there))*$")),
    ("thanks", re.compile(
        r"^(谢谢|多谢|谢了|感谢|thanks|thank you|thx|ty)( ?(你|您|啦|了|a lot|so much|very much))*$")),
    ("goodbye", re.compile(r"^(再见|拜拜|bye|goodbye|see you|没事了|没有了|好的 再见)( ?(啦|了|bye))*$")),
]

REPLIES = {
    "zh": {
        "are_you_bot": "我是{bot}，一个智能客服机器人，不是真人。需要人工客服的话，点“转人工”或直接说“转人工”就行。",
        "greeting": "您好！我是客服机器人{bot}，请问有什么可以帮您？",
        "thanks": "不客气！还有其他问题随时问我。",
        "goodbye": "感谢您的咨询，祝您购物愉快，再见！",
    },
    "en": {
        "are_you_bot": "I'm {bot}, a customer-service bot, not a person. Press \"Talk to a person\" or just ask "
                       "for one whenever you like.",
        "greeting": "Hello! I'm {bot}, the shop's bot. How can I help?",
        "thanks": "You're welcome! Ask me anything else any time.",
        "goodbye": "Thanks for getting in touch. Goodbye!",
    },
}


def small_talk(text: str) -> str | None:
    """Return the small-talk kind of a message (greeting, thanks, goodbye, are_you_bot), or None."""
    norm = normalize(text)
    if not norm or len(norm) > 40:
        return None
    for kind, pattern in _PATTERNS:
        if pattern.match(norm):
            return kind
    return None


def reply(kind: str, locale: str, bot_name: str) -> str:
    return REPLIES.get(locale, REPLIES["zh"])[kind].format(bot=bot_name)
