"""Read story files (YAML) into stories, refusing anything unclear with the file, story and turn it is in."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kefu.errors import KefuError

FILE_KEYS = {"stories", "orders"}
STORY_KEYS = {"name", "note", "locale", "customer", "tags", "agents", "turns", "page"}
AGENT_KEYS = {"name", "state"}
AGENT_STATES = ("connected", "online", "offline")
STEPS = ("say", "click", "agent", "wait", "new_chat")
TURN_KEYS = set(STEPS) | {"expect", "as"}
AGENT_ACTIONS = ("connect", "accept", "reply", "disconnect", "close")

# What a turn can expect. The first group is read from the bot's trace of the customer's message, so only
# `say` and `click` turns (which send one) may use it; the second group is read from the replies and the
# conversation, and fits every turn.
TRACE_KEYS = {"outcome", "point", "flow", "step", "flow_status", "slots", "handoff", "smalltalk", "emotion",
              "product"}
REPLY_KEYS = {"status", "reply_contains", "reply_any", "reply_not_contains", "reply_lang"}
EXPECT_KEYS = TRACE_KEYS | REPLY_KEYS
# Keys whose value is one word from a closed set ("!word" = anything else, a list = one of them).
CHOICES = {
    "outcome": ("answer", "clarify", "fallback", "smalltalk", "flow", "handoff", "recommend", "silent"),
    "flow_status": ("asking", "unparsed", "done", "cancelled", "failed", "paused"),
    "status": ("bot", "queued", "with_agent", "closed"),
    "emotion": ("angry", "anxious", "neutral", "positive"),
    "reply_lang": ("zh", "en"),
}
_SCALAR = (str, int, float, bool)


class StoryFormatError(KefuError):
    """A story file that cannot be run as written; the message names the file, story and turn."""

    code = "invalid_story"

    def __init__(self, path: Path | str, problem: str, *, story: str | None = None, turn: int | None = None,
                 line: int | None = None) -> None:
        where = str(path)
        if line:
            where += f":{line}"
        if story is not None:
            where += f": story {story!r}"
        if turn is not None:
            where += f", turn {turn}"
        super().__init__(f"{where}: {problem}")
        self.path, self.story, self.turn, self.problem = str(path), story, turn, problem


@dataclass
class Agent:
    name: str
    state: str  # connected | online | offline


@dataclass
class Turn:
    index: int  # 1-based, as the report counts them
    kind: str  # say | click | agent | wait | new_chat
    value: Any  # the text, the button label, the agent's action, the seconds, who comes back
    expect: dict[str, Any] = field(default_factory=dict)
    agent: str | None = None  # which agent an `agent:` step is about (`as:`); None = the story's first
    line: int | None = None

    def describe(self) -> str:
        return f"{self.kind}: {self.value}"

    @property
    def action(self) -> str:
        """The agent step's verb (connect, accept, reply …)."""
        return str(self.value).split(None, 1)[0]

    @property
    def argument(self) -> str:
        """What follows the agent step's verb (the text of a reply)."""
        parts = str(self.value).split(None, 1)
        return parts[1] if len(parts) > 1 else ""


@dataclass
class Story:
    name: str
    path: Path
    turns: list[Turn]
    locale: str = "zh"
    customer: str | None = None
    tags: list[str] = field(default_factory=list)
    agents: list[Agent] | None = None  # None: the shop's staff as they are
    orders: list[dict[str, Any]] = field(default_factory=list)  # the file's `orders:`
    note: str = ""
    line: int | None = None
    page: str | None = None  # the SKU of the product page the widget is on (context.product_sku)

    @property
    def id(self) -> str:
        return f"{self.path.name}::{self.name}"


# --- YAML with line numbers and no silent duplicate keys ------------------------------------------------


