"""Product and sum types in a form the keyword families can compare (issue 11).

* `flatten`: an `allOf` of plain constraints as one schema: bounds intersected,
  `required` united, `properties` merged (a name in two branches gets the `allOf` of
  both). Only where the merge means exactly what the `allOf` means: keywords that refer
  to their neighbours (`additionalProperties` to its branch's `properties`, `items` after
  a tuple, `unevaluated*`) are merged only when the neighbours agree.
* `alternatives`: a schema as a union of simpler ones (an `anyOf` with its siblings
  distributed into each branch, a type list split by type), for proofs that each piece
  of a source fits somewhere in a target.
* `restrict`: a schema seen from instances of given types only: keywords that apply to
  other types (`maxLength` for an integer) accept every such instance, so they go.

Every function here is a proof step: when it is unsure it returns None (or its input
unchanged), and the caller stays conservative.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from drift.diff.base import json_equal
from drift.diff.keywords import (
    ANNOTATIONS,
    ARRAY,
    DEFINITIONS,
    DRAFT_VOCABULARY,
    METADATA,
    NUMBER,
    OBJECT,
    UNMODELLED,
    malformed,
)
from drift.diff.scalars import allowed_values, type_set, value_type

if TYPE_CHECKING:
    from drift.diff.engine import Comparer, Side

MAX_FLAT_BRANCHES = 16
"""allOf branches merged into one schema; a longer allOf is compared as it stands."""

MAX_FLAT_DEPTH = 8
"""allOf nested in allOf (through `$ref`s too) merged at most this deep."""

MAX_ALTERNATIVES = 32
"""Pieces one schema may be split into (anyOf branches times types); past it, no split."""

_UNEVALUATED = frozenset({"unevaluatedProperties", "unevaluatedItems"})
_LOWER = frozenset({"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"})
_UPPER = frozenset({"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"})
_NUMERIC_BOUNDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
_OBJECT_GROUP = ("properties", "patternProperties", "additionalProperties")
_ARRAY_GROUP = ("items", "prefixItems", "additionalItems")
_CONTAINS_GROUP = ("contains", "minContains", "maxContains")
_STRING_ONLY = frozenset({"minLength", "maxLength", "pattern"})
# keyword → the instance types it constrains (any other type passes it untouched).
APPLIES_TO: dict[str, frozenset[str]] = {
    **{key: frozenset({"string"}) for key in _STRING_ONLY},
    **{key: frozenset({"number", "integer"}) for key in NUMBER},
    **{key: frozenset({"object"}) for key in OBJECT},
    **{key: frozenset({"array"}) for key in ARRAY},
}


def _noise(key: str) -> bool:
    """Keys no validator applies to the instance: annotations, metadata, definitions."""
    return (
        key in ANNOTATIONS or key in METADATA or key in DEFINITIONS or key not in DRAFT_VOCABULARY
    )


def flatten(cx: Comparer, node: Any, side: Side, depth: int = 0) -> Any:
    """`node` with its allOf merged into its own keywords, or None when that is unsound.

    A node without allOf comes back as it is (annotations included), so the memo and
    `Comparer.same` still recognise it.
    """
    if not isinstance(node, dict) or not isinstance(node.get("allOf"), list):
        return node
    branches = node["allOf"]
    if depth > MAX_FLAT_DEPTH or len(branches) > MAX_FLAT_BRANCHES or malformed(node):
        return None
    merged: dict[str, Any] | None = {
        k: v for k, v in node.items() if k != "allOf" and not _noise(k)
    }
    for branch in branches:
        resolved, _, error = side.resolve(branch, "")
        if error or merged is None:
            return None
        if resolved is True or resolved == {}:
            continue
        flat = flatten(cx, resolved, side, depth + 1)
        if not isinstance(flat, dict) or malformed(flat):
            return None
        merged = merge(cx, merged, {k: v for k, v in flat.items() if not _noise(k)})
    return None if merged is None else cx.store(merged)


def merge(cx: Comparer, x: dict[str, Any], y: dict[str, Any]) -> dict[str, Any] | None:
    """One schema accepting exactly what both accept, or None when no rule here proves it.

    `x` and `y` are plain, well-formed schemas of the same document, without `$ref`.
    """
    keys = x.keys() | y.keys()
    if keys & (UNMODELLED | _UNEVALUATED) or "$ref" in keys:
        return None  # their meaning depends on neighbours this merge would change
    if malformed(x) or malformed(y):
        return None
    if any(isinstance(s.get(k), bool) for s in (x, y) for k in _NUMERIC_BOUNDS):
        # draft-04's boolean exclusiveMinimum modifies its neighbour `minimum`
        groups: tuple[tuple[str, ...], ...] = (tuple(sorted(_NUMERIC_BOUNDS)),)
    else:
        groups = ()
    groups += (_CONTAINS_GROUP, ("enum", "const"), ("type",))
    merged: dict[str, Any] = {}
    for group in groups:
        part = _group(x, y, group, _SPECIAL.get(group[0]))
        if part is None:
            return None
        merged.update(part)
    done = {key for group in groups for key in group}
    objects = _objects(cx, x, y)
    arrays = _arrays(cx, x, y)
    if objects is None or arrays is None:
        return None
    merged.update(objects)
    merged.update(arrays)
    done |= {*_OBJECT_GROUP, *_ARRAY_GROUP}
    for key in sorted(keys - done):
        if key not in x or key not in y or json_equal(x[key], y[key]):
            merged[key] = x[key] if key in x else y[key]
            continue
        value = _keyword(cx, key, x[key], y[key])
        if value is None:
            return None
        merged[key] = value
    return merged


def _group(
    x: dict[str, Any],
    y: dict[str, Any],
    group: tuple[str, ...],
    special: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None] | None,
) -> dict[str, Any] | None:
    """Keywords that only mean something together: from one side, equal, or merged by rule."""
    x_part = {k: x[k] for k in group if k in x}
    y_part = {k: y[k] for k in group if k in y}
    if not x_part or not y_part or json_equal(x_part, y_part):
        return x_part or y_part
    return special(x_part, y_part) if special is not None else None


def _types(x: dict[str, Any], y: dict[str, Any]) -> dict[str, Any] | None:
    x_types, y_types = type_set(x), type_set(y)
    if x_types is None or y_types is None:
        return None
    both = {t for t in x_types if t in y_types}
    if ("integer" in x_types and "number" in y_types) or (
        "number" in x_types and "integer" in y_types
    ):
        both.add("integer")
    names = sorted(both)
    return {"type": names[0] if len(names) == 1 else names}


def _values(x: dict[str, Any], y: dict[str, Any]) -> dict[str, Any] | None:
    x_values, y_values = allowed_values(x), allowed_values(y)
    if x_values is None or y_values is None:
        return None
    return {"enum": [value for key, value in x_values.items() if key in y_values]}


_SPECIAL: dict[str, Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None]] = {
    "type": _types,
    "enum": _values,
}


def _keyword(cx: Comparer, key: str, a: Any, b: Any) -> Any:
    """The merged value of one keyword present, with different values, on both sides."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
    if key in _LOWER and numbers:
        return max(a, b)
    if key in _UPPER and numbers:
        return min(a, b)
    if key == "required":
        return list(dict.fromkeys([*a, *b]))
    if key == "uniqueItems" and isinstance(a, bool) and isinstance(b, bool):
        return a or b
    if key == "propertyNames":
        return conj(cx, a, b)
    return None


