"""items (schema and tuple forms), prefixItems, additionalItems, contains, unevaluatedItems.

Both drafts are read into one shape: a tuple of positional schemas plus a
schema for the rest. Like Confluent, `additionalItems` counts even without a
tuple (where draft-07 ignores it), which can only make a verdict stricter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drift.diff.base import child, make
from drift.diff.model import Change, ChangeKind, Compat

if TYPE_CHECKING:
    from drift.diff.engine import Comparer


class Shape:
    def __init__(self, schema: dict[str, Any]) -> None:
        items = schema.get("items")
        if isinstance(schema.get("prefixItems"), list):
            self.tuple, self.tuple_key = schema["prefixItems"], "prefixItems"
            self.rest, self.rest_key = schema.get("items", True), "items"
        elif isinstance(items, list):
            self.tuple, self.tuple_key = items, "items"
            self.rest, self.rest_key = schema.get("additionalItems", True), "additionalItems"
        elif "items" in schema:
            self.tuple, self.tuple_key = [], "items"
            self.rest, self.rest_key = items, "items"
        else:
            # Without a tuple, additionalItems means nothing (see _loose_additional_items).
            self.tuple, self.tuple_key = [], "items"
            self.rest, self.rest_key = True, "items"

    def at(self, index: int) -> Any:
        return self.tuple[index] if index < len(self.tuple) else self.rest


def compare(cx: Comparer, old: dict[str, Any], new: dict[str, Any], path: str) -> list[Change]:
    before, after = Shape(old), Shape(new)
    changes: list[Change] = []
    for index in range(max(len(before.tuple), len(after.tuple))):
        here = child(
            path, before.tuple_key if index < len(before.tuple) else after.tuple_key, index
        )
        if index < len(before.tuple) and index < len(after.tuple):
            changes += cx.compare(before.tuple[index], after.tuple[index], here)
            continue
        old_node, new_node = before.at(index), after.at(index)
        backward = cx.backward(old_node, new_node, here)
        forward = cx.forward(old_node, new_node, here)
        added = index >= len(before.tuple)
        changes.append(
            make(
                ChangeKind.ITEM_ADDED if added else ChangeKind.ITEM_REMOVED,
                here,
                None if added else old_node,
                new_node if added else None,
                (backward, forward),
                f"tuple item {index} {'added' if added else 'removed'}",
            )
        )
    here = child(path, before.rest_key if before.rest_key in old else after.rest_key)
    changes += _rest(cx, before.rest, after.rest, here)
    if (
        not before.tuple
        and not after.tuple
        and ("additionalItems" in old or "additionalItems" in new)
    ):
        changes += _loose_additional_items(cx, old, new, path)
    if "contains" in old or "contains" in new:
        changes += _contains(cx, old, new, path)
    return changes


def _loose_additional_items(
    cx: Comparer, old: dict[str, Any], new: dict[str, Any], path: str
) -> list[Change]:
    """additionalItems without a tuple: a no-op for validators, a change for Confluent.

    Rating it as Confluent does can only make a verdict stricter, never unsound.
    """
    return _rest(
        cx,
        old.get("additionalItems", True),
        new.get("additionalItems", True),
        child(path, "additionalItems"),
    )


def _rest(cx: Comparer, old_rest: Any, new_rest: Any, here: str) -> list[Change]:
    old_t, new_t = cx.trivial(old_rest, cx.old), cx.trivial(new_rest, cx.new)
    if old_t is not None and old_t == new_t:
        return []
    if old_t is None and new_t is None:
        return cx.compare(old_rest, new_rest, here)
    backward = cx.backward(old_rest, new_rest, here)
    forward = cx.forward(old_rest, new_rest, here)
    if backward is Compat.OK and forward is Compat.OK:
        return []
    widened = backward is Compat.OK
    kind = ChangeKind.ADDITIONAL_ITEMS_WIDENED if widened else ChangeKind.ADDITIONAL_ITEMS_NARROWED
    text = "items beyond the tuple " + ("now accept more" if widened else "now accept less")
    return [make(kind, here, old_rest, new_rest, (backward, forward), text)]


def _contains(cx: Comparer, old: dict[str, Any], new: dict[str, Any], path: str) -> list[Change]:
    here = child(path, "contains")
    if "contains" not in old:
        return [
            make(
                ChangeKind.CONTAINS_ADDED, here, None, new["contains"],
                (Compat.BREAKING, Compat.OK), "arrays must now contain a matching item",
            )
        ]  # fmt: skip
    if "contains" not in new:
        return [
            make(
                ChangeKind.CONTAINS_REMOVED, here, old["contains"], None,
                (Compat.OK, Compat.BREAKING), "arrays no longer need a matching item",
            )
        ]  # fmt: skip
    changes = cx.compare(old["contains"], new["contains"], here)
    if changes and ("maxContains" in old or "maxContains" in new):
        # With an upper count, a wider `contains` can count more items and reject.
        changes.append(
            make(
                ChangeKind.UNSUPPORTED_KEYWORD, child(path, "maxContains"),
                old.get("maxContains"), new.get("maxContains"),
                (Compat.BREAKING, Compat.BREAKING),
                "contains changed under maxContains; cannot prove compatibility",
            )
        )  # fmt: skip
    return changes
