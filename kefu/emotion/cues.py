"""Turn a chat message into the surface cues that carry feeling in service chat: !!!, ???, caps, emoji, key words.

The normaliser strips punctuation and emoji (right for matching questions, wrong for feelings), so these cues are
read from the raw text; the learned classifier decides how much each one weighs.
"""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np

from kefu.nlu.normalize import normalize

# Words a customer uses when upset with the shop: blame, threats, insults, disappointment (zh and en, lower case).
ANGRY_WORDS = (
    "投诉", "骗子", "骗人", "骗钱", "欺骗", "欺诈", "垃圾", "差评", "12315", "消协", "举报", "曝光", "坑人", "坑爹",
    "被坑", "太坑", "恶心", "破东西", "什么破", "烂透", "无语", "离谱", "退钱", "失望", "寒心", "敷衍", "什么玩意",
    "气死", "过分", "假货", "虚假", "赔偿", "凭什么", "态度差", "太差", "嚣张", "耍我", "玩我", "听不懂吗", "有个屁",
    "放屁", "别装死", "再也不", "不厚道", "欺负", "不负责", "法律途径", "法院", "拉黑", "瞎了眼", "醉了", "服了",
    "scam", "fraud", "worst", "terrible", "horrible", "awful", "ridiculous", "unacceptable", "useless", "garbage",
    "junk", "joke", "liar", "liars", "lying", "pathetic", "disappointed", "disappointing", "chargeback", "dispute",
    "rip-off", "ripoff", "unbelievable", "appalling", "disgusting", "never again", "never ordering", "wasting",
    "waste of", "thanks for nothing", "sick of", "fed up", "complaint", "1 star", "one star", "wtf", "absurd",
)
# Words of hurry or worry that do not blame anyone.
ANXIOUS_WORDS = (
    "急", "快点", "快一点", "尽快", "马上", "赶紧", "怎么还没", "还没到", "还没发", "着急", "催一下", "加急", "来不及",
    "赶不上", "担心", "慌", "怕", "拜托", "求求", "求你", "今天能", "今天之内", "明天要", "明天就", "等不及", "在吗",
    "有人吗", "怎么办", "被盗", "盗刷", "拦截", "急用", "等着用",
    "urgent", "asap", "hurry", "rush", "quickly", "as soon as", "worried", "nervous", "anxious", "concerned",
    "time-sensitive", "in time", "tomorrow", "tonight", "right away", "expedite", "what do i do",
    "what now", "help", "help me", "stolen", "hacked", "anyone there", "any update",
)
POSITIVE_WORDS = (
    "谢谢", "谢啦", "多谢", "感谢", "好评", "满意", "点赞", "赞", "棒", "喜欢", "不错", "给力", "爱了", "辛苦",
    "推荐", "开心", "完美", "惊喜", "靠谱", "贴心", "耐心", "好用", "值了", "超值", "物美价廉", "回购", "真香",
    "thank", "thanks", "thx", "ty", "love", "loved", "great", "awesome", "perfect", "excellent", "happy",
    "appreciate", "amazing", "wonderful", "brilliant", "lovely", "fantastic", "recommend", "recommended",
    "impressed", "satisfied", "rock", "cheers",
    "five stars", "5 stars", "10/10",
)
# A negator shortly before a complaint word turns it around: 没失望, 没让我失望, 一点都不差, not bad.
_NEGATED_RE = re.compile(
    r"(不|没|从来没|从没|毫不|并不)[^，。！？,.!?\s]{0,3}?(差|失望|后悔|坑|烂|色差|毛病)"
    r"|(?<![a-z])(not|never|wasn't|isn't|no)\s+(bad|disappointed|disappointing|a problem|complaints?|regrets?)(?![a-z])"
)
# ... and before praise it makes a complaint: 一点都不满意, 不太靠谱, not happy, not very helpful.
_NEGATED_PRAISE_RE = re.compile(
    r"(不|没|没有|不太|不够|一点都不|一点也不)(满意|靠谱|喜欢|值|给力|专业|负责|开心|推荐|好用)"
    r"|(?<![a-z])(not|never|isn't|wasn't|aren't|weren't)\s+(very\s+|really\s+|so\s+|too\s+)?"
    r"(good|happy|satisfied|great|helpful|worth|acceptable|impressed|pleased|ok|okay)(?![a-z])"
)
# Praise in quotes or a laugh before a complaint is the usual shape of sarcasm in Chinese service chat. Only
# double quotes and corner brackets: single quotes are apostrophes in English (don't … it's).
_SARCASM_RE = re.compile(
    r"[\"“”「」『』][^\"“”「」『』]{1,12}[\"“”「」『』]"
    r"|呵呵|真行|真是好|好服务|真厉害|真棒啊|太\"?贴心"
)

