"""minimum, maximum, exclusiveMinimum/Maximum (boolean and numeric forms), multipleOf."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from drift.diff.base import Relation, child, json_equal, make, relation_of
from drift.diff.keywords import NUMBER
from drift.diff.model import Change
from drift.vocabulary import ChangeKind

if TYPE_CHECKING:
    from fractions import Fraction

    from drift.diff.engine import Comparer, Side

    Bound = tuple[Fraction, bool]  # (value, exclusive)


def _num(value: Any) -> Fraction | None:
    """An exact value; booleans, NaN, infinities and `multipleOf` <= 0 never get here, the
    walk sets malformed values aside first (keywords.FORMS)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    from fractions import Fraction  # noqa: PLC0415 (a run whose numbers agree never needs it)

    # Decimal meaning, as the schema's author wrote it: 0.1 is 1/10, not the double nearest.
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def effective(schema: dict[str, Any], lower: bool) -> tuple[Bound | None, list[str]]:
    """The tightest bound on one side, and the keywords that set it."""
    inclusive_key = "minimum" if lower else "maximum"
    exclusive_key = "exclusiveMinimum" if lower else "exclusiveMaximum"
    candidates: list[tuple[Bound, list[str]]] = []
    inclusive = _num(schema.get(inclusive_key))
    flag = schema.get(exclusive_key)
    if inclusive is not None:
        if flag is True:  # draft-04: exclusiveMinimum: true modifies minimum
            candidates.append(((inclusive, True), [inclusive_key, exclusive_key]))
        else:
            candidates.append(((inclusive, False), [inclusive_key]))
    exclusive = _num(flag)
    if exclusive is not None:
        candidates.append(((exclusive, True), [exclusive_key]))
    if not candidates:
        return None, []
    bound, keys = max(candidates, key=lambda c: _tightness(c[0], lower))
    return bound, keys


def _tightness(bound: Bound, lower: bool) -> tuple[Fraction, bool]:
    value, exclusive = bound
    return (value, exclusive) if lower else (-value, exclusive)


def _looser_or_equal(after: Bound, before: Bound, lower: bool) -> bool:
    """Does `after` admit every number `before` admits?"""
    return _tightness(after, lower) <= _tightness(before, lower)


def step(schema: dict[str, Any]) -> Fraction | None:
    """A step every number `schema` accepts is a multiple of, or None when there is none.

    `multipleOf: m` gives m; a type list without `number` (so integers only, if numbers
    at all) gives 1; both give their least common multiple (integer and multipleOf 1.5:
    multiples of 3).
    """
    from fractions import Fraction  # noqa: PLC0415 (a run whose numbers agree never needs it)

    found = _num(schema.get("multipleOf"))
    if integers_only(schema):
        found = Fraction(1) if found is None else Fraction(found.numerator)  # lcm(p/q, 1) = p
    return found


def integers_only(schema: dict[str, Any]) -> bool:
    """The type keyword lets no number but an integer through (the walk has set a
    malformed `type` aside, see keywords.FORMS)."""
    types = schema.get("type")
    return types is not None and "number" not in ([types] if isinstance(types, str) else types)


def integral(schema: dict[str, Any], side: Side) -> bool:
    """Every number `schema` accepts is of type `integer` to its draft's validators.

    From draft-06 on, `integer` is any number without a fraction (1.0 too), so an
    integer `multipleOf` makes `type: number` integer-only. Draft-03/04 define integer
    by its lexical form: there 1.0 is a number but not an integer.
    """
    found = _num(schema.get("multipleOf"))
    if found is None or found.denominator != 1:
        return False
    root = side.root
    declared = root.get("$schema") if isinstance(root, dict) else None
    return not (isinstance(declared, str) and any(d in declared for d in _LEXICAL_INTEGERS))


_LEXICAL_INTEGERS = ("draft-03", "draft-04")