class _Map(dict):
    line: int | None = None


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} appears twice in one mapping", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Times stay text ("now-2d" is ours to read) and "12:30" stays a string, not a sexagesimal number.
_Loader.yaml_implicit_resolvers = {k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
                                   for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _line(value: Any) -> int | None:
    return getattr(value, "line", None)


# --- files ---------------------------------------------------------------------------------------------


def find_files(paths: list[Path | str]) -> list[Path]:
    """Story files named directly, and every *.yaml / *.yml under the folders named, in a stable order."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.suffix in (".yaml", ".yml") and q.is_file()))
        elif p.is_file():
            out.append(p)
        else:
            raise StoryFormatError(p, "no such file or folder")
    return list(dict.fromkeys(out))


def load_paths(paths: list[Path | str]) -> list[Story]:
    """Every story in the files and folders given; story ids (file::name) are unique."""
    stories = []
    for path in find_files(paths):
        stories.extend(load_file(path))
    return stories


def load_file(path: Path | str) -> list[Story]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise StoryFormatError(path, f"cannot read the file ({e})") from e
    return load_text(text, path)


def load_text(text: str, path: Path | str = "<story>") -> list[Story]:
    """Parse one story file's text; path is only used to name the file in errors and story ids."""
    path = Path(path)
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        raise StoryFormatError(path, f"not valid YAML: {problem}", line=mark.line + 1 if mark else None) from e
    if not isinstance(data, dict):
        raise StoryFormatError(path, "the file must be a mapping with a `stories:` list (and optionally `orders:`)")
    _no_unknown(path, data, FILE_KEYS, "file key")
    orders = data.get("orders") or []
    if orders:
        from kefu.stories.shop import ShopError, parse_orders

        try:
            parse_orders(orders)
        except ShopError as e:
            raise StoryFormatError(path, e.message, line=_line(orders)) from e
    raw_stories = data.get("stories")
    if not isinstance(raw_stories, list) or not raw_stories:
        raise StoryFormatError(path, "`stories:` must be a non-empty list of stories")
    stories, seen = [], set()
    for i, raw in enumerate(raw_stories, 1):
        story = _story(path, raw, i, orders)
        if story.name in seen:
            raise StoryFormatError(path, "two stories have this name; names must be unique in a file",
                                   story=story.name, line=story.line)
        seen.add(story.name)
        stories.append(story)
    return stories


def _no_unknown(path: Path, data: dict, known: set[str], what: str, **where: Any) -> None:
    unknown = [k for k in data if k not in known]
    if unknown:
        raise StoryFormatError(path, f"unknown {what} {unknown[0]!r} (known: {', '.join(sorted(known))})",
                               line=_line(data), **where)


def _story(path: Path, raw: Any, number: int, orders: list) -> Story:
    if not isinstance(raw, dict):
        raise StoryFormatError(path, f"story #{number} must be a mapping with `name:` and `turns:`")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise StoryFormatError(path, f"story #{number} needs a `name:`", line=_line(raw))
    name = name.strip()
    where = {"story": name}

    def fail(problem: str, line: int | None = None, **more: Any) -> StoryFormatError:
        return StoryFormatError(path, problem, line=line or _line(raw), **where, **more)

    _no_unknown(path, raw, STORY_KEYS, "story key", **where)
    locale = raw.get("locale", "zh")
    if locale not in ("zh", "en"):
        raise fail("`locale:` is zh or en")
    customer = raw.get("customer")
    if customer is not None and (not isinstance(customer, str) or not customer.strip()):
        raise fail("`customer:` is the shop's id of a signed-in customer (text), or absent for a visitor")
    tags = raw.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        raise fail("`tags:` is a list of words, e.g. [VIP]")
    agents = _agents(raw.get("agents"), fail) if "agents" in raw else None
    turns_raw = raw.get("turns")
    if not isinstance(turns_raw, list) or not turns_raw:
        raise fail("`turns:` must be a non-empty list")
    turns = [_turn(path, t, i, name, agents) for i, t in enumerate(turns_raw, 1)]
    note = raw.get("note") or ""
    if not isinstance(note, str):
        raise fail("`note:` is text")
    page = raw.get("page")
    if page is not None and (not isinstance(page, str) or not page.strip()):
        raise fail("`page:` is the SKU of the product page the customer is on")
    return Story(name=name, path=path, turns=turns, locale=locale, customer=customer.strip() if customer else None,
                 tags=[t.strip() for t in tags], agents=agents, orders=list(orders), note=note.strip(),
                 line=_line(raw), page=page.strip() if page else None)


def _agents(raw: Any, fail) -> list[Agent]:
    if not isinstance(raw, list):
        raise fail("`agents:` is a list like [{name: 小王, state: connected}] (state: connected | online | offline)")
    out = []
    for i, a in enumerate(raw, 1):
        if isinstance(a, str):
            a = {"state": a}
        if not isinstance(a, dict):
            raise fail(f"agent #{i} must be a mapping with `state:` (and optionally `name:`)")
        unknown = [k for k in a if k not in AGENT_KEYS]
        if unknown:
            raise fail(f"agent #{i}: unknown key {unknown[0]!r} (known: name, state)", _line(a))
        state = a.get("state", "connected")
        if state not in AGENT_STATES:
            raise fail(f"agent #{i}: state is one of {', '.join(AGENT_STATES)}", _line(a))
        name = a.get("name") or ("小王" if i == 1 else f"客服{i}")
        if not isinstance(name, str):
            raise fail(f"agent #{i}: name is text", _line(a))
        out.append(Agent(name=name.strip(), state=state))
    names = [a.name for a in out]
    if len(set(names)) != len(names):
        raise fail("two agents have the same name")
    return out


def _turn(path: Path, raw: Any, index: int, story: str, agents: list[Agent] | None) -> Turn:
    line = _line(raw)

    def fail(problem: str) -> StoryFormatError:
        return StoryFormatError(path, problem, story=story, turn=index, line=line)

    if not isinstance(raw, dict):
        raise fail("a turn is a mapping: `say: text`, `click: label`, `agent: accept` or `wait: 70`, "
                   "with an optional `expect:`")
    unknown = [k for k in raw if k not in TURN_KEYS]
    if unknown:
        raise fail(f"unknown turn key {unknown[0]!r} (known: {', '.join(sorted(TURN_KEYS))})")
    steps = [k for k in STEPS if k in raw]
    if len(steps) != 1:
        raise fail("each turn needs exactly one of `say:`, `click:`, `agent:`, `wait:` or `new_chat:`" +
                   (f" (this one has {', '.join(steps)})" if steps else ""))
    kind = steps[0]
    value = raw[kind]
    if kind in ("say", "click"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # `say: 13800138000` means the digits the customer typed
        if isinstance(value, bool):
            raise fail(f"`{kind}: {str(value).lower()}` reads as true/false in YAML; quote the text, e.g. "
                       f"`{kind}: \"yes\"`")
        if not isinstance(value, str) or not value.strip():
            raise fail(f"`{kind}:` needs the text {'the customer types' if kind == 'say' else 'of the button'}")
    elif kind == "agent":
        words = value.split(None, 1) if isinstance(value, str) else []
        if not words or words[0] not in AGENT_ACTIONS:
            raise fail(f"`agent:` is one of {', '.join(AGENT_ACTIONS)} (reply takes the text: `agent: reply 您好`)")
        if words[0] == "reply" and len(words) < 2:
            raise fail("`agent: reply` needs the text the agent sends, e.g. `agent: reply 您好，我来帮您看看`")
        if not agents:
            raise fail("an `agent:` step needs the story's `agents:` (e.g. agents: [{name: 小王, state: connected}])")
    elif kind == "wait":
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise fail("`wait:` is a number of seconds greater than 0")
    elif not isinstance(value, str) or not value.strip():
        raise fail("`new_chat:` is `visitor` (a new anonymous visitor) or the shop's id of a signed-in customer")
    who = raw.get("as")
    if who is not None:
        if kind != "agent":
            raise fail("`as:` names the agent of an `agent:` step")
        if not agents or who not in [a.name for a in agents]:
            raise fail(f"`as: {who}` is not one of the story's agents")
    expect = raw.get("expect") or {}
    if not isinstance(expect, dict):
        raise fail("`expect:` is a mapping of what to check, e.g. {flow: track_parcel, step: phone}")
    _check_expect(expect, kind, fail)
    return Turn(index=index, kind=kind, value=value if kind != "wait" else float(value), expect=dict(expect),
                agent=who, line=line)


def _check_expect(expect: dict, kind: str, fail) -> None:
    for key, value in expect.items():
        if key not in EXPECT_KEYS:
            raise fail(f"unknown expect key {key!r} (known: {', '.join(sorted(EXPECT_KEYS))})")
        if key in TRACE_KEYS and kind not in ("say", "click"):
            raise fail(f"expect key {key!r} is read from the bot's trace of a customer message; a `{kind}:` step "
                       f"can only check {', '.join(sorted(REPLY_KEYS))}")
        if key in CHOICES:
            words = value if isinstance(value, list) else [value]
            if not words or not all(isinstance(w, str) and w.lstrip("!") in CHOICES[key] for w in words):
                raise fail(f"expect {key}: {value!r} is not one of {', '.join(CHOICES[key])} "
                           "(prefix ! for 'anything but', or a list for 'one of')")
            if key == "reply_lang" and isinstance(value, list):
                raise fail("expect reply_lang is zh or en")
        elif key in ("reply_contains", "reply_any", "reply_not_contains"):
            items = value if isinstance(value, list) else [value]
            if not items or not all(isinstance(v, _SCALAR) and str(v) for v in items):
                raise fail(f"expect {key} is a text or a list of texts")
        elif key == "slots":
            if not isinstance(value, dict) or not value:
                raise fail("expect slots is a mapping of slot: value, e.g. {order_no: D1003}")
        elif key == "handoff":
            if not isinstance(value, bool | str):
                raise fail("expect handoff is true, false or a reason (customer_asked, angry, not_understood …)")
        elif key == "point":
            items = value if isinstance(value, list) else [value]
            if not items or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in items):
                raise fail("expect point is a knowledge point's question (or id), or a list of them")
        elif key in ("flow", "step", "smalltalk"):
            words = value if isinstance(value, list) else [value]
            if not all(w is None or isinstance(w, str) for w in words):
                raise fail(f"expect {key} is a name, null for none, !name for 'anything but', or a list")

