"""Schemas that accept finitely many values, decided by evaluating each value.

An `enum`, a `const`, or a `type` of only `null`/`boolean` leaves a schema finitely many
candidate values. When OLD is such a schema, NEW accepts everything OLD accepts exactly
when each candidate OLD accepts validates under NEW: that is decided by evaluation
(drift/diff/evaluate.py), not keyword by keyword, so `{"enum": ["a", "b"]}` →
`{"type": "string", "maxLength": 3}` is backward compatible, and
`{"type": "integer", "enum": ["a"]}` (which accepts nothing) is included in anything.
The mirror holds for forward when NEW is finite. A value that one side accepts and the
other rejects is a witness, and the breaking message names it.

All of it spends one budget per diff (`Comparer.evaluation`, MAX_EVALUATION_STEPS); an
answer of "cannot tell" leaves the keyword-by-keyword verdict as it was.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from drift.diff.evaluate import Budget, Evaluator
from drift.diff.model import Change, Compat

if TYPE_CHECKING:
    from drift.diff.engine import Comparer, Side

MAX_WITNESS_CHARS = 80
"""Characters of a witness value quoted in a message (longer ones are cut with …)."""


def candidates(schema: Any, side: Side) -> list[Any] | None:
    """Finitely many values that include every value `schema` accepts, or None."""
    if not isinstance(schema, dict):
        return None
    if "const" in schema or "enum" in schema:  # most schemas have neither: ask nothing
        probe = Evaluator(side, Budget(0))  # only asked what the draft calls a keyword
        if "const" in schema and probe.active("const"):
            return [schema["const"]]
        values = schema.get("enum")
        if isinstance(values, list) and probe.active("enum"):
            return values
    names = schema.get("type")
    names = [names] if isinstance(names, str) else names
    if isinstance(names, list) and names and set(names) <= {"null", "boolean"}:
        return [None, True, False]
    return None


def settle(cx: Comparer, old: Any, new: Any, changes: list[Change]) -> list[Change]:
    """Decide by evaluation the directions the keyword diff left breaking, where the
    source side (OLD for backward, NEW for forward) is finite."""
    if any(change.backward is not Compat.OK for change in changes):
        changes = _direction(cx, old, new, changes, backward=True)
    if any(change.forward is not Compat.OK for change in changes):
        changes = _direction(cx, old, new, changes, backward=False)
    return changes


def _direction(
    cx: Comparer, old: Any, new: Any, changes: list[Change], *, backward: bool
) -> list[Change]:
    source, target = (old, new) if backward else (new, old)
    source_side, target_side = (cx.old, cx.new) if backward else (cx.new, cx.old)
    values = candidates(source, source_side)
    if values is None or len(values) > cx.evaluation.left:
        return changes  # a huge enum: not even started
    ours, theirs = Evaluator(source_side, cx.evaluation), Evaluator(target_side, cx.evaluation)
    proven, witness, count = True, None, 0
    for value in values:
        accepted = ours.accepts(source, value)
        if accepted is False:
            continue
        count += 1
        kept = theirs.accepts(target, value)
        if kept is True:
            continue
        proven = False
        if accepted is True and kept is False:
            witness = value
            break
        if cx.evaluation.left <= 0:
            break
    names = ("OLD", "NEW") if backward else ("NEW", "OLD")
    if proven:
        counted = "the one value" if count == 1 else f"each of the {count} values"
        note = (
            f" (yet {names[1]} accepts {counted} {names[0]} allows)"
            if count
            else f" (yet {names[0]} accepts no value at all)"
        )
        return [_set(change, backward, Compat.OK, note) for change in changes]
    if witness is None:
        return changes
    said = _quote(witness)
    note = f"; e.g. {said} is accepted by {names[0]}, rejected by {names[1]}"
    for i, change in enumerate(changes):
        if (change.backward if backward else change.forward) is Compat.BREAKING:
            return [*changes[:i], replace(change, message=change.message + note), *changes[i + 1 :]]
    return changes


def _set(change: Change, backward: bool, level: Compat, note: str) -> Change:
    if (change.backward if backward else change.forward) is level:
        return change
    message = change.message + note
    if backward:
        return replace(change, backward=level, message=message)
    return replace(change, forward=level, message=message)


def _quote(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= MAX_WITNESS_CHARS else text[: MAX_WITNESS_CHARS - 1] + "…"


def rejected_by_either(cx: Comparer, a: Any, a_side: Side, b: Any, b_side: Side) -> bool:
    """A proof that `a` and `b` share no instance, when `a` is finite: every candidate
    of `a` is rejected by `a` itself or by `b`."""
    values = candidates(a, a_side)
    if values is None or len(values) > cx.evaluation.left:
        return False
    ours, theirs = Evaluator(a_side, cx.evaluation), Evaluator(b_side, cx.evaluation)
    return all(
        ours.accepts(a, value) is False or theirs.accepts(b, value) is False for value in values
    )
