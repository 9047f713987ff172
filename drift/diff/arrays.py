"""items (schema and tuple forms), prefixItems, additionalItems, unevaluatedItems, contains,
minItems, maxItems.

Both drafts are read into one shape: a tuple of positional schemas, a schema for the
rest, and the lengths an array may have. A list (`items: {…}`) is the empty tuple with
that rest, so a tuple against a list is compared position by position. An array's items
are independent of one another, so OLD's arrays fit NEW when OLD's lengths fit NEW's
`minItems`/`maxItems` and, at every index an OLD array can have an item, OLD's schema
there is a subschema of NEW's. An index no array OLD accepts can reach (at or past its
`maxItems`, or past a position that accepts nothing) cannot break backward, and the
mirror for forward; `minItems`/`maxItems` are compared here for that reason, not with
the other bounds.

Where no other subschema can evaluate items (see keywords.EVALUATORS), `unevaluatedItems`
is exactly the tuple's rest, and is read as such. Beside an applicator it is left to
Comparer._unevaluated, which stays conservative.

`additionalItems` without a tuple is ignored by every draft that has it. A schema that
declares its draft gets that meaning (a change to it is documentation only); one that
does not is rated as Confluent does, as a rest schema, which can only make a verdict
stricter.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from drift.diff.base import Relation, child, make, relation_of, unproven
from drift.diff.keywords import EVALUATORS
from drift.diff.model import Change, Compat
from drift.vocabulary import ChangeKind

if TYPE_CHECKING:
    from drift.diff.engine import Comparer, Side

LENGTH_BOUNDS = ("minItems", "maxItems")
_KEYWORDS = frozenset(
    {"items", "prefixItems", "additionalItems", "unevaluatedItems", "contains", *LENGTH_BOUNDS}
)


class Shape:
    """One side's array keywords: positions, rest, and the lengths its arrays can have."""

    def __init__(self, cx: Comparer, schema: dict[str, Any], side: Side) -> None:
        items = schema.get("items")
        if isinstance(schema.get("prefixItems"), list):
            self.tuple, self.tuple_key = schema["prefixItems"], "prefixItems"
            self.rest, self.rest_key = _rest_of(schema, "items")
        elif isinstance(items, list):
            self.tuple, self.tuple_key = items, "items"
            self.rest, self.rest_key = _rest_of(schema, "additionalItems")
        elif "items" in schema:
            self.tuple, self.tuple_key = [], "items"
            self.rest, self.rest_key = items, "items"
        else:
            # Without a tuple, additionalItems means nothing (see _loose_additional_items).
            self.tuple, self.tuple_key = [], "items"
            self.rest, self.rest_key = _rest_of(schema, None)
        self.max_items = _count(schema.get("maxItems"), math.floor)
        self.low = max(_count(schema.get("minItems"), math.ceil) or 0, 0)
        # The most items an array can have: maxItems, or fewer when a position (or the
        # rest) accepts nothing, since no array can then have an item there.
        high = self.max_items
        for index, node in enumerate([*self.tuple, self.rest]):
            if high is not None and index >= high:
                break
            if cx.trivial(node, side) is False:
                high = index
                break
        self.high = high
        self.empty = high is not None and self.low > high  # no array at all

    def at(self, index: int) -> Any:
        return self.tuple[index] if index < len(self.tuple) else self.rest

    def holds(self, index: int) -> bool:
        """Some array this side accepts may have an item at `index`."""
        return not self.empty and (self.high is None or index < self.high)

    def lengths(self) -> str:
        if self.empty:
            return "no array at all"
        return "at most 1 item" if self.high == 1 else f"at most {self.high} items"


def _rest_of(schema: dict[str, Any], key: str | None) -> tuple[Any, str]:
    if key is not None and key in schema:
        return schema[key], key
    if "unevaluatedItems" in schema and evaluates_items_alone(schema):
        return schema["unevaluatedItems"], "unevaluatedItems"
    return True, key or "items"


def evaluates_items_alone(schema: dict[str, Any]) -> bool:
    """No subschema beside the tuple evaluates items (2020-12 `contains` does)."""
    return not (schema.keys() & EVALUATORS) and "contains" not in schema