def conj(cx: Comparer, a: Any, b: Any) -> Any:
    """A schema for both: one of them when the other accepts everything, else their allOf."""
    if a is True or a == {}:
        return b
    if b is True or b == {} or json_equal(a, b):
        return a
    return cx.store({"allOf": [a, b]})


def _open(value: Any) -> bool:
    return value is True or value == {}


def _objects(cx: Comparer, x: dict[str, Any], y: dict[str, Any]) -> dict[str, Any] | None:
    """properties, patternProperties, additionalProperties: the last refers to the first two.

    Merged when neither side closes its object (each side's names then constrain only
    their own values), or when both declare the same names and patterns (so each
    additionalProperties still covers exactly the names it covered).
    """
    x_part = {k: x[k] for k in _OBJECT_GROUP if k in x}
    y_part = {k: y[k] for k in _OBJECT_GROUP if k in y}
    if not x_part or not y_part or json_equal(x_part, y_part):
        return x_part or y_part
    closed = not (
        _open(x.get("additionalProperties", True)) and _open(y.get("additionalProperties", True))
    )
    if closed and any(
        set(x.get(k, {})) != set(y.get(k, {})) for k in ("properties", "patternProperties")
    ):
        return None
    merged: dict[str, Any] = {}
    for key in ("properties", "patternProperties"):
        table = {**x.get(key, {})}
        for name, schema in y.get(key, {}).items():
            table[name] = conj(cx, table[name], schema) if name in table else schema
        if table:
            merged[key] = table
    extra = conj(cx, x.get("additionalProperties", True), y.get("additionalProperties", True))
    if not _open(extra):
        merged["additionalProperties"] = extra
    return merged


