"""Recognise small talk (greetings, thanks, goodbye, "are you a robot?") so it never needs a knowledge point."""

from __future__ import annotations

import re

from kefu.nlu.normalize import normalize

# Small-talk words by kind. A message is small talk only when it is made of nothing else ("好的谢谢", "ok thanks
# bye"); "你好，多久发货" is a question. The kind is the strongest word in it: goodbye > thanks > greeting > ack.
_WORDS = {
    "goodbye": ["再见", "拜拜", "拜", "bye", "goodbye", "see you", "see ya", "没事了", "没有了", "没别的了", "就这样",
                "that's all", "thats all", "nothing else"],
    "thanks": ["谢谢", "多谢", "谢了", "谢啦", "感谢", "3q", "辛苦了", "辛苦啦", "thanks", "thank you", "thx", "ty",
               "cheers", "appreciate it"],
    "greeting": ["你好", "您好", "在吗", "在么", "在嘛", "在不在", "有人吗", "有人在吗", "人呢", "哈喽", "嗨", "早上好",
                 "下午好", "晚上好", "早", "亲亲", "亲", "hi", "hello", "hey", "hallo", "good morning",
                 "good afternoon", "good evening", "anyone there", "there"],
    "ack": ["好的", "好滴", "好嘞", "好吧", "好", "嗯嗯", "嗯", "哦哦", "哦", "噢", "行吧", "行", "可以", "收到",
            "知道了", "明白了", "明白", "了解了", "了解", "懂了", "ok", "okay", "okk", "k", "got it", "i see",
            "alright", "sure", "cool", "fine", "noted", "great", "perfect", "understood"],
}
_FILLERS = ["啊", "呀", "啦", "了", "哈哈", "哈", "的", "呢", "吧", "你", "您", "亲", "a lot", "so much", "very much",
            "you", "again"]
_VOCAB = sorted({w for words in _WORDS.values() for w in words} | set(_FILLERS), key=len, reverse=True)
_SMALL_TALK = re.compile(r"(?:" + "|".join(re.escape(w) for w in _VOCAB) + r"|\s)+")
_KIND_ORDER = ("goodbye", "thanks", "greeting", "ack")


def _kind_of_words(norm: str) -> str | None:
    if not _SMALL_TALK.fullmatch(norm):
        return None
    found = set()
    for kind in _KIND_ORDER:
        for word in _WORDS[kind]:
            pattern = re.escape(word) if re.search(r"[\u3400-\u9fff]", word) else r"\b" + re.escape(word) + r"\b"
            if re.search(pattern, norm):
                found.add(kind)
                break
    # "好" inside "你好" is a greeting, not an answer: the longest word decides where words overlap.
    if "ack" in found and "greeting" in found and not re.search(r"(?<!你)(?<!您)好|嗯|哦|ok|收到|行", norm):
        found.discard("ack")
    return next((k for k in _KIND_ORDER if k in found), None)


REPLIES = {
    "zh": {
        "are_you_bot": "我是{bot}，一个智能客服机器人，不是真人。需要人工客服的话，点“转人工”或直接说“转人工”就行。",
        "greeting": "您好！我是客服机器人{bot}，请问有什么可以帮您？",
        "ack": "好的～还有其他问题随时找我。",
        "thanks": "不客气！还有其他问题随时问我。",
        "goodbye": "感谢您的咨询，祝您购物愉快，再见！",
    },
    "en": {
        "are_you_bot": "I'm {bot}, a customer-service bot, not a person. Press \"Talk to a person\" or just ask "
                       "for one whenever you like.",
        "greeting": "Hello! I'm {bot}, the shop's bot. How can I help?",
        "ack": "Great! Anything else, just ask.",
        "thanks": "You're welcome! Ask me anything else any time.",
        "goodbye": "Thanks for getting in touch. Goodbye!",
    },
}


# "Are you a person / a bot?" in any wording: who is answering, asked as a question. The answer is always the
# truth, never a handoff: "我要真人" asks for a person, "你是真人吗" asks what the bot is.
_WHAT_ZH = r"(机器人|机器仁|鸡器人|机械人|机器|真人|真的人|活人|人工智能|人工|自动回复|程序|ai|bot|人)"
_IDENTITY_ZH = re.compile(
    r"^(请问|问一下|问下|那|所以|哈喽|你好|喂)?\s*(你|您|对面|客服|这边|这个|这|现在|跟我聊天的|回复我的|在回复的)?\s*"
    r"(到底|究竟|真的)?\s*(是不是|是|算)?\s*(一个|个)?\s*" + _WHAT_ZH +
    r"(\s*还是\s*(一个|个)?\s*" + _WHAT_ZH + r")?\s*(在回复|在回答|在聊)?\s*(吗|么|嘛|吧|啊|呀|呢|不|没)*$")
_IDENTITY_EN = re.compile(
    r"^(hi |hello |hey |so |wait |excuse me |sorry )?(are|r) (you|u) (a |an |really a |actually a |even a )?"
    r"(real )?(bot|robot|human|person|real person|machine|ai|chatbot|live agent|computer|real|automated)"
    r"( or (a |an )?(real )?(bot|robot|human|person|machine|ai))?( too)?$"
    r"|^(is|am) (this|i) (talking|chatting|speaking)? ?(to|with)? ?(a |an )?(real )?"
    r"(bot|robot|human|person|machine|ai|chatbot|automated( reply| message)?|real person|live agent)"
    r"( or (a |an )?(real )?(bot|robot|human|person|machine|ai))?$"
    r"|^(is this|is that|are these) (an? )?(automated|auto|bot|ai)( reply| replies| response| message)?$"
    r"|^(you|u) (a |an )?(bot|robot|human|real person|machine|ai)$"
    r"|^(is there|am i talking to) (a )?(real )?(human|person) (there|here)?$")


def asks_identity(text: str) -> bool:
    """True when the customer asks whether they talk to a person or a bot (zh, traditional, en, typos)."""
    norm = normalize(text)
    if not norm or len(norm) > 30:
        return False
    if _IDENTITY_EN.match(norm):
        return True
    compact = norm.replace(" ", "")
    # A bare word asks for a person ("人工"), and "人呢" asks where everyone is; neither asks what the bot is.
    if compact in ("人", "人工", "真人", "人工客服") or re.fullmatch(r"人(呢|吗|么|啊|呀)+", compact):
        return False
    return bool(_IDENTITY_ZH.match(compact))


def small_talk(text: str) -> str | None:
    """Return the small-talk kind of a message (greeting, thanks, goodbye, ack, are_you_bot), or None."""
    norm = normalize(text)
    if not norm:
        # Only emoji or punctuation: a thumbs-up or a smile is a nod; "？？？" is not small talk.
        return "ack" if re.search(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]", text or "") else None
    if len(norm) > 40:
        return None
    if asks_identity(text):
        return "are_you_bot"
    return _kind_of_words(norm)


def reply(kind: str, locale: str, bot_name: str) -> str:
    return REPLIES.get(locale, REPLIES["zh"])[kind].format(bot=bot_name)