def _count(value: Any, rounding: Any) -> int | None:
    """A length bound as a whole number of items (`maxItems: 2.5` allows 2)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(rounding(value))


def compare(cx: Comparer, old: dict[str, Any], new: dict[str, Any], path: str) -> list[Change]:
    if not (old.keys() & _KEYWORDS or new.keys() & _KEYWORDS):
        return []  # most nodes: nothing here constrains arrays
    before, after = Shape(cx, old, cx.old), Shape(cx, new, cx.new)
    changes: list[Change] = []
    for index in range(max(len(before.tuple), len(after.tuple))):
        changes += _position(cx, before, after, index, path)
    start = max(len(before.tuple), len(after.tuple))
    here = child(path, before.rest_key if before.rest_key in old else after.rest_key)
    rest = _rest(cx, before.rest, after.rest, here)
    changes += _reachable(rest, before, after, start, f"at index {start} or past it")
    changes += _lengths(before, after, old, new, path)
    if (
        not before.tuple
        and not after.tuple
        and ("additionalItems" in old or "additionalItems" in new)
    ):
        changes += _loose_additional_items(cx, old, new, path)
    if "contains" in old or "contains" in new:
        changes += _contains(cx, old, new, path)
    return changes


def _position(cx: Comparer, before: Shape, after: Shape, index: int, path: str) -> list[Change]:
    key = before.tuple_key if index < len(before.tuple) else after.tuple_key
    here = child(path, key, index)
    if index < len(before.tuple) and index < len(after.tuple):
        found = cx.compare(before.tuple[index], after.tuple[index], here)
        return _reachable(found, before, after, index, f"at index {index}")
    old_node, new_node = before.at(index), after.at(index)
    backward = cx.backward(old_node, new_node, here) if before.holds(index) else Compat.OK
    forward = cx.forward(old_node, new_node, here) if after.holds(index) else Compat.OK
    added = index >= len(before.tuple)
    text = f"tuple item {index} {'added' if added else 'removed'}"
    return [
        make(
            ChangeKind.ITEM_ADDED if added else ChangeKind.ITEM_REMOVED,
            here,
            None if added else old_node,
            new_node if added else None,
            (backward, forward),
            text + _unreached(before, after, index),
        )
    ]


def _unreached(before: Shape, after: Shape, index: int, where: str = "there") -> str:
    """Why a direction does not count at `index` ("" when both do)."""
    notes = [
        f"{name} accepts {shape.lengths()}"
        for name, shape in (("OLD", before), ("NEW", after))
        if not shape.holds(index)
    ]
    return f" ({'; '.join(notes)}, so no such array has an item {where})" if notes else ""


def _reachable(
    changes: list[Change], before: Shape, after: Shape, index: int, where: str
) -> list[Change]:
    """Changes at `index` (and past it), with a direction set to OK where no array of its
    source side has an item there: nothing OLD accepts can be rejected at an index no
    OLD array reaches (backward), and the mirror (forward)."""
    backward_counts, forward_counts = before.holds(index), after.holds(index)
    if backward_counts and forward_counts:
        return changes
    note = _unreached(before, after, index, where)
    found = []
    for change in changes:
        backward = change.backward if backward_counts else Compat.OK
        forward = change.forward if forward_counts else Compat.OK
        if (backward, forward) == (change.backward, change.forward):
            found.append(change)
            continue
        message = change.message + note
        found.append(change._replace(backward=backward, forward=forward, message=message))
    return found


def _lengths(
    before: Shape, after: Shape, old: dict[str, Any], new: dict[str, Any], path: str
) -> list[Change]:
    """minItems and maxItems, judged on the lengths the source side's arrays can have.

    Backward holds for a bound when every length OLD allows (its maxItems, or fewer when
    a position accepts nothing) is within NEW's bound as written; what NEW's positions
    forbid is judged position by position. Forward is the mirror.
    """
    changes = []
    for keyword in LENGTH_BOUNDS:
        was, now = old.get(keyword), new.get(keyword)
        lower = keyword == "minItems"
        rounding = math.ceil if lower else math.floor
        was_n, now_n = _count(was, rounding), _count(now, rounding)
        if was_n == now_n:
            continue
        if lower:
            backward = before.empty or before.low >= (now_n or 0)
            forward = after.empty or after.low >= (was_n or 0)
        else:
            backward = before.empty or _within(before.high, now_n)
            forward = after.empty or _within(after.high, was_n)
        raw = _raw_relation(lower, was_n, now_n)
        kind, text = _bound_text(keyword, lower, was, now, was_n, now_n)
        verdict = relation_of(backward, forward)
        notes = [
            f"{name} accepts {shape.lengths()}"
            for name, shape in (("OLD", before), ("NEW", after))
            if shape.empty or shape.high != shape.max_items
        ]
        if verdict is not raw and notes:
            text += " (" + "; ".join(notes) + ")"
        changes.append(make(kind, child(path, keyword), was, now, verdict, text))
    return changes


def _within(high: int | None, bound: int | None) -> bool:
    return bound is None or (high is not None and high <= bound)


def _raw_relation(lower: bool, was: int | None, now: int | None) -> Relation:
    """The bound's own relation, as if nothing else constrained the length."""
    if lower:
        return relation_of((now or 0) <= (was or 0), (was or 0) <= (now or 0))
    return relation_of(_within(was, now), _within(now, was))


def _bound_text(
    keyword: str, lower: bool, was: Any, now: Any, was_n: int | None, now_n: int | None
) -> tuple[ChangeKind, str]:
    if was_n is None:
        return ChangeKind.BOUND_ADDED, f"{keyword} {now} added"
    if now_n is None:
        return ChangeKind.BOUND_REMOVED, f"{keyword} {was} removed"
    relaxed = now_n < was_n if lower else now_n > was_n
    verb = "decreased" if now_n < was_n else "increased"
    kind = ChangeKind.BOUND_RELAXED if relaxed else ChangeKind.BOUND_TIGHTENED
    return kind, f"{keyword} {verb} {was} → {now}"


def _loose_additional_items(
    cx: Comparer, old: dict[str, Any], new: dict[str, Any], path: str
) -> list[Change]:
    """additionalItems without a tuple: a no-op for validators, a change for Confluent.

    Under a declared draft it is what validators make of it: nothing. Without one, it
    is rated as Confluent does, which can only make a verdict stricter, never unsound.
    """
    before, after = old.get("additionalItems", True), new.get("additionalItems", True)
    here = child(path, "additionalItems")
    if cx.old.family is None or cx.new.family is None:
        return _rest(cx, before, after, here)
    if cx.same(before, after):
        return []
    return [
        make(
            ChangeKind.ANNOTATION_CHANGED,
            here,
            old.get("additionalItems"),
            new.get("additionalItems"),
            (Compat.OK, Compat.OK),
            "additionalItems changed, but without a tuple (`items` as an array) every "
            "validator of this draft ignores it",
        )
    ]


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
        where, why = child(path, "maxContains"), "contains changed under maxContains"
        changes.append(unproven(where, old.get("maxContains"), new.get("maxContains"), why))
    return changes