ANGRY_EMOJI = frozenset("😡🤬😠💢👿🖕👎😤🙄🙂😑😒")
ANXIOUS_EMOJI = frozenset("😭😰😱😟😥😣😩🥺🙏😫😨")
POSITIVE_EMOJI = frozenset("😊😄😁👍❤🥰😍🎉💯👏🌹😘☺😀🤗💕✨")
# "谢谢，但是…" / "thanks, but…": what follows the turn is what the customer means.
_CONTRAST_RE = re.compile(r"但是|但|不过|可是|然而|还是没|(?<![a-z])(but|however|still)(?![a-z])")
_REPEAT_PUNCT_RE = re.compile(r"[!?]{2,}")
_CAPS_WORD_RE = re.compile(r"\b[A-Z]{4,}\b")
_REPEAT_CHAR_RE = re.compile(r"(.)\1\1|(..)\2")

NAMES = (
    "exclaim", "question", "punct_run", "caps_ratio", "caps_word", "emoji_angry", "emoji_anxious",
    "emoji_positive", "words_angry", "words_anxious", "words_positive", "negated_complaint", "negated_praise",
    "sarcasm", "praise_and_complaint", "contrast", "praise_then_contrast", "repeat", "length",
)


def _lexicon(words: tuple[str, ...]) -> re.Pattern:
    """Compile a word list; Latin words must stand alone ("ty" is not inside "quality", "help" not in "helpful")."""
    parts = [rf"(?<![a-z0-9]){re.escape(w)}(?![a-z])" if w.isascii() else re.escape(w) for w in words]
    return re.compile("|".join(sorted(parts, key=len, reverse=True)))


_ANGRY_RE, _ANXIOUS_RE, _POSITIVE_RE = _lexicon(ANGRY_WORDS), _lexicon(ANXIOUS_WORDS), _lexicon(POSITIVE_WORDS)


def _count(text: str, pattern: re.Pattern) -> int:
    return len(pattern.findall(text))


def cue_vector(text: str) -> np.ndarray:
    """Return the cue features of one message (log-scaled counts and 0/1 flags, all of a similar size)."""
    raw = unicodedata.normalize("NFKC", text)
    low = raw.lower()
    norm = normalize(text)
    latin = [c for c in raw if c.isascii() and c.isalpha()]
    caps = sum(c.isupper() for c in latin) / len(latin) if len(latin) >= 6 else 0.0
    negated = len(_NEGATED_RE.findall(low))
    negated_praise = len(_NEGATED_PRAISE_RE.findall(low))
    angry = max(0, _count(low, _ANGRY_RE) - negated) + negated_praise
    positive = max(0, _count(low, _POSITIVE_RE) - negated_praise) + negated
    contrast = _CONTRAST_RE.search(low)
    return np.array([
        math.log1p(low.count("!")),
        math.log1p(low.count("?")),
        float(bool(_REPEAT_PUNCT_RE.search(low))),
        caps,
        float(bool(_CAPS_WORD_RE.search(raw))),
        math.log1p(sum(c in ANGRY_EMOJI for c in raw)),
        math.log1p(sum(c in ANXIOUS_EMOJI for c in raw)),
        math.log1p(sum(c in POSITIVE_EMOJI for c in raw)),
        math.log1p(angry),
        math.log1p(_count(low, _ANXIOUS_RE)),
        math.log1p(positive),
        float(negated > 0),
        float(negated_praise > 0),
        float(bool(_SARCASM_RE.search(raw))),
        float(angry > 0 and positive > 0),
        float(contrast is not None),
        float(contrast is not None and _count(low[:contrast.start()], _POSITIVE_RE) > 0),
        float(bool(_REPEAT_CHAR_RE.search(norm.replace(" ", "")))),
        math.log1p(min(len(norm), 200)) / 5,  # capped: a 2,000-character paste is not 10x more anything
    ], dtype=np.float64)


def cue_matrix(texts: list[str]) -> np.ndarray:
    """Stack the cue vectors of many messages, one row each."""
    if not texts:
        return np.zeros((0, len(NAMES)))
    return np.vstack([cue_vector(t) for t in texts])