def _arrays(cx: Comparer, x: dict[str, Any], y: dict[str, Any]) -> dict[str, Any] | None:
    """items, prefixItems, additionalItems: merged only when both are one `items` schema."""
    x_part = {k: x[k] for k in _ARRAY_GROUP if k in x}
    y_part = {k: y[k] for k in _ARRAY_GROUP if k in y}
    if not x_part or not y_part or json_equal(x_part, y_part):
        return x_part or y_part
    if x_part.keys() == y_part.keys() == {"items"} and not (
        isinstance(x["items"], list) or isinstance(y["items"], list)
    ):
        return {"items": conj(cx, x["items"], y["items"])}
    return None


def alternatives(
    cx: Comparer, node: Any, side: Side, depth: int = 0, *, untyped: bool = False
) -> list[Any] | None:
    """Pieces whose union accepts at least what `node` accepts (exactly, but for oneOf).

    For a source only: a oneOf counts as the anyOf of its branches, which accepts more.
    `untyped`: split a piece that names no type into one piece per JSON type too.
    None when the pieces would pass MAX_ALTERNATIVES.
    """
    resolved, _, error = side.resolve(node, "")
    if error or depth > MAX_FLAT_DEPTH:
        return None
    flat = flatten(cx, resolved, side)
    if not isinstance(flat, dict):
        return [resolved]
    pieces: list[Any] = [flat]
    # unevaluated* (and keywords not modelled, such as $dynamicRef) see what the branches
    # evaluate: taken apart from them they would mean something else.
    apart = not (flat.keys() & (UNMODELLED | _UNEVALUATED)) and "allOf" not in flat
    for key in ("anyOf", "oneOf"):
        branches = flat.get(key)
        if not apart or not isinstance(branches, list) or not branches:
            continue
        base = {k: v for k, v in flat.items() if k != key}
        pieces = []
        for branch in branches:
            found = alternatives(cx, branch, side, depth + 1)
            if found is None or len(pieces) + len(found) > MAX_ALTERNATIVES:
                return None
            pieces += [_conjoin(cx, base, piece, side) for piece in found]
        break
    split: list[Any] = []
    for piece in pieces:
        split += _by_type(cx, piece, untyped)
        if len(split) > MAX_ALTERNATIVES:
            return None
    return split


def _conjoin(cx: Comparer, base: dict[str, Any], piece: Any, side: Side) -> Any:
    """base ∧ piece, merged into one schema when sound, else as a two-branch allOf."""
    if not base or all(_noise(k) for k in base):
        return piece
    if isinstance(piece, dict):
        flat = flatten(cx, piece, side)
        plain = {k: v for k, v in base.items() if not _noise(k)}
        if isinstance(flat, dict) and "allOf" not in flat:
            merged = merge(cx, plain, {k: v for k, v in flat.items() if not _noise(k)})
            if merged is not None:
                return cx.store(merged)
    return cx.store({"allOf": [base, piece]})


_EVERY_TYPE = frozenset({"null", "boolean", "object", "array", "number", "string"})


def _by_type(cx: Comparer, piece: Any, untyped: bool) -> list[Any]:
    """A schema with a type list as the union of one schema per type (exactly equal)."""
    if not isinstance(piece, dict):
        return [piece]
    if untyped and "type" not in piece and piece_types(piece) is None and not malformed(piece):
        types: frozenset[str] | None = _EVERY_TYPE
    elif isinstance(piece.get("type"), list):
        types = type_set(piece)
    else:
        return [piece]
    if types is None or len(types) < 2:
        return [piece]
    return [
        restrict(cx, cx.store({**piece, "type": name}), frozenset({name})) for name in sorted(types)
    ]


def restrict(cx: Comparer, node: Any, types: frozenset[str] | None) -> Any:
    """`node` as instances of `types` see it: keywords for other types dropped.

    Returns `node` itself when nothing applies (so the memo still hits).
    """
    if types is None or not isinstance(node, dict):
        return node
    seen = set(types) | ({"number"} if "integer" in types else set())
    seen |= {"integer"} if "number" in types else set()
    drop = [k for k in node if k in APPLIES_TO and not (APPLIES_TO[k] & seen)]
    if not drop or malformed(node):
        return node
    return cx.store({k: v for k, v in node.items() if k not in drop})


def piece_types(node: Any) -> frozenset[str] | None:
    """The types a (resolved) piece admits, when its `type` or `enum`/`const` says."""
    if not isinstance(node, dict):
        return None
    types = type_set(node)
    values = allowed_values(node)
    if values is not None:
        found = frozenset(value_type(v) for v in values.values())
        types = (
            found
            if types is None
            else frozenset(t for t in found if t in types or (t == "integer" and "number" in types))
        )
    return types
