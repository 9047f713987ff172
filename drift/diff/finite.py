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
from typing import TYPE_CHECKING, Any

from drift.diff.base import canon
from drift.diff.keywords import DRAFT_VOCABULARY, IGNORED
from drift.diff.model import Change, Compat

if TYPE_CHECKING:
    from drift.diff.engine import Comparer, Side

_FINITE_TYPES = ("null", "boolean")

MAX_WITNESS_CHARS = 80
"""Characters of a witness value quoted in a message (longer ones are cut with …)."""


def candidates(cx: Comparer, schema: Any, side: Side) -> list[Any] | None:
    """Finitely many values that include every value `schema` accepts, or None."""
    if not isinstance(schema, dict):
        return None
    if "const" in schema or "enum" in schema:  # most schemas have neither: ask nothing
        probe = cx.evaluation.evaluator(side)
        if "const" in schema and probe.active("const"):
            return [schema["const"]]
        values = schema.get("enum")
        if isinstance(values, list) and probe.active("enum"):
            return values
    if _may_be_finite(schema):  # a type of only null and boolean
        return [None, True, False]
    return None


def settle(cx: Comparer, old: Any, new: Any, changes: list[Change]) -> list[Change]:
    """Decide by evaluation the directions the keyword diff left breaking, where the
    source side (OLD for backward, NEW for forward) is finite."""
    if not changes:
        return changes
    if _may_be_finite(old) and any(change.backward is not Compat.OK for change in changes):
        changes = _direction(cx, old, new, changes, backward=True)
    if _may_be_finite(new) and any(change.forward is not Compat.OK for change in changes):
        changes = _direction(cx, old, new, changes, backward=False)
    return changes


def _may_be_finite(schema: Any) -> bool:
    """A cheap first look: most schemas are not finite, and need no more."""
    if not isinstance(schema, dict):
        return False
    if "enum" in schema or "const" in schema:
        return True
    kind = schema.get("type")
    names = [kind] if isinstance(kind, str) else kind
    return isinstance(names, list) and bool(names) and all(k in _FINITE_TYPES for k in names)


def _direction(
    cx: Comparer, old: Any, new: Any, changes: list[Change], *, backward: bool
) -> list[Change]:
    source, target = (old, new) if backward else (new, old)
    source_side, target_side = (cx.old, cx.new) if backward else (cx.new, cx.old)
    values = candidates(cx, source, source_side)
    if values is None or len(values) > cx.evaluation.left:
        return changes  # a huge enum: not even started
    dropped = _only_lists_differ(cx, old, new, backward)
    if dropped is not None:  # the rest validates alike: only values the target lacks tell
        values = [value for value in values if canon(value) not in dropped]
    proven, witness, count = _search(cx, source, source_side, target, target_side, values)
    names = ("OLD", "NEW") if backward else ("NEW", "OLD")
    if proven:
        if dropped is not None:
            note = f" (yet {names[0]} accepts none of the values {names[1]} lacks)"
        elif count:
            counted = "the one value" if count == 1 else f"each of the {count} values"
            note = f" (yet {names[1]} accepts {counted} {names[0]} allows)"
        else:
            note = f" (yet {names[0]} accepts no value at all)"
        return [_set(change, backward, Compat.OK, note) for change in changes]
    if witness is None:
        return changes
    said = _quote(witness[0])
    note = f"; e.g. {said} is accepted by {names[0]}, rejected by {names[1]}"
    for i, change in enumerate(changes):
        if (change.backward if backward else change.forward) is Compat.BREAKING:
            if said in change.message:
                return changes  # it names the value already ("allowed values: added …")
            return [*changes[:i], change._replace(message=change.message + note), *changes[i + 1 :]]
    return changes


def _search(
    cx: Comparer, source: Any, source_side: Side, target: Any, target_side: Side, values: list[Any]
) -> tuple[bool, tuple[Any] | None, int]:
    """(every value source accepts, target accepts; a witness if one was found; how many
    values source accepts, as far as it went)."""
    ours, theirs = cx.evaluation.evaluator(source_side), cx.evaluation.evaluator(target_side)
    proven, count = True, 0
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
            return False, (value,), count
        if cx.evaluation.left <= 0:
            break
    return proven, None, count


def _only_lists_differ(cx: Comparer, old: Any, new: Any, backward: bool) -> frozenset[str] | None:
    """The target's enum/const values, when the two sides differ in nothing else that
    validates (so a value in the target's list is accepted by both or by neither)."""
    target, side = (new, cx.new) if backward else (old, cx.old)
    listed = _listed(cx, target, side)
    if listed is None or not (isinstance(old, dict) and isinstance(new, dict)):
        return None
    old_rest = cx.store({k: v for k, v in old.items() if _validates(k)})
    new_rest = cx.store({k: v for k, v in new.items() if _validates(k)})
    return listed if cx.same(old_rest, new_rest) else None


def _set(change: Change, backward: bool, level: Compat, note: str) -> Change:
    if (change.backward if backward else change.forward) is level:
        return change
    message = change.message + note
    if backward:
        return change._replace(backward=level, message=message)
    return change._replace(forward=level, message=message)


def _listed(cx: Comparer, schema: Any, side: Side) -> frozenset[str] | None:
    """The values a schema's own enum/const allow, as canonical JSON (None: no list)."""
    if not isinstance(schema, dict) or not ("const" in schema or "enum" in schema):
        return None
    probe = cx.evaluation.evaluator(side)
    if "const" in schema and probe.active("const"):
        return frozenset([canon(schema["const"])])
    values = schema.get("enum")
    if isinstance(values, list) and probe.active("enum"):
        return frozenset(canon(value) for value in values)
    return None


def _validates(key: str) -> bool:
    """A keyword some draft validates with, other than the lists themselves."""
    return key in DRAFT_VOCABULARY and key not in IGNORED and key not in ("enum", "const")


def _quote(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= MAX_WITNESS_CHARS else text[: MAX_WITNESS_CHARS - 1] + "…"


def rejected_by_either(cx: Comparer, a: Any, a_side: Side, b: Any, b_side: Side) -> bool:
    """A proof that `a` and `b` share no instance, when `a` is finite: every candidate
    of `a` is rejected by `a` itself or by `b`."""
    values = candidates(cx, a, a_side)
    if values is None or len(values) > cx.evaluation.left:
        return False
    listed = _listed(cx, b, b_side)
    if listed is not None and all(canon(value) not in listed for value in values):
        return True  # the common case (discriminators), without evaluating
    ours, theirs = cx.evaluation.evaluator(a_side), cx.evaluation.evaluator(b_side)
    return all(
        ours.accepts(a, value) is False or theirs.accepts(b, value) is False for value in values
    )
