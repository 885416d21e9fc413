"""Decide what a pack update does to one point: a field-by-field three-way merge (pure, no database).

For each key: base is the pack's version of the point the shop has (template form, with {{placeholders}}),
theirs is the new version's, mine is the shop's point as stored (filled). The shop's text is compared with the
base filled with the values the point was last filled with (`was`), so a fact the shop changed is never taken
for an edit, and the result is filled with today's values (`now`), so a new placeholder gets its fact or default.

Text fields (category, question, answer): untouched by the shop → theirs; changed by the shop and not upstream
→ mine; both changed to the same text → that; both changed differently → conflict. List fields (similar
questions, tags) merge as sets and never conflict: shop-added items stay, upstream-added ones are added,
upstream-removed ones go (an item the shop still has unchanged from the base counts as the base's).

Per point: see `merge_point`; docs/packs.md has the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kefu.packs.fill import FIELDS, LIST_FIELDS, TAG_SEPARATOR, Template, fill, fill_point, split_items

Action = Literal["auto", "keep", "conflict", "add", "remove", "stays_deleted", "unchanged"]
FieldStatus = Literal["same", "theirs", "mine", "both", "merged", "conflict"]
Resolution = str | dict[str, Any]  # "mine" | "theirs" | an edited point {category, question, similar, answer, tags}


@dataclass
class FieldMerge:
    """One field side by side: the base (as the shop got it), mine, theirs (filled with today's values), result."""

    status: FieldStatus
    base: Any
    mine: Any
    theirs: Any
    result: Any  # None while in conflict


@dataclass
class KeyPlan:
    key: str
    action: Action
    reason: str = ""  # for a conflict: both_changed | upstream_deleted | question_taken
    fields: dict[str, FieldMerge] = field(default_factory=dict)
    mine: Template | None = None  # the shop's point now
    theirs: Template | None = None  # the new version, filled
    after: Template | None = None  # what the point becomes (None: removed, or a conflict not yet resolved)
    upstream_changed: bool = False
    point_id: int | None = None
    link_point_id: int | None = None  # add: the shop's own point with this question is linked, not duplicated
    # add: the shop's own point this one repeats by meaning (kefu.packs.duplicates.Duplicate), linked or to review
    duplicate: Any = None
    missing_facts: list[str] = field(default_factory=list)  # add: facts it quotes the shop has not given
    promise: list[str] = field(default_factory=list)  # the service promises it makes (the new version's)

    @property
    def conflict_fields(self) -> list[str]:
        return [name for name, f in self.fields.items() if f.status == "conflict"]


def _merge_text(base: str, theirs: str, mine: str, was: Mapping[str, str], now: Mapping[str, str]) -> FieldMerge:
    base_was, theirs_now = fill(base, was).strip(), fill(theirs, now).strip()
    untouched = mine in (base_was, fill(base, now).strip())
    if untouched:
        return FieldMerge("theirs" if theirs != base else "same", base_was, mine, theirs_now, theirs_now)
    if theirs == base:
        return FieldMerge("mine", base_was, mine, theirs_now, mine)
    if mine == theirs_now:
        return FieldMerge("both", base_was, mine, theirs_now, theirs_now)
    return FieldMerge("conflict", base_was, mine, theirs_now, None)


def _merge_list(base: list[str], theirs: list[str], mine: list[str], was: Mapping[str, str],
                now: Mapping[str, str], separator=None) -> FieldMerge:
    split = (lambda items: split_items(items, separator)) if separator else split_items
    base_was = split([fill(b, was) for b in base])
    theirs_now = split([fill(t, now) for t in theirs])
    # Which of the shop's items are the base's own (filled then or with today's values), by template.
    as_template: dict[str, str] = {}
    for b in base:
        as_template.setdefault(fill(b, now).strip(), b)
        as_template.setdefault(fill(b, was).strip(), b)
    mine_templates = {as_template[m] for m in mine if m in as_template}
    shop_touched = set(base) != mine_templates or any(m not in as_template for m in mine)
    upstream_touched = set(base) != set(theirs)
    if not shop_touched:
        return FieldMerge("theirs" if upstream_touched else "same", base_was, mine, theirs_now, theirs_now)
    kept = set(theirs)
    result = [fill(as_template[m], now).strip() if m in as_template else m
              for m in mine if m not in as_template or as_template[m] in kept]
    result = split(result + [fill(t, now).strip() for t in theirs if t not in base])
    if not upstream_touched:
        return FieldMerge("mine", base_was, mine, theirs_now, result)
    status: FieldStatus = "both" if set(result) == set(theirs_now) else "merged"
    return FieldMerge(status, base_was, mine, theirs_now, result)


def merge_fields(base: Template, theirs: Template, mine: Template, was: Mapping[str, str],
                 now: Mapping[str, str]) -> dict[str, FieldMerge]:
    out = {}
    for name in FIELDS:
        if name in LIST_FIELDS:
            out[name] = _merge_list(base[name], theirs[name], mine[name], was, now,
                                    TAG_SEPARATOR if name == "tags" else None)
        else:
            out[name] = _merge_text(base[name], theirs[name], mine[name], was, now)
    return out


def merge_point(key: str, *, base: Template | None, theirs: Template | None, mine: Template | None,
                deleted_by_shop: bool = False, was: Mapping[str, str] | None = None,
                now: Mapping[str, str]) -> KeyPlan:
    """Plan one key of an update.

    | shop \\ upstream   | unchanged      | changed                         | deleted                  |
    | untouched         | unchanged      | auto (take theirs)              | remove                   |
    | edited            | keep           | auto if the fields differ,      | conflict                 |
    |                   |                | conflict where the same field   | (upstream_deleted)       |
    |                   |                | changed differently             |                          |
    | deleted           | stays_deleted  | stays_deleted (recorded)        | stays_deleted (forgotten)|
    | (new upstream)    | add (or link the shop's point with the same question)                        |
    """
    was = was or {}
    theirs_filled = fill_point(theirs, now) if theirs is not None else None
    if base is None:
        if theirs is None:
            raise ValueError(f"{key}: nothing to merge")
        return KeyPlan(key, "add", theirs=theirs_filled, after=theirs_filled, upstream_changed=True)
    upstream_changed = theirs != base
    if deleted_by_shop or mine is None:
        return KeyPlan(key, "stays_deleted", theirs=theirs_filled, upstream_changed=upstream_changed)
    if theirs is None:
        fields = merge_fields(base, base, mine, was, now)
        shop_edited = any(f.status != "same" for f in fields.values())
        for f in fields.values():
            f.theirs, f.result = None, None
        if shop_edited:
            for f in fields.values():
                f.status = "conflict" if f.status != "same" else f.status
            return KeyPlan(key, "conflict", "upstream_deleted", fields, mine=mine, upstream_changed=True)
        return KeyPlan(key, "remove", fields=fields, mine=mine, upstream_changed=True)
    fields = merge_fields(base, theirs, mine, was, now)
    plan = KeyPlan(key, "unchanged", fields=fields, mine=mine, theirs=theirs_filled,
                   upstream_changed=upstream_changed)
    if plan.conflict_fields:
        plan.action, plan.reason = "conflict", "both_changed"
        return plan
    plan.after = {name: f.result for name, f in fields.items()}
    if plan.after != mine:
        plan.action = "auto"
    elif any(f.status in ("mine", "merged") for f in fields.values()):
        plan.action = "keep"
    return plan


def resolve(plan: KeyPlan, resolution: Resolution) -> Template | None:
    """The point a conflict's resolution gives: "mine" keeps the shop's text where the fields conflict, "theirs"
    takes the new version's there (other fields merge as planned); an edited point is taken as it is.

    For a point the new version deleted, "theirs" gives None (remove it); "mine" and an edit keep the point,
    no longer part of the pack.
    """
    if isinstance(resolution, dict):
        return {name: resolution[name] for name in FIELDS}
    if resolution not in ("mine", "theirs"):
        raise ValueError(f"a resolution is 'mine', 'theirs' or an edited point, not {resolution!r}")
    if plan.reason == "upstream_deleted":
        return dict(plan.mine) if resolution == "mine" else None
    out = {}
    for name, f in plan.fields.items():
        if f.status == "conflict":
            out[name] = f.mine if resolution == "mine" else f.theirs
        else:
            out[name] = f.result
    return out
