"""Print story results: one line per story, and for a failure the turn, what was expected, the replies, the trace."""

from __future__ import annotations

import json
from typing import Any

from kefu.stories.runner import StoryResult

# Trace fields worth showing when a turn fails; candidates and the full entity list are long, and rarely the point.
_TRACE_SHOWN = ("text", "locale", "button", "emotion", "entities", "outcome", "point", "candidates", "flow",
                "flow_candidates", "smalltalk", "handoff", "status")


def line(result: StoryResult) -> str:
    mark = "PASS" if result.passed else "FAIL"
    return f"{mark} {result.story.id} ({result.seconds:.2f} s)"


def failure(result: StoryResult) -> str:
    """What went wrong in a failed story, indented under its line."""
    out: list[str] = []
    if result.error:
        out.append("  the story could not start: " + result.error.replace("\n", "\n    "))
        return "\n".join(out)
    bad = result.failed_turn
    if bad is None:
        return ""
    story = result.story
    where = f"{story.path}:{bad.turn.line}" if bad.turn.line else str(story.path)
    out.append(f"  turn {bad.turn.index} of {len(story.turns)} ({where})  {bad.turn.describe()}")
    if bad.turn.expect:
        out.append("    expected: " + json.dumps(bad.turn.expect, ensure_ascii=False))
    for p in bad.problems:
        out.append("    ✗ " + p.replace("\n", "\n      "))
    said = "the bot said" if bad.turn.kind in ("say", "click") else "said meanwhile"
    out.append(f"    {said}:" if bad.replies else f"    {said}: nothing")
    for r in bad.replies:
        buttons = f"  [{' | '.join(r['buttons'])}]" if r["buttons"] else ""
        text = r["text"].replace("\n", " ⏎ ")
        out.append(f"      {r['sender']}: {text}{buttons}")
    out.append(f"    conversation status: {bad.status}")
    if bad.trace is not None:
        shown = {k: bad.trace[k] for k in _TRACE_SHOWN if k in bad.trace}
        out.append("    trace: " + json.dumps(shown, ensure_ascii=False, default=str))
    earlier = [t for t in result.turns if t is not bad]
    if earlier:
        out.append("    before that:")
        for t in earlier:
            said = " / ".join(r["text"].replace("\n", " ")[:60] for r in t.replies) or "—"
            out.append(f"      {t.turn.index}. {t.turn.describe()}  →  {said}")
    return "\n".join(out)


def as_json(results: list[StoryResult], seconds: float) -> str:
    data: dict[str, Any] = {
        "passed": sum(r.passed for r in results), "failed": sum(not r.passed for r in results),
        "seconds": round(seconds, 2), "stories": [r.as_dict() for r in results]}
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)