def _on_grid(bound: Bound, grid: Fraction | None, lower: bool) -> Bound:
    """The inclusive bound that admits the same multiples of `grid` (x > 4 is x >= 5 for
    integers; x >= 0.5 is x >= 1)."""
    if grid is None:
        return bound
    value, exclusive = bound
    ratio = value / grid
    if lower:
        k = math.ceil(ratio)
        k += 1 if exclusive and k == ratio else 0
    else:
        k = math.floor(ratio)
        k -= 1 if exclusive and k == ratio else 0
    return (k * grid, False)


def _admits(outer: Bound | None, inner: Bound | None, grid: Fraction | None, lower: bool) -> bool:
    """Does bound `outer` admit every number, on `grid`, that `inner` admits?"""
    if outer is None:
        return True
    if inner is None:
        return False
    return _looser_or_equal(_on_grid(outer, grid, lower), _on_grid(inner, grid, lower), lower)


def compare(cx: Comparer, old: dict[str, Any], new: dict[str, Any], path: str) -> list[Change]:
    changes: list[Change] = []
    if all(json_equal(old.get(key), new.get(key)) for key in NUMBER):  # true is not 1
        return changes
    # Judge each direction on the numbers its source can hold: backward on OLD's, forward
    # on NEW's (only integers, or multiples of a step, may round a bound).
    old_grid, new_grid = step(old), step(new)
    for lower in (True, False):
        before, old_keys = effective(old, lower)
        after, new_keys = effective(new, lower)
        if before == after:
            continue
        keyword = (old_keys or new_keys)[-1]
        old_value = {k: old[k] for k in old_keys} or None
        new_value = {k: new[k] for k in new_keys} or None
        side = "lower" if lower else "upper"
        if before is None:
            kind = ChangeKind.BOUND_ADDED
            text = f"{side} bound {_say(after, lower)} added"
        elif after is None:
            kind = ChangeKind.BOUND_REMOVED
            text = f"{side} bound {_say(before, lower)} removed"
        else:
            relaxed = _looser_or_equal(after, before, lower)
            kind = ChangeKind.BOUND_RELAXED if relaxed else ChangeKind.BOUND_TIGHTENED
            text = f"{side} bound {_say(before, lower)} → {_say(after, lower)}"
        relation = relation_of(
            _admits(after, before, old_grid, lower), _admits(before, after, new_grid, lower)
        )
        if relation is Relation.EQUAL:
            text += f" (the same on {_grid_name(old_grid)})"
        changes.append(make(kind, child(path, keyword), old_value, new_value, relation, text))

    before_m, after_m = _num(old.get("multipleOf")), _num(new.get("multipleOf"))
    if before_m != after_m and (before_m or after_m):
        if before_m is None:
            kind = ChangeKind.MULTIPLE_OF_ADDED
        elif after_m is None:
            kind = ChangeKind.MULTIPLE_OF_REMOVED
        elif (before_m / after_m).denominator == 1:
            kind = ChangeKind.MULTIPLE_OF_RELAXED
        else:
            kind = ChangeKind.MULTIPLE_OF_CHANGED
        changes.append(
            make(
                kind,
                child(path, "multipleOf"),
                old.get("multipleOf"),
                new.get("multipleOf"),
                relation_of(_divides(after_m, old_grid), _divides(before_m, new_grid)),
                f"multipleOf {old.get('multipleOf', 'none')} → {new.get('multipleOf', 'none')}",
            )
        )
    return changes


def _divides(divisor: Fraction | None, grid: Fraction | None) -> bool:
    """Is every multiple of `grid` a multiple of `divisor` (exactly: grid/divisor is an integer)?"""
    return divisor is None or (grid is not None and (grid / divisor).denominator == 1)


def _grid_name(grid: Fraction | None) -> str:
    if grid == 1:
        return "integers"
    return f"multiples of {_number_text(grid)}" if grid is not None else "numbers"


def _say(bound: Bound | None, lower: bool) -> str:
    if bound is None:
        return "none"
    value, exclusive = bound
    sign = (">" if lower else "<") + ("" if exclusive else "=")
    return f"{sign} {_number_text(value)}"


def _number_text(value: Fraction) -> str:
    try:
        return f"{float(value):g}"
    except OverflowError:  # an integer past the largest double, from the library API
        return f"{'-' if value < 0 else ''}1e+{len(str(abs(value.numerator))) - 1}"
