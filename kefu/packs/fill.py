"""Put a shop's facts into a pack's {{placeholder}}s, and clean the result the way stored points are cleaned."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kefu.knowledge.schemas import TAG_SEPARATOR, clean_category, split_items
from kefu.tenants.facts import DEFAULT_FACTS, PLACEHOLDER, unfilled

# The fields of a point a pack provides and an update merges; "similar" and "tags" are lists.
TEXT_FIELDS = ("category", "question", "answer")
LIST_FIELDS = ("similar", "tags")
FIELDS = ("category", "question", "similar", "answer", "tags")

Template = dict[str, Any]  # {category, question, similar: [..], answer, tags: [..]} with {{placeholders}}


def names_in(texts: Iterable[str]) -> set[str]:
    """Return the placeholder names used in texts."""
    return {m[1] for text in texts for m in PLACEHOLDER.finditer(text)}


def template_names(template: Template) -> set[str]:
    return names_in([template["category"], template["question"], template["answer"], *template["similar"],
                     *template["tags"]])


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace every {{name}} that has a value; a name without one stays as it is, visibly."""
    return PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), text)


def clean(point: Template) -> Template:
    """The point as storage keeps it: category path tidied, texts trimmed, lists split and deduplicated."""
    return {
        "category": clean_category(point["category"]),
        "question": point["question"].strip(),
        "similar": split_items(point["similar"]),
        "answer": point["answer"].strip(),
        "tags": split_items(point["tags"], TAG_SEPARATOR),
    }


def fill_point(template: Template, values: Mapping[str, str]) -> Template:
    """The point as it is stored for a shop with these values."""
    return clean({name: [fill(v, values) for v in template[name]] if name in LIST_FIELDS
                  else fill(template[name], values) for name in FIELDS})


def values_for(defaults: Mapping[str, str], facts: Mapping[str, Any] | None, shop_name: str = "") -> dict[str, str]:
    """Return the value of every placeholder for a shop.

    The shop's own facts win, then its name for shop_name, then the pack's default (written in the pack's
    language: an English pack must not say "顺丰/中通"), then kefu's global defaults.
    """
    values = {**DEFAULT_FACTS, **{k: str(v) for k, v in defaults.items()}}
    if shop_name.strip():
        values["shop_name"] = shop_name.strip()
    values.update({k: str(v) for k, v in (facts or {}).items() if v is not None and str(v).strip()})
    return values


def point_unfilled(point: Template) -> bool:
    """Tell whether a filled point still shows a stand-in for a fact in a text a customer sees."""
    return any(unfilled(t) for t in (point["question"], point["answer"], *point["similar"]))


def used_values(template: Template, values: Mapping[str, str]) -> dict[str, str]:
    """The values a point was filled with (only the names it uses), kept to tell later whether the shop edited it."""
    return {name: values[name] for name in sorted(template_names(template)) if name in values}
