"""allOf, anyOf, oneOf, not — and proofs that two schemas share no instance.

A schema with combinators is the conjunction of its parts: the plain keywords,
each allOf branch, the anyOf union, the oneOf union, the negation. NEW accepts
all OLD accepts when every part of NEW is implied by some part of OLD.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from drift.diff.base import canon, child, least, make, most
from drift.diff.keywords import (
    ANNOTATIONS,
    COMBINATORS,
    DRAFT_VOCABULARY,
    UNMODELLED,
    VALIDATION,
)
from drift.diff.model import Change, ChangeKind, Compat
from drift.diff.scalars import allowed_values, type_set, value_type

if TYPE_CHECKING:
    from drift.diff.engine import Comparer, Side

LIST_KEYS = ("allOf", "anyOf", "oneOf")


def singleton(cx: Comparer, schema: Any, path: str) -> tuple[Any, str] | None:
    """A schema that is only a one-branch allOf/anyOf/oneOf means its branch: (branch, path).

    Only when nothing else beside it applies: a keyword of some draft that the engine
    does not model (`if`/`then`, `contentSchema`, `$dynamicRef`, ...) constrains the
    instance too, so such a node is never collapsed (its changes stay breaking).
    """
    if not isinstance(schema, dict) or schema.keys() & UNMODELLED:
        return None
    keys = [key for key in schema if key in VALIDATION]
    if len(keys) != 1 or keys[0] not in LIST_KEYS:
        return None
    branches = schema[keys[0]]
    if not isinstance(branches, list) or not branches:
        return None
    # Duplicates collapse in allOf/anyOf; in oneOf, [X, X] accepts nothing.
    count = len(branches) if keys[0] == "oneOf" else len(_unique(cx, branches))
    if count != 1:
        return None
    return branches[0], child(path, keys[0], 0)


def _annotation(key: str) -> bool:
    """A keyword no validator applies: a draft's annotation, or no draft's keyword at all."""
    return key in ANNOTATIONS or key not in DRAFT_VOCABULARY


def _unique(cx: Comparer, branches: Any) -> list[Any]:
    """Branches that differ in annotations only are one branch (they validate alike)."""
    seen: dict[str, Any] = {}
    for branch in branches if isinstance(branches, list) else []:
        notes = [k for k in branch if _annotation(k)] if isinstance(branch, dict) else []
        if notes:
            key = canon({k: v for k, v in branch.items() if k not in notes})
        else:
            key = cx.canon(branch)
        seen.setdefault(key, branch)
    return list(seen.values())


def _branches(cx: Comparer, key: str, branches: Any, path: str) -> tuple[list[Any], list[str]]:
    """Branches with their paths; allOf/anyOf duplicates dropped (oneOf's are meaningful)."""
    listed = branches if isinstance(branches, list) else []
    keep = listed if key == "oneOf" else _unique(cx, listed)
    ids = {id(branch) for branch in keep}
    real = cx.old.branch_paths.get(id(listed))
    paths = real or [child(path, key, i) for i in range(len(listed))]
    chosen = [(b, paths[i]) for i, b in enumerate(listed) if id(b) in ids]
    return [b for b, _ in chosen], [p for _, p in chosen]


@dataclass
class Part:
    """One conjunct of a schema: a plain schema, a union (any/one), or a negation."""

    kind: str  # "node" | "anyOf" | "oneOf" | "not"
    nodes: list[Any] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


def parts(cx: Comparer, schema: dict[str, Any], path: str) -> list[Part]:
    found: list[Part] = []
    base = {key: value for key, value in schema.items() if key not in COMBINATORS}
    # Unmodelled keywords of a draft (if/then, ...) are part of the conjunction too.
    if any(key in VALIDATION or key in UNMODELLED for key in base):
        found.append(Part("node", [cx.store(base)], [path]))
    nodes, paths = _branches(cx, "allOf", schema.get("allOf"), path)
    found += [Part("node", [node], [where]) for node, where in zip(nodes, paths, strict=True)]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            found.append(Part(key, *_branches(cx, key, schema[key], path)))
    if "not" in schema:
        found.append(Part("not", [schema["not"]], [child(path, "not")]))
    return found or [Part("node", [True], [path])]


class Judge:
    """Decides inclusion between parts of OLD and NEW, in either direction."""

    def __init__(self, cx: Comparer) -> None:
        self.cx = cx

    def leq(self, a: Any, a_path: str, b: Any, b_path: str, a_is_old: bool) -> Compat:
        """Level at which every instance of `a` is an instance of `b`."""
        if a_is_old:
            return self.cx.backward(a, b, a_path)
        return self.cx.forward(b, a, b_path)

    def side(self, is_old: bool) -> Side:
        return self.cx.old if is_old else self.cx.new

    def part_leq(self, a: Part, b: Part, a_is_old: bool) -> Compat:
        target, target_path = b.nodes[0], b.paths[0]
        if b.kind == "node":
            if a.kind == "node":
                return self.leq(a.nodes[0], a.paths[0], target, target_path, a_is_old)
            if a.kind in ("anyOf", "oneOf"):
                return most(
                    self.leq(n, p, target, target_path, a_is_old)
                    for n, p in zip(a.nodes, a.paths, strict=True)
                )
            trivial = self.cx.trivial(target, self.side(not a_is_old))
            return Compat.OK if trivial is True else Compat.BREAKING
        if b.kind in ("anyOf", "oneOf"):
            if b.kind == "oneOf" and not self.exclusive(b.nodes, a, a_is_old):
                return Compat.BREAKING
            if a.kind == "not":
                return Compat.BREAKING
            return most(
                least(
                    self.leq(s, s_path, t, t_path, a_is_old)
                    for t, t_path in self.likely_first(s, b)
                )
                for s, s_path in zip(a.nodes, a.paths, strict=True)
            )
        # b is a negation: a ⊆ ¬y when a and y share nothing; ¬x ⊆ ¬y when y ⊆ x.
        if a.kind == "not":
            return self.leq(target, target_path, a.nodes[0], a.paths[0], not a_is_old)
        separate = all(
            disjoint(self.cx, n, self.side(a_is_old), target, self.side(not a_is_old))
            for n in a.nodes
        )
        return Compat.OK if separate else Compat.BREAKING

    def exclusive(self, branches: list[Any], source: Part, source_is_old: bool) -> bool:
        """oneOf branches that overlap reject what they share: prove they share nothing.

        Pairs of reference-free branches that both stood unchanged in a oneOf being
        compared against are exempt: an instance of that oneOf matched only one of them.
        """
        canon = self.cx.canon
        known = (
            {canon(n) for n in source.nodes if not self.cx.traits(n)[0]}
            if source.kind == "oneOf"
            else set()
        )
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

    def likely_first(self, source: Any, union: Part) -> list[tuple[Any, str]]:
        """An equal branch first: most unions change little, so the search ends early."""
        pairs = list(zip(union.nodes, union.paths, strict=True))
        equal = [pair for pair in pairs if self.cx.same(source, pair[0])]
        return equal + [pair for pair in pairs if pair not in equal] if equal else pairs


def structural(cx: Comparer, old: dict[str, Any], new: dict[str, Any], path: str) -> list[Change]:
    """The combinator structure changed: judge the two conjunctions as wholes."""
    judge = Judge(cx)
    old_parts, new_parts = parts(cx, old, path), parts(cx, new, path)
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
    if cx.same(old, new):  # the same branches, references included: nothing can break
        return cx.notes(old, new, path)
    base = path.rsplit("/", 1)[0]
    old_branches, old_paths = _branches(cx, key, old, base)
    new_branches, new_paths = _branches(cx, key, new, base)

    # Details first, so every pair is computed (and memoised) at its own branch's path.
    details: list[Change] = []
    for branch, where in zip(old_branches, old_paths, strict=True):
        twins = [other for other in new_branches if cx.same(branch, other)]
        if not new_branches or twins:
            details += cx.notes(branch, twins[0], where) if twins else []
            continue
        candidates: list[list[Change]] = [
            cx.compare(branch, other, where) for other in new_branches
        ]
        best = min(candidates, key=lambda c: (_worst(c), len(c)))
        details += best

    if key == "allOf":
        # NEW ⊇ OLD when each new branch is implied by some old branch.
        whole_old = [Part("node", [b], [p]) for b, p in zip(old_branches, old_paths, strict=True)]
        whole_new = [Part("node", [b], [p]) for b, p in zip(new_branches, new_paths, strict=True)]
    else:
        whole_old = [Part(key, old_branches, old_paths)]
        whole_new = [Part(key, new_branches, new_paths)]
    judge = Judge(cx)
    backward = judge.includes(whole_old, whole_new, a_is_old=True)
    forward = judge.includes(whole_new, whole_old, a_is_old=False)
    changes = [_cap(change, backward, forward) for change in details]
    size = len(new_branches) - len(old_branches)
    if size or _worst(changes) != (backward, forward):
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
    objects_only = a_types == b_types == frozenset({"object"})
    if objects_only and isinstance(a_props, dict) and isinstance(b_props, dict):
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
