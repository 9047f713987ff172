"""allOf, anyOf, oneOf, not — and proofs that two schemas share no instance.

A schema with combinators is the conjunction of its parts: the plain keywords,
each allOf branch, the anyOf union, the oneOf union, the negation. NEW accepts
all OLD accepts when every part of NEW is implied by some part of OLD.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from drift.diff.base import canon, child, least, make, most
from drift.diff.keywords import COMBINATORS, VALIDATION
from drift.diff.model import Change, ChangeKind, Compat
from drift.diff.scalars import allowed_values, type_set, value_type

if TYPE_CHECKING:
    from drift.diff.engine import Comparer, Side

LIST_KEYS = ("allOf", "anyOf", "oneOf")


def singleton(cx: Comparer, schema: Any) -> tuple[Any, str] | None:
    """A schema that is only a one-branch allOf/anyOf/oneOf means its branch: (branch, path)."""
    if not isinstance(schema, dict):
        return None
    keys = [key for key in schema if key in VALIDATION]
    if len(keys) != 1 or keys[0] not in LIST_KEYS:
        return None
    branches = schema[keys[0]]
    if not isinstance(branches, list) or not branches:
        return None
    if len(_unique(cx, branches)) != 1:
        return None
    return branches[0], f"/{keys[0]}/0"


def _unique(cx: Comparer, branches: Any) -> list[Any]:
    seen: dict[str, Any] = {}
    for branch in branches if isinstance(branches, list) else []:
        seen.setdefault(cx.canon(branch), branch)
    return list(seen.values())


@dataclass
class Part:
    """One conjunct of a schema: a plain schema, a union (any/one), or a negation."""

    kind: str  # "node" | "anyOf" | "oneOf" | "not"
    nodes: list[Any] = field(default_factory=list)


def parts(cx: Comparer, schema: dict[str, Any]) -> list[Part]:
    found: list[Part] = []
    base = {key: value for key, value in schema.items() if key not in COMBINATORS}
    if any(key in VALIDATION for key in base):
        found.append(Part("node", [cx.store(base)]))
    found += [Part("node", [branch]) for branch in _unique(cx, schema.get("allOf"))]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            found.append(Part(key, _unique(cx, schema[key])))
    if "not" in schema:
        found.append(Part("not", [schema["not"]]))
    return found or [Part("node", [True])]


class Judge:
    """Decides inclusion between parts; `old_first` says which side the first argument is."""

    def __init__(self, cx: Comparer, path: str) -> None:
        self.cx = cx
        self.path = path

    def leq(self, a: Any, b: Any, a_is_old: bool) -> Compat:
        """Level at which every instance of `a` is an instance of `b`."""
        if a_is_old:
            return self.cx.backward(a, b, self.path)
        return self.cx.forward(b, a, self.path)

    def side(self, is_old: bool) -> Side:
        return self.cx.old if is_old else self.cx.new

    def part_leq(self, a: Part, b: Part, a_is_old: bool) -> Compat:
        if b.kind == "node":
            if a.kind == "node":
                return self.leq(a.nodes[0], b.nodes[0], a_is_old)
            if a.kind in ("anyOf", "oneOf"):
                return most(self.leq(n, b.nodes[0], a_is_old) for n in a.nodes)
            return (
                Compat.OK
                if self.cx.trivial(b.nodes[0], self.side(not a_is_old))
                else Compat.BREAKING
            )
        if b.kind in ("anyOf", "oneOf"):
            if b.kind == "oneOf" and not self.exclusive(b.nodes, a, a_is_old):
                return Compat.BREAKING
            sources = (
                a.nodes if a.kind in ("anyOf", "oneOf") else a.nodes if a.kind == "node" else []
            )
            if not sources:
                return Compat.BREAKING
            return most(
                least(self.leq(s, t, a_is_old) for t in self.likely_first(s, b.nodes))
                for s in sources
            )
        # b is a negation: a ⊆ ¬y when a and y share nothing; ¬x ⊆ ¬y when y ⊆ x.
        excluded = b.nodes[0]
        if a.kind == "not":
            return self.leq(excluded, a.nodes[0], not a_is_old)
        return (
            Compat.OK
            if all(
                disjoint(self.cx, n, self.side(a_is_old), excluded, self.side(not a_is_old))
                for n in a.nodes
            )
            else Compat.BREAKING
        )

    def exclusive(self, branches: list[Any], source: Part, source_is_old: bool) -> bool:
        """oneOf branches that overlap reject what they share: prove they share nothing.

        Pairs of branches that both existed in a oneOf being compared against are
        exempt: an instance of that oneOf already matched only one of them.
        """
        canon = self.cx.canon
        known = {canon(n) for n in source.nodes} if source.kind == "oneOf" else set()
        side = self.side(not source_is_old)
        for i, first in enumerate(branches):
            for second in branches[i + 1 :]:
                if canon(first) in known and canon(second) in known:
                    continue
                if not disjoint(self.cx, first, side, second, side):
                    return False
        return True

    def includes(self, a_parts: list[Part], b_parts: list[Part], a_is_old: bool) -> Compat:
        """Every part of B implied by some part of A."""
        return most(least(self.part_leq(a, b, a_is_old) for a in a_parts) for b in b_parts)

    def likely_first(self, source: Any, targets: list[Any]) -> list[Any]:
        """An equal branch first: most unions change little, so the search ends early."""
        equal = [t for t in targets if self.cx.same(source, t)]
        return equal + [t for t in targets if not any(t is e for e in equal)] if equal else targets


def structural(cx: Comparer, old: dict[str, Any], new: dict[str, Any], path: str) -> list[Change]:
    """The combinator structure changed: judge the two conjunctions as wholes."""
    judge = Judge(cx, path)
    old_parts, new_parts = parts(cx, old), parts(cx, new)
    backward = judge.includes(old_parts, new_parts, a_is_old=True)
    forward = judge.includes(new_parts, old_parts, a_is_old=False)
    old_kinds = {p.kind for p in old_parts if p.kind != "node" or len(old_parts) == 1}
    new_kinds = {p.kind for p in new_parts if p.kind != "node" or len(new_parts) == 1}
    unions = {"anyOf", "oneOf"}
    if old_kinds == {"node"} and new_kinds & unions:
        kind = ChangeKind.SUM_TYPE_EXTENDED
    elif old_kinds & unions and new_kinds == {"node"}:
        kind = ChangeKind.SUM_TYPE_NARROWED
    elif len(new_parts) > len(old_parts):
        kind = ChangeKind.PRODUCT_TYPE_EXTENDED
    elif len(new_parts) < len(old_parts):
        kind = ChangeKind.PRODUCT_TYPE_NARROWED
    else:
        kind = ChangeKind.COMBINED_TYPE_CHANGED
    old_shape = sorted(k for k in COMBINATORS if k in old) or ["plain"]
    new_shape = sorted(k for k in COMBINATORS if k in new) or ["plain"]
    return [
        make(
            kind,
            path,
            old_shape,
            new_shape,
            (backward, forward),
            f"combination changed: {'+'.join(old_shape)} → {'+'.join(new_shape)}",
        )
    ]


def aligned(cx: Comparer, old: dict[str, Any], new: dict[str, Any], path: str) -> list[Change]:
    """Both sides use the same combinators: compare each combinator with its twin."""
    changes: list[Change] = []
    if "allOf" in old:
        changes += _lists(cx, old["allOf"], new["allOf"], child(path, "allOf"), "allOf")
    for key in ("anyOf", "oneOf"):
        if key in old:
            changes += _lists(cx, old[key], new[key], child(path, key), key)
    if "not" in old:
        changes += [
            _flip(change) for change in cx.compare(old["not"], new["not"], child(path, "not"))
        ]
    return changes


def _flip(change: Change) -> Change:
    return Change(
        change.kind,
        change.path,
        change.old,
        change.new,
        change.forward,
        change.backward,
        f"inside not: {change.message}",
    )


def _lists(cx: Comparer, old: Any, new: Any, path: str, key: str) -> list[Change]:
    """Pair branches; cap the pairs' own verdicts at what the whole combinator proves."""
    old_branches, new_branches = _unique(cx, old), _unique(cx, new)
    if key == "allOf":
        # NEW ⊇ OLD when each new branch is implied by some old branch.
        whole_old = [Part("node", [b]) for b in old_branches]
        whole_new = [Part("node", [b]) for b in new_branches]
    else:
        whole_old = [Part(key, old_branches)]
        whole_new = [Part(key, new_branches)]
    judge = Judge(cx, path)
    backward = judge.includes(whole_old, whole_new, a_is_old=True)
    forward = judge.includes(whole_new, whole_old, a_is_old=False)

    details: list[Change] = []
    for index, branch in enumerate(old_branches):
        candidates = [
            (cx.compare(branch, other, child(path, index)), other) for other in new_branches
        ]
        if not candidates:
            break
        best, _ = min(candidates, key=lambda c: (_worst(c[0]), len(c[0])))
        details += [_cap(change, backward, forward) for change in best]
    changes = details
    shown = (
        max((c.backward for c in details), default=Compat.OK),
        max((c.forward for c in details), default=Compat.OK),
    )
    size = len(new_branches) - len(old_branches)
    if size or shown != (backward, forward):
        if key == "allOf":
            kind = (
                ChangeKind.PRODUCT_TYPE_EXTENDED if size > 0 else ChangeKind.PRODUCT_TYPE_NARROWED
            )
        else:
            kind = ChangeKind.SUM_TYPE_EXTENDED if size > 0 else ChangeKind.SUM_TYPE_NARROWED
        if not size:
            kind = ChangeKind.ONE_OF_OVERLAP if key == "oneOf" else ChangeKind.COMBINED_TYPE_CHANGED
        changes.append(
            make(
                kind,
                path,
                len(old_branches),
                len(new_branches),
                (backward, forward),
                f"{key}: {len(old_branches)} → {len(new_branches)} branches",
            )
        )
    return changes


