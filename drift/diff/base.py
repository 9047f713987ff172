"""Small shared pieces of the diff engine: relations, verdicts, JSON equality, pointers."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from typing import Any

from drift.diff.model import Change, Compat
from drift.vocabulary import ChangeKind


class Relation(enum.Enum):
    EQUAL = "equal"
    WIDER = "wider"  # NEW accepts more
    NARROWER = "narrower"  # NEW accepts less
    CHANGED = "changed"  # neither includes the other


def flags(relation: Relation) -> tuple[Compat, Compat]:
    backward = Compat.OK if relation in (Relation.EQUAL, Relation.WIDER) else Compat.BREAKING
    forward = Compat.OK if relation in (Relation.EQUAL, Relation.NARROWER) else Compat.BREAKING
    return backward, forward


def relation_of(old_in_new: bool, new_in_old: bool) -> Relation:
    if old_in_new and new_in_old:
        return Relation.EQUAL
    if old_in_new:
        return Relation.WIDER
    if new_in_old:
        return Relation.NARROWER
    return Relation.CHANGED


def make(
    kind: ChangeKind,
    path: str,
    old: Any,
    new: Any,
    verdict: Relation | tuple[Compat, Compat],
    message: str,
) -> Change:
    backward, forward = flags(verdict) if isinstance(verdict, Relation) else verdict
    return Change(kind, path or "/", old, new, backward, forward, message)


def unproven(
    path: str,
    old: Any,
    new: Any,
    why: str,
    kind: ChangeKind = ChangeKind.UNSUPPORTED_KEYWORD,
) -> Change:
    """A change nothing can be proved about: breaking both ways, and the message says why."""
    return make(
        kind,
        path,
        old,
        new,
        (Compat.BREAKING, Compat.BREAKING),
        f"{why}; cannot prove compatibility",
    )


def worst(changes: Iterable[Change], backward: bool) -> Compat:
    levels = [change.backward if backward else change.forward for change in changes]
    return max(levels, default=Compat.OK)


def child(path: str, *tokens: str | int) -> str:
    for token in tokens:
        path = f"{path}/{str(token).replace('~', '~0').replace('/', '~1')}"
    return path


def canon(value: Any) -> str:
    return json.dumps(normalise(value), sort_keys=True)


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0, but true != 1 (which Python's == would call equal)."""
    return bool(a == b) and strict_equal(a, b)


def strict_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b)
    if isinstance(a, dict):
        return all(strict_equal(value, b[key]) for key, value in a.items())
    if isinstance(a, list):
        return all(strict_equal(x, y) for x, y in zip(a, b, strict=True))
    return True


def least(levels: Iterable[Compat]) -> Compat:
    """The best level on offer (∃), stopping at the first OK."""
    best = Compat.BREAKING
    for level in levels:
        best = min(best, level)
        if best is Compat.OK:
            break
    return best


def most(levels: Iterable[Compat]) -> Compat:
    """The worst level (∀), stopping at the first BREAKING."""
    worst_seen = Compat.OK
    for level in levels:
        worst_seen = max(worst_seen, level)
        if worst_seen is Compat.BREAKING:
            break
    return worst_seen


def normalise(value: Any) -> Any:
    """JSON equality: 1 == 1.0, but true != 1."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise(item) for item in value]
    return value
