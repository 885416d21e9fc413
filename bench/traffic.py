"""Make realistic widget traffic for the demo shop: what customers ask, in Chinese and English.

Built from the demo's own knowledge base (questions and their similar wordings), the flows' examples and small
talk, each varied with the fillers and punctuation customers add, so most texts differ (as they do on a real peak
day: the embedding cache does not answer every message). A conversation is a short script: a knowledge question,
a flow with its order number, small talk, or (a chosen share) asking for a person.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from kefu.flows.registry import public_flows

DEMO_KNOWLEDGE = Path(__file__).resolve().parents[1] / "kefu" / "demo" / "knowledge.json"
# Demo orders a flow can find (kefu/demo/store.py): in transit, awaiting shipment, delivered.
ORDERS = ("D1002", "D1003", "D1004")
ZH_OPEN = ("", "", "", "你好，", "请问", "亲，", "在吗 ", "麻烦问下", "我想问一下")
ZH_CLOSE = ("", "", "？", "?", "呢", "啊", "呀", "。谢谢", "？急")
EN_OPEN = ("", "", "hi, ", "hello ", "quick question: ")
EN_CLOSE = ("", "?", "??", " please", " thanks")
SMALLTALK = ("你好", "谢谢", "好的", "hello", "thanks!", "你是机器人吗", "在吗")
HANDOFF = ("转人工", "我要找人工客服", "talk to a human")  # as kefu.bot.texts.wants_person reads them


def _is_zh(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


class Traffic:
    """Draws customer scripts; seeded, so two runs send the same messages in the same order."""

    def __init__(self, seed: int = 17, handoff_share: float = 0.0) -> None:
        self.rng = random.Random(seed)
        self.handoff_share = handoff_share
        points = json.loads(DEMO_KNOWLEDGE.read_text(encoding="utf-8"))
        self.knowledge = [q for p in points for q in (p["question"], *p.get("similar_questions", ()))]
        self.flow_asks = [q for f in public_flows() if f.id != "leave_message"
                          for q in (*f.examples.get("zh", ()), *f.examples.get("en", ()))]

    def vary(self, text: str) -> str:
        """The text as one customer might type it: an opening, a closing, sometimes a repeated mark."""
        r = self.rng
        if _is_zh(text):
            return r.choice(ZH_OPEN) + text.rstrip("？?") + r.choice(ZH_CLOSE)
        return r.choice(EN_OPEN) + text.rstrip("?") + r.choice(EN_CLOSE)

    def question(self) -> tuple[str, str]:
        """One message and what it asks: "knowledge" the demo shop has, a "flow", or "smalltalk"."""
        r = self.rng.random()
        if r < 0.7:
            return self.vary(self.rng.choice(self.knowledge)), "knowledge"
        if r < 0.9:
            return self.vary(self.rng.choice(self.flow_asks)), "flow"
        return self.rng.choice(SMALLTALK), "smalltalk"

    def script(self, length: int = 6, handoff: bool = True) -> tuple[list[str], bool]:
        """A conversation's messages and whether it ends asking for a person (after a question or two)."""
        if handoff and self.rng.random() < self.handoff_share:
            return [self.question()[0], self.rng.choice(HANDOFF)], True
        out: list[str] = []
        while len(out) < length:
            text, kind = self.question()
            out.append(text)
            if kind == "flow":  # the bot asks which order: the customer gives one of theirs
                out.append(self.rng.choice(ORDERS))
        return out[:length], False

    def messages(self, n: int) -> list[str]:
        """n messages in script order (several conversations' worth), for in-process measurements."""
        out: list[str] = []
        while len(out) < n:
            out += self.script()[0]
        return out[:n]