def _worst(changes: list[Change]) -> tuple[Compat, Compat]:
    return (
        max((c.backward for c in changes), default=Compat.OK),
        max((c.forward for c in changes), default=Compat.OK),
    )


def _cap(change: Change, backward: Compat, forward: Compat) -> Change:
    return Change(
        change.kind,
        change.path,
        change.old,
        change.new,
        min(change.backward, backward),
        min(change.forward, forward),
        change.message,
    )


def disjoint(cx: Comparer, a: Any, a_side: Side, b: Any, b_side: Side, depth: int = 0) -> bool:
    """True only when no instance can satisfy both schemas (a proof, never a guess)."""
    a, _, a_error = a_side.resolve(a, "")
    b, _, b_error = b_side.resolve(b, "")
    if a_error or b_error or depth > 8:
        return False
    if a is False or b is False:
        return True
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return False
    for first, first_side, second, second_side in ((a, a_side, b, b_side), (b, b_side, a, a_side)):
        for key in ("anyOf", "oneOf"):
            branches = first.get(key)
            if (
                isinstance(branches, list)
                and branches
                and all(
                    disjoint(cx, x, first_side, second, second_side, depth + 1) for x in branches
                )
            ):
                return True
        values = allowed_values(first)
        if values is not None and all(not _admits(second, v) for v in values.values()):
            return True
    a_types, b_types = type_set(a), type_set(b)
    if a_types is not None and b_types is not None and not _types_overlap(a_types, b_types):
        return True
    a_props, b_props = a.get("properties"), b.get("properties")
    if isinstance(a_props, dict) and isinstance(b_props, dict):
        shared = set(_names(a.get("required"))) & set(_names(b.get("required")))
        for name in sorted(shared & a_props.keys() & b_props.keys()):
            if disjoint(cx, a_props[name], a_side, b_props[name], b_side, depth + 1):
                return True
    return False


def _names(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _types_overlap(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a & b) or ("integer" in a and "number" in b) or ("number" in a and "integer" in b)


def _admits(schema: dict[str, Any], value: Any) -> bool:
    """Could `value` satisfy the schema's type and enum/const? (True when unsure.)"""
    types = type_set(schema)
    kind = value_type(value)
    if types is not None and kind not in types and not (kind == "integer" and "number" in types):
        return False
    values = allowed_values(schema)
    return values is None or canon(value) in values
