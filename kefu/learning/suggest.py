"""What to do with a group: the shop's point it may belong to, an answer drafted from the agents' replies, and
whether the shop has decided about it already."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kefu.bot import smalltalk
from kefu.learning.cluster import MERGE_AT, Group, TextSpace
from kefu.nlu.matcher import Matcher
from kefu.nlu.normalize import matchable

MATCH_TEXTS = 10  # questions of a group the matcher reads
SUGGEST_AT = 0.05  # mean confidence below which no point is suggested
# What agents say to every customer whatever the question: never an answer to draft from.
_GENERIC = re.compile(r"(有什么可以帮|有什么能帮|还有(其他|别的|什么).*(问题|帮|需要)|感谢(您的)?(耐心|支持|咨询|理解)|"
                      r"请(您)?稍等|稍等|正在(为您)?(查询|核实|处理)|很高兴为您服务|欢迎(再次)?光临|祝您.*愉快|"
                      r"how can i help|anything else|one moment|please wait|glad to help)", re.IGNORECASE)
GENERIC_GROUPS = 3  # a reply given in this many groups is boilerplate


@dataclass(frozen=True)
class PointSuggestion:
    point_id: int
    question: str
    score: float


def suggest_points(group: Group, matcher: Matcher | None, limit: int = 3) -> list[PointSuggestion]:
    """The shop's points the group's questions match best (mean confidence over its questions), best first."""
    texts = group.texts[:MATCH_TEXTS]
    if matcher is None or not texts:
        return []
    total: Counter[int] = Counter()
    names: dict[int, str] = {}
    for text in texts:
        for c in matcher.match(text).candidates[:3]:
            total[c.point_id] += c.score
            names[c.point_id] = c.question
    ranked = [PointSuggestion(pid, names[pid], round(s / len(texts), 4)) for pid, s in total.most_common()]
    return [s for s in ranked if s.score >= SUGGEST_AT][:limit]


def boilerplate(groups: Sequence[Group]) -> set[str]:
    """Replies agents gave in many groups ("您好，请问有什么可以帮您"): said to everyone, so no answer."""
    seen = Counter(reply for g in groups for reply, _ in g.agent_replies)
    return {reply for reply, n in seen.items() if n >= GENERIC_GROUPS}


def draft_answer(group: Group, space: TextSpace, generic: set[str] = frozenset()) -> str:
    """The agents' reply that best answers the group (most given, closest to its questions); "" when none.

    Greetings, "please wait" and replies given everywhere are skipped; the owner edits the draft before saving.
    """
    replies = [(r, n) for r, n in group.agent_replies
               if r not in generic and len(matchable(r)) >= 4 and not _GENERIC.search(r)
               and not smalltalk.small_talk(r)]
    if not replies:
        return ""
    norms = [matchable(r) for r, _ in replies]
    questions = [matchable(t) for t in group.texts[:MATCH_TEXTS]]
    closeness = space.similarity(norms, [q for q in questions if q] or [""]).mean(axis=1)
    counts = np.array([n for _, n in replies], dtype=np.float32)
    best = int(np.argmax(counts / counts.max() + closeness))
    return replies[best][0][:5000]


def decided_alike(group: Group, ignored: Sequence[Sequence[str]], space: TextSpace) -> bool:
    """True when the group means what an ignored group meant (it would have been merged into it)."""
    norms = [n for n in (matchable(t) for t in group.texts[:MATCH_TEXTS]) if n]
    if not norms:
        return False
    for texts in ignored:
        old = [n for n in (matchable(t) for t in texts[:MATCH_TEXTS]) if n]
        if old and float(space.similarity(norms, old).mean()) >= MERGE_AT:
            return True
    return False
