"""type, enum/const, string pattern/format, the generic bounds, uniqueItems."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from drift.diff import numbers, objects
from drift.diff.base import Relation, canon, child, make, relation_of
from drift.diff.keywords import ALL_TYPES, BOUNDS
from drift.diff.model import Change
from drift.vocabulary import ChangeKind

EVERY_TYPE = ALL_TYPES - {"integer"}  # integer lies within number

if TYPE_CHECKING:
    from drift.diff.engine import Comparer, Side


def type_set(schema: dict[str, Any]) -> frozenset[str] | None:
    """The types a schema allows (None: any, or unknown). `integer` is a subset of `number`."""
    value = schema.get("type")
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(
        isinstance(name, str) and name in ALL_TYPES for name in names
    ):
        return None  # absent or malformed (`type: 5`): proves nothing about instances
    found = frozenset(names)
    if found >= EVERY_TYPE:
        return None  # every JSON value has one of these types: the same as no `type`
    return found


def types_include(outer: frozenset[str] | None, inner: frozenset[str] | None) -> bool:
    if outer is None:
        return True
    if inner is None:
        return False
    return all(t in outer or (t == "integer" and "number" in outer) for t in inner)


def value_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _held_types(schema: dict[str, Any], side: Side) -> frozenset[str] | None:
    """The types of the instances `schema` accepts, as far as its keywords tell."""
    types = type_set(schema)
    if not numbers.integral(schema, side):
        return types
    if types is None:
        return ALL_TYPES - {"number"}
    return types - {"number"} | {"integer"} if "number" in types else types


def allowed_values(schema: dict[str, Any]) -> dict[str, Any] | None:
    """enum/const as {canonical JSON: value}; None when unconstrained."""
    values: dict[str, Any] | None = None
    if isinstance(schema.get("enum"), list):
        values = {canon(v): v for v in schema["enum"]}
    if "const" in schema:
        const = {canon(schema["const"]): schema["const"]}
        values = const if values is None else {k: v for k, v in values.items() if k in const}
    return values


def compare(cx: Comparer, old: dict[str, Any], new: dict[str, Any], path: str) -> list[Change]:
    changes: list[Change] = []
    old_types, new_types = type_set(old), type_set(new)
    if old_types != new_types:
        written = relation_of(
            types_include(new_types, old_types), types_include(old_types, new_types)
        )
        kind = {
            Relation.WIDER: ChangeKind.TYPE_WIDENED,
            Relation.NARROWER: ChangeKind.TYPE_NARROWED,
        }.get(written, ChangeKind.TYPE_CHANGED)
        # The verdict uses what each source side can hold: `number` with an integer
        # multipleOf holds integers only (the kind still says what the text did).
        relation = relation_of(
            types_include(new_types, _held_types(old, cx.old)),
            types_include(old_types, _held_types(new, cx.new)),
        )
        changes.append(
            make(
                kind,
                child(path, "type"),
                old.get("type"),
                new.get("type"),
                relation,
                f"type {_say(old.get('type'))} → {_say(new.get('type'))}"
                + ("" if relation is written else " (an integer multipleOf admits integers only)"),
            )
        )

    old_values, new_values = allowed_values(old), allowed_values(new)
    if old_values is not None or new_values is not None:
        old_keys = None if old_values is None else set(old_values)
        new_keys = None if new_values is None else set(new_values)
        if old_keys != new_keys:
            relation = relation_of(
                new_keys is None or (old_keys is not None and old_keys <= new_keys),
                old_keys is None or (new_keys is not None and new_keys <= old_keys),
            )
            kind = {
                Relation.WIDER: ChangeKind.ENUM_WIDENED,
                Relation.NARROWER: ChangeKind.ENUM_NARROWED,
            }.get(relation, ChangeKind.ENUM_CHANGED)
            keyword = "enum" if "enum" in old or ("enum" in new and "const" not in old) else "const"
            changes.append(
                make(
                    kind,
                    child(path, keyword),
                    old.get(keyword),
                    new.get(keyword),
                    relation,
                    _enum_message(old_values, new_values),
                )
            )

    for keyword, added, removed, changed in (
        (
            "pattern",
            ChangeKind.PATTERN_ADDED,
            ChangeKind.PATTERN_REMOVED,
            ChangeKind.PATTERN_CHANGED,
        ),
        ("format", ChangeKind.FORMAT_ADDED, ChangeKind.FORMAT_REMOVED, ChangeKind.FORMAT_CHANGED),
    ):
        before, after = old.get(keyword), new.get(keyword)
        if before == after:
            continue
        if before is None:
            kind, relation, text = added, Relation.NARROWER, f"{keyword} {after!r} added"
        elif after is None:
            kind, relation, text = removed, Relation.WIDER, f"{keyword} {before!r} removed"
        else:
            kind, relation, text = changed, Relation.CHANGED, f"{keyword} {before!r} → {after!r}"
        if keyword == "pattern":  # proved inclusions only (patterns.includes); None: any
            from drift.diff import patterns  # noqa: PLC0415 (imported by the first regex compared)

            relation = relation_of(
                patterns.includes(after, before), patterns.includes(before, after)
            )
        changes.append(make(kind, child(path, keyword), before, after, relation, text))

    for keyword, lower in BOUNDS.items():
        before, after = old.get(keyword), new.get(keyword)
        if before == after:
            continue
        implied = (_implied(old, keyword, cx.old), _implied(new, keyword, cx.new))
        change = bound_change(keyword, lower, before, after, path, implied)
        if change is not None:
            changes.append(change)

    before, after = old.get("uniqueItems") is True, new.get("uniqueItems") is True
    if before != after:
        kind = ChangeKind.UNIQUE_ITEMS_ADDED if after else ChangeKind.UNIQUE_ITEMS_REMOVED
        relation = Relation.NARROWER if after else Relation.WIDER
        text = "uniqueItems now required" if after else "uniqueItems no longer required"
        changes.append(
            make(
                kind,
                child(path, "uniqueItems"),
                old.get("uniqueItems"),
                new.get("uniqueItems"),
                relation,
                text,
            )
        )
    return changes


def bound_change(
    keyword: str,
    lower: bool,
    before: Any,
    after: Any,
    path: str,
    implied: tuple[int | None, int | None] = (None, None),
) -> Change | None:
    """A change of one min/max keyword. `implied`: the bound the rest of OLD and of NEW
    already sets on the same count (`required` on properties, `pattern` on length)."""
    if not _number(before):
        before = None
    if not _number(after):
        after = None
    if before == after:
        return None
    if before is None:
        kind, relation, text = ChangeKind.BOUND_ADDED, Relation.NARROWER, f"{keyword} {after} added"
    elif after is None:
        kind, relation, text = (
            ChangeKind.BOUND_REMOVED,
            Relation.WIDER,
            f"{keyword} {before} removed",
        )
    else:
        relaxed = after < before if lower else after > before
        kind = ChangeKind.BOUND_RELAXED if relaxed else ChangeKind.BOUND_TIGHTENED
        relation = Relation.WIDER if relaxed else Relation.NARROWER
        verb = "decreased" if after < before else "increased"
        text = f"{keyword} {verb} {before} → {after}"
    if keyword in _COUNTS:  # a count of characters, items or properties: judged exactly
        # absent minContains is 1 (beside `contains`; alone it is ignored, and 1 is safe)
        absent = 1 if keyword == "minContains" else None
        old_bound = absent if before is None else before
        new_bound = absent if after is None else after
        relation = relation_of(
            _count_admits(new_bound, old_bound, implied[0], lower),
            _count_admits(old_bound, new_bound, implied[1], lower),
        )
        if relation is Relation.EQUAL:
            text += " (no change to what is accepted)"
    return make(kind, child(path, keyword), before, after, relation, text)


# Bounds on a count: absent, a lower bound is 0 (minContains: 1), an upper none.
_COUNTS = frozenset(BOUNDS)


def _count_admits(bound: Any, source: Any, implied: int | None, lower: bool) -> bool:
    """Does `bound` admit every count that `source` (with the implied bound) admits?"""
    if bound is None:
        return True
    if lower:
        # counts are whole and never negative: minLength 2.5 is 3, minLength 0 is nothing
        floor = max([0, *(math.ceil(v) for v in (source, implied) if v is not None)])
        return bool(math.ceil(bound) <= floor)
    ceilings = [math.floor(v) for v in (source, implied) if v is not None]
    return bool(ceilings) and bool(min(ceilings) <= math.floor(bound))


def _implied(schema: dict[str, Any], keyword: str, side: Side) -> int | None:
    """The bound the rest of `schema` sets on the count `keyword` bounds."""
    if keyword == "minProperties":
        return objects.implied_min_properties(schema)
    if keyword in ("minLength", "maxLength"):
        from drift.diff import patterns  # noqa: PLC0415 (imported by the first regex compared)

        fewest, most = patterns.length_bounds(schema.get("pattern"), side.family == "2020-12")
        return fewest if keyword == "minLength" else most
    return None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _say(value: Any) -> str:
    if value is None:
        return "any"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _enum_message(old: dict[str, Any] | None, new: dict[str, Any] | None) -> str:
    if old is None:
        return f"values restricted to {sorted(new or {})}"
    if new is None:
        return "value restriction removed"
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    parts = [
        f"added {', '.join(added)}" if added else "",
        f"removed {', '.join(removed)}" if removed else "",
    ]
    return "allowed values: " + "; ".join(part for part in parts if part)
