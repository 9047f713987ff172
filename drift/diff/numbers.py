"""minimum, maximum, exclusiveMinimum/Maximum (boolean and numeric forms), multipleOf."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from drift.diff.base import Relation, child, make, relation_of
from drift.diff.model import Change, ChangeKind

if TYPE_CHECKING:
    from drift.diff.engine import Comparer

Bound = tuple[Fraction, bool]  # (value, exclusive)


def _num(value: Any) -> Fraction | None:
    """An exact value; booleans, NaN, infinities and `multipleOf` <= 0 never get here, the
    walk sets malformed values aside first (keywords.FORMS)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
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


def compare(cx: Comparer, old: dict[str, Any], new: dict[str, Any], path: str) -> list[Change]:
    changes: list[Change] = []
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
            kind, relation = ChangeKind.BOUND_ADDED, Relation.NARROWER
            text = f"{side} bound {_say(after, lower)} added"
        elif after is None:
            kind, relation = ChangeKind.BOUND_REMOVED, Relation.WIDER
            text = f"{side} bound {_say(before, lower)} removed"
        else:
            relaxed = _looser_or_equal(after, before, lower)
            kind = ChangeKind.BOUND_RELAXED if relaxed else ChangeKind.BOUND_TIGHTENED
            relation = Relation.WIDER if relaxed else Relation.NARROWER
            text = f"{side} bound {_say(before, lower)} → {_say(after, lower)}"
        changes.append(make(kind, child(path, keyword), old_value, new_value, relation, text))

    before_m, after_m = _num(old.get("multipleOf")), _num(new.get("multipleOf"))
    if before_m != after_m and (before_m or after_m):
        old_in_new = after_m is None or (
            before_m is not None and (before_m / after_m).denominator == 1
        )
        new_in_old = before_m is None or (
            after_m is not None and (after_m / before_m).denominator == 1
        )
        if before_m is None:
            kind = ChangeKind.MULTIPLE_OF_ADDED
        elif after_m is None:
            kind = ChangeKind.MULTIPLE_OF_REMOVED
        elif old_in_new:
            kind = ChangeKind.MULTIPLE_OF_RELAXED
        else:
            kind = ChangeKind.MULTIPLE_OF_CHANGED
        changes.append(
            make(
                kind,
                child(path, "multipleOf"),
                old.get("multipleOf"),
                new.get("multipleOf"),
                relation_of(old_in_new, new_in_old),
                f"multipleOf {old.get('multipleOf', 'none')} → {new.get('multipleOf', 'none')}",
            )
        )
    return changes


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
