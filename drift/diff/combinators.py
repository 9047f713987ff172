"""allOf, anyOf, oneOf, not — and proofs that two schemas share no instance.

A schema with combinators is the conjunction of its parts: the plain keywords,
each allOf branch, the anyOf union, the oneOf union, the negation. NEW accepts
all OLD accepts when every part of NEW is implied by some part of OLD.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from drift.diff import finite
from drift.diff.base import canon, child, json_equal, least, make, most
from drift.diff.evaluate import dialect
from drift.diff.keywords import (
    ALL_TYPES,
    ANNOTATIONS,
    COMBINATORS,
    DRAFT_VOCABULARY,
    UNMODELLED,
    VALIDATION,
    malformed,
)
from drift.diff.model import Change, Compat
from drift.diff.scalars import type_set, types_include
from drift.records import Row
from drift.vocabulary import ChangeKind

if TYPE_CHECKING:
    from fractions import Fraction

    from drift.diff.engine import Comparer, Side

    Limit = tuple[Fraction, bool]  # (value, exclusive)

LIST_KEYS = ("allOf", "anyOf", "oneOf")

_UNDECIDED = frozenset(
    {ChangeKind.UNSUPPORTED_KEYWORD, ChangeKind.REF_UNRESOLVED, ChangeKind.TOO_COMPLEX}
)

MAX_BRANCH_CHECKS = 512
"""Inclusion and disjointness checks one judgement of unions may make (source branches
times target branches times the other branches of a oneOf). Past it the judgement says
breaking: a union rebuilt beyond recognition is rated conservatively, never slowly."""


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


class Part(Row):
    """One conjunct of a schema: a plain schema, a union (any/one), or a negation."""

    kind: str  # "node" | "anyOf" | "oneOf" | "not"
    nodes: list[Any]
    paths: list[str]


def parts(cx: Comparer, schema: dict[str, Any], path: str) -> list[Part]:
    found: list[Part] = []
    # Unmodelled keywords of a draft (if/then, ...) are part of the conjunction too.
    base = _beside(cx, schema, also=UNMODELLED)
    if base is not None:
        found.append(Part("node", [base], [path]))
    nodes, paths = _branches(cx, "allOf", schema.get("allOf"), path)
    found += [Part("node", [node], [where]) for node, where in zip(nodes, paths, strict=True)]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            found.append(Part(key, *_branches(cx, key, schema[key], path)))
    if "not" in schema:
        found.append(Part("not", [schema["not"]], [child(path, "not")]))
    return found or [Part("node", [True], [path])]


class Judge:
    """Decides inclusion between parts of OLD and NEW, in either direction.

    Unions are judged branch by branch with no positional alignment: each source branch
    (or, failing that, each piece of it: see products.alternatives) must fit some target
    branch. For a oneOf target the fitting branch must also be the only one that matches:
    every other target branch is proved to miss the instance. Each judgement makes at
    most MAX_BRANCH_CHECKS such checks; past that it says breaking.
    """

    def __init__(self, cx: Comparer, context: tuple[Any, Any] = (None, None)) -> None:
        self.cx = cx
        self.checks = 0
        # (OLD's, NEW's) keywords beside the unions judged: every instance of a source
        # branch satisfies its side's too, so a target branch they rule out never matches.
        self.context = context

    def spend(self) -> bool:
        """Count one check; False once the judgement's MAX_BRANCH_CHECKS are spent."""
        self.checks += 1
        return self.checks <= MAX_BRANCH_CHECKS

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
            return self.complement_leq(a, [(target, target_path)], a_is_old)
        if b.kind in ("anyOf", "oneOf"):
            return self.union_leq(a, b, a_is_old)
        # b is a negation: a ⊆ ¬y when a and y share nothing; ¬x ⊆ ¬y when y ⊆ x.
        if a.kind == "not":
            return self.leq(target, target_path, a.nodes[0], a.paths[0], not a_is_old)
        separate = all(
            disjoint(self.cx, n, self.side(a_is_old), target, self.side(not a_is_old))
            for n in a.nodes
        )
        return Compat.OK if separate else Compat.BREAKING

    def complement_leq(self, a: Part, union: list[tuple[Any, str]], a_is_old: bool) -> Compat:
        """not X ⊆ anyOf [B1 … Bn]: each piece of X's complement lies in some Bi (X and
        the Bs together cover everything). The pieces cover the complement, exactly or
        more, so this is a proof."""
        side = self.side(a_is_old)
        if any(self.cx.trivial(t, self.side(not a_is_old)) is True for t, _ in union):
            return Compat.OK
        pieces = complement(self.cx, a.nodes[0], side)
        if pieces is None:
            return Compat.BREAKING
        return most(
            least(self.leq(piece, a.paths[0], t, t_path, a_is_old) for t, t_path in union)
            for piece in pieces
        )

    def union_leq(self, a: Part, b: Part, a_is_old: bool) -> Compat:
        """Every instance of `a` is an instance of the union `b` (anyOf or oneOf)."""
        if a.kind == "not":  # into a oneOf, a piece may match two branches: unproven
            if b.kind == "oneOf":
                return Compat.BREAKING
            return self.complement_leq(a, list(zip(b.nodes, b.paths, strict=True)), a_is_old)
        if a.kind == b.kind and self.same_nodes(a.nodes, b.nodes, a_is_old):
            return Compat.OK  # the same union, references included: nothing can break
        pairs = list(zip(a.nodes, a.paths, strict=True))
        return most(
            self.branch_in(s, s_path, a.nodes[:i] + a.nodes[i + 1 :], b, a_is_old)
            if a.kind == "oneOf"
            else self.branch_in(s, s_path, [], b, a_is_old)
            for i, (s, s_path) in enumerate(pairs)
        )

    def same_nodes(self, a: list[Any], b: list[Any], a_is_old: bool) -> bool:
        if len(a) != len(b):
            return False
        old, new = (a, b) if a_is_old else (b, a)
        return all(self.cx.same(x, y) for x, y in zip(old, new, strict=True))

    def same(self, a: Any, b: Any, a_is_old: bool) -> bool:
        return self.cx.same(a, b) if a_is_old else self.cx.same(b, a)

    def branch_in(self, s: Any, s_path: str, others: list[Any], b: Part, a_is_old: bool) -> Compat:
        """A source branch `s` fits the union `b`. `others`: the other branches of a
        source oneOf (an instance of `s` accepted there matches none of them)."""
        from drift.diff.products import MAX_ALTERNATIVES, alternatives  # noqa: PLC0415 (imported by the first union split)

        best = self.fits_union(s, s_path, others, b, a_is_old)
        if best is Compat.OK:
            return best
        side = self.side(a_is_old)
        pieces = alternatives(self.cx, s, side, untyped=True)
        if pieces is None:
            return best
        if not (len(pieces) == 1 and pieces[0] is side.resolve(s, "")[0]):
            best = min(best, most(self.piece_in(p, s_path, others, b, a_is_old) for p in pieces))
        if best is Compat.OK:
            return best
        # A discriminator with several values (`base: {enum: [core26, devel]}`, required)
        # may have been split between target branches: one piece per value.
        by_value = [_by_values(self.cx, p, side) for p in pieces]
        if all(found is None for found in by_value):
            return best
        split = [q for found, p in zip(by_value, pieces, strict=True) for q in found or [p]]
        if len(split) > MAX_ALTERNATIVES:
            return best
        return min(best, most(self.piece_in(q, s_path, others, b, a_is_old) for q in split))

    def piece_in(self, p: Any, p_path: str, others: list[Any], b: Part, a_is_old: bool) -> Compat:
        """A piece of a source branch fits `b`, or never matches alone in its oneOf."""
        if any(self.within(p, p_path, o, b, a_is_old) for o in others):
            return Compat.OK  # an instance of p also matches o: the source oneOf rejects it
        return self.fits_union(p, p_path, others, b, a_is_old)

    def within(self, p: Any, p_path: str, o: Any, b: Part, a_is_old: bool) -> bool:
        """p ⊆ o, both of the source side: proved through o's twin in the target
        (an unchanged branch), or directly when neither holds a reference."""
        for t, t_path in zip(b.nodes, b.paths, strict=True):
            if self.same(o, t, a_is_old):
                return self.fits(p, p_path, t, t_path, a_is_old) is Compat.OK
        if self.cx.traits(p)[0] or self.cx.traits(o)[0]:
            return False
        return self.fits(p, p_path, o, p_path, a_is_old) is Compat.OK

    def fits_union(self, s: Any, s_path: str, others: list[Any], b: Part, a_is_old: bool) -> Compat:
        """s fits some branch of `b` (and, for a oneOf, matches no other one)."""
        best = Compat.BREAKING
        for j in self.likely_first(s, b, a_is_old):
            level = self.fits(s, s_path, b.nodes[j], b.paths[j], a_is_old)
            if level >= best:
                continue
            if b.kind == "oneOf" and not self.alone(s, j, level, others, b, a_is_old):
                continue
            best = level
            if best is Compat.OK:
                break
        return best

    def alone(
        self, s: Any, j: int, level: Compat, others: list[Any], b: Part, a_is_old: bool
    ) -> bool:
        """No instance of `s` that matches branch j matches another branch of the oneOf `b`."""
        source, target = self.side(a_is_old), self.side(not a_is_old)
        t = b.nodes[j]
        for i, (k, k_path) in enumerate(zip(b.nodes, b.paths, strict=True)):
            # k ⊆ o for another source branch o: an instance of s matching k would match
            # o too, and the source oneOf would have rejected it. An unchanged o first.
            if i == j or any(self.same(o, k, a_is_old) for o in others):
                continue
            if not self.spend():
                return False
            if level is Compat.OK and disjoint(self.cx, k, target, t, target):
                continue  # s ⊆ t, and t shares nothing with k
            if disjoint(self.cx, k, target, s, source):
                continue
            beside = self.context[0 if a_is_old else 1]
            if beside is not None and disjoint(self.cx, k, target, beside, source):
                continue
            if self.meet_outside(k, k_path, s, others, a_is_old):
                continue
            if any(self.fits(k, k_path, o, k_path, not a_is_old) is Compat.OK for o in others):
                continue
            return False
        return True

    def meet_outside(self, k: Any, k_path: str, s: Any, others: list[Any], a_is_old: bool) -> bool:
        """No instance the source accepts through s matches the target branch k.

        s closes its objects (names N): an instance of both is an object with names in N
        only, so it lies in k restricted to N. When nothing but `{}` is left and one of
        them refuses `{}`, they share nothing; when the restriction fits another source
        branch (checked as other fits are, within the judgement's MAX_BRANCH_CHECKS),
        such an instance matched two source branches and the source oneOf refused it."""
        source, target = self.side(a_is_old), self.side(not a_is_old)
        k_node, s_node = target.resolve(k, "")[0], source.resolve(s, "")[0]
        s_names = _closed_names(s_node)
        narrowed = None if s_names is None else _restricted(self.cx, k_node, s_names)
        if narrowed is None:
            return False
        if not narrowed.get("properties"):  # only {} is left of k
            if self.cx.evaluation.evaluator(target).accepts(narrowed, {}) is False:
                return True
            ours = self.cx.evaluation.evaluator(source)
            if ours.accepts(s_node, {}) is False or any(
                ours.accepts(o, {}) is True for o in others
            ):
                return True
        return any(
            self.fits(narrowed, k_path, o, k_path, not a_is_old) is Compat.OK for o in others
        )

    def fits(self, p: Any, p_path: str, t: Any, t_path: str, a_is_old: bool) -> Compat:
        """p ⊆ t, seen from the types p admits (keywords of other types set aside)."""
        if not self.spend():
            return Compat.BREAKING
        cx = self.cx
        p_node, _, p_error = self.side(a_is_old).resolve(p, "")
        t_node, _, t_error = self.side(not a_is_old).resolve(t, "")
        from drift.diff.products import piece_types, restrict  # noqa: PLC0415 (imported by the first union split)

        types = None if p_error or t_error else piece_types(p_node)
        if types is None:
            return self.leq(p, p_path, t, t_path, a_is_old)
        p_view, t_view = restrict(cx, p_node, types), restrict(cx, t_node, types)
        if p_view is p_node and t_view is t_node:
            return self.leq(p, p_path, t, t_path, a_is_old)
        return self.leq(p_view, p_path, t_view, t_path, a_is_old)

    def whole(self, a: Any, a_path: str, b: Any, b_path: str, a_is_old: bool) -> Compat:
        """a ⊆ b judged on the whole schemas: a split into pieces (allOf merged, anyOf
        distributed, types split), each piece fitting every conjunct of b (allOf merged)."""
        from drift.diff.products import alternatives, flatten  # noqa: PLC0415 (imported by the first union split)

        cx = self.cx
        pieces = alternatives(cx, a, self.side(a_is_old))
        target, _, error = self.side(not a_is_old).resolve(b, "")
        flat = None if error else flatten(cx, target, self.side(not a_is_old))
        if pieces is None or not isinstance(flat, dict):
            return Compat.BREAKING
        return most(
            most(self.piece_part(p, a_path, part, a_is_old) for p in pieces)
            for part in parts(cx, flat, b_path)
        )

    def piece_part(self, p: Any, p_path: str, part: Part, a_is_old: bool) -> Compat:
        if part.kind == "node":
            return self.fits(p, p_path, part.nodes[0], part.paths[0], a_is_old)
        if part.kind in ("anyOf", "oneOf"):
            return self.fits_union(p, p_path, [], part, a_is_old)
        return self.part_leq(Part("node", [p], [p_path]), part, a_is_old)

    def includes(self, a_parts: list[Part], b_parts: list[Part], a_is_old: bool) -> Compat:
        """Every part of B implied by some part of A."""
        return most(least(self.part_leq(a, b, a_is_old) for a in a_parts) for b in b_parts)

    def likely_first(self, source: Any, union: Part, a_is_old: bool) -> list[int]:
        """An equal branch first: most unions change little, so the search ends early."""
        indices = range(len(union.nodes))
        equal = [i for i in indices if self.same(source, union.nodes[i], a_is_old)]
        return equal + [i for i in indices if i not in equal] if equal else list(indices)


def structural(cx: Comparer, old: dict[str, Any], new: dict[str, Any], path: str) -> list[Change]:
    """The combinator structure changed: judge the two conjunctions as wholes."""
    judge = Judge(cx, (_beside(cx, old), _beside(cx, new)))
    old_parts, new_parts = parts(cx, old, path), parts(cx, new, path)
    backward = judge.includes(old_parts, new_parts, a_is_old=True)
    forward = judge.includes(new_parts, old_parts, a_is_old=False)
    backward, forward = _whole(cx, old, new, path, (backward, forward))
    old_kinds = {p.kind for p in old_parts if p.kind != "node" or len(old_parts) == 1}
    new_kinds = {p.kind for p in new_parts if p.kind != "node" or len(new_parts) == 1}
    unions = {"anyOf", "oneOf"}
    same = backward is forward is Compat.OK
    if same:  # restructured, not changed: the same instances either way
        kind = ChangeKind.COMBINED_TYPE_CHANGED
    elif old_kinds == {"node"} and new_kinds & unions:
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
            f"combination changed: {'+'.join(old_shape)} → {'+'.join(new_shape)}"
            + (" (accepts the same instances)" if same else ""),
        )
    ]


def aligned(
    cx: Comparer, old: dict[str, Any], new: dict[str, Any], path: str, plain: list[Change]
) -> list[Change]:
    """Both sides use the same combinators: compare each combinator with its twin.

    `plain`: the changes of the keywords beside them. Where keyword by keyword proves
    less than the whole schemas do (a sibling moved into the branches), every change is
    capped at the verdict of the whole.
    """
    changes: list[Change] = list(plain)
    if "allOf" in old:
        changes += _lists(cx, old["allOf"], new["allOf"], child(path, "allOf"), "allOf")
    context = (_beside(cx, old), _beside(cx, new))
    for key in ("anyOf", "oneOf"):
        if key in old:
            changes += _lists(cx, old[key], new[key], child(path, key), key, context)
    if "not" in old:
        changes += [
            _flip(change) for change in cx.compare(old["not"], new["not"], child(path, "not"))
        ]
    found = _worst(changes)
    if any(change.kind in _UNDECIDED for change in changes):
        return changes  # what could not be compared stays breaking, whatever the rest proves
    # The whole may prove more only when keywords beside the combinators changed (a
    # bound moved into the branches, or out of them); otherwise the parts have said all.
    if _worst(plain) == (Compat.OK, Compat.OK):
        return changes
    backward, forward = _whole(cx, old, new, path, found)
    if (backward, forward) == found:
        return changes
    return [_cap(change, backward, forward) for change in changes]


def _whole(
    cx: Comparer,
    old: Any,
    new: Any,
    path: str,
    found: tuple[Compat, Compat],
) -> tuple[Compat, Compat]:
    """Improve on the verdicts `found` part by part with the whole-schema judgement."""
    backward, forward = found
    if backward is not Compat.OK:
        backward = min(
            backward, cx.attempt(lambda: Judge(cx).whole(old, path, new, path, a_is_old=True))
        )
    if forward is not Compat.OK:
        forward = min(
            forward, cx.attempt(lambda: Judge(cx).whole(new, path, old, path, a_is_old=False))
        )
    return backward, forward


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


def _beside(
    cx: Comparer, schema: dict[str, Any], also: frozenset[str] = frozenset()
) -> dict[str, Any] | None:
    """The keywords of `schema` beside its combinators, or None when none of them is a
    validation keyword (or one of `also`)."""
    base = {key: value for key, value in schema.items() if key not in COMBINATORS}
    return cx.store(base) if any(key in VALIDATION or key in also for key in base) else None


def _lists(
    cx: Comparer,
    old: Any,
    new: Any,
    path: str,
    key: str,
    context: tuple[Any, Any] = (None, None),
) -> list[Change]:
    """Pair branches; cap the pairs' own verdicts at what the whole combinator proves."""
    if cx.same(old, new):  # the same branches, references included: nothing can break
        return cx.notes(old, new, path)
    base = path.rsplit("/", 1)[0]
    old_branches, old_paths = _branches(cx, key, old, base)
    new_branches, new_paths = _branches(cx, key, new, base)

    # Details first, so every pair is computed (and memoised) at its own branch's path.
    details: list[Change] = []
    for index, (branch, where) in enumerate(zip(old_branches, old_paths, strict=True)):
        twins = [other for other in new_branches if cx.same(branch, other)]
        if not new_branches or twins:
            details += cx.notes(branch, twins[0], where) if twins else []
            continue
        candidates = [cx.compare(branch, other, where) for other in new_branches]
        # The least breaking pair; among equals, the branch at the same position (an
        # edited branch), then the one with fewest changes.
        best = min(
            range(len(candidates)),
            key=lambda i: (_worst(candidates[i]), i != index, len(candidates[i])),
        )
        details += candidates[best]

    if key == "allOf":
        # NEW ⊇ OLD when each new branch is implied by some old branch.
        whole_old = [Part("node", [b], [p]) for b, p in zip(old_branches, old_paths, strict=True)]
        whole_new = [Part("node", [b], [p]) for b, p in zip(new_branches, new_paths, strict=True)]
    else:
        whole_old = [Part(key, old_branches, old_paths)]
        whole_new = [Part(key, new_branches, new_paths)]
    judge = Judge(cx, context)
    backward = judge.includes(whole_old, whole_new, a_is_old=True)
    forward = judge.includes(whole_new, whole_old, a_is_old=False)
    if key == "allOf":  # merged into one schema each, the branches may prove more
        backward, forward = _whole(
            cx, cx.store({key: old}), cx.store({key: new}), base, (backward, forward)
        )
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
    if change.kind in _UNDECIDED:
        return change  # the contract: what could not be compared is rated breaking
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
        branches = first.get("allOf")
        if isinstance(branches, list) and any(
            disjoint(cx, x, first_side, second, second_side, depth + 1) for x in branches
        ):
            return True  # first implies that branch, which shares nothing with second
        if finite.rejected_by_either(cx, first, first_side, second, second_side):
            return True
        if "not" in first and _implies(cx, second, second_side, first["not"], first_side):
            return True  # second lies inside what first negates
    a_types, b_types = type_set(a), type_set(b)
    if a_types is not None and b_types is not None and not _types_overlap(a_types, b_types):
        return True
    if _ranges_apart(_flat(a), a_side, _flat(b), b_side):
        return True
    a_props, b_props = a.get("properties"), b.get("properties")
    objects_only = a_types == b_types == frozenset({"object"})
    if objects_only and isinstance(a_props, dict) and isinstance(b_props, dict):
        shared = set(_names(a.get("required"))) & set(_names(b.get("required")))
        for name in sorted(shared & a_props.keys() & b_props.keys()):
            if disjoint(cx, a_props[name], a_side, b_props[name], b_side, depth + 1):
                return True
    return False


def _closed_names(schema: Any) -> frozenset[str] | None:
    """The only property names an instance of `schema` may have, when it accepts objects
    only and closes them (`additionalProperties: false`, no patternProperties)."""
    if not isinstance(schema, dict) or type_set(schema) != frozenset({"object"}):
        return None
    declared = schema.get("properties", {})
    if schema.get("additionalProperties") is not False or schema.get("patternProperties"):
        return None
    return frozenset(declared) if isinstance(declared, dict) else None


_REST_DEPENDENT = frozenset({"patternProperties", "unevaluatedProperties"}) | UNMODELLED


def _restricted(cx: Comparer, schema: Any, names: frozenset[str]) -> dict[str, Any] | None:
    """`schema` and "an object with no property outside `names`", as one schema: each
    name gets the schema its own keywords give it (its `properties` entry, else
    `additionalProperties`), every other name is refused. None where a keyword whose
    meaning depends on the other names (patternProperties, unevaluatedProperties) or
    one the engine does not model is there."""
    if not isinstance(schema, dict) or schema.keys() & _REST_DEPENDENT or malformed(schema):
        return None
    types = type_set(schema)
    if types is not None and "object" not in types:
        return None
    declared = schema.get("properties", {})
    rest = schema.get("additionalProperties", True)
    kept = {
        name: declared.get(name, rest)
        for name in sorted(names)
        if name in declared or rest is not False
    }
    view = {**schema, "type": "object", "properties": kept, "additionalProperties": False}
    cx.store(view)
    return view


def _by_values(cx: Comparer, piece: Any, side: Side) -> list[Any] | None:
    """`piece` split on the first required property whose schema lists its values
    (`enum`, two to MAX_ALTERNATIVES of them): one piece per value, their union exactly
    `piece`. None when no such property is there."""
    from drift.diff.products import MAX_ALTERNATIVES  # noqa: PLC0415 (imported by the first union split)

    if not isinstance(piece, dict) or type_set(piece) != frozenset({"object"}):
        return None
    if dialect(side) == "draft-03":
        return None  # there `required` is a flag inside each property
    declared = piece.get("properties")
    if not isinstance(declared, dict) or malformed(piece):
        return None
    for name in _names(piece.get("required")):
        value = declared.get(name)
        if not isinstance(value, dict) or "$ref" in value or malformed(value):
            continue
        listed = value.get("enum")
        if isinstance(listed, list) and 2 <= len(listed) <= MAX_ALTERNATIVES:
            return [
                cx.store({**piece, "properties": {**declared, name: {**value, "enum": [item]}}})
                for item in listed
            ]
    return None


def _names(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _types_overlap(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a & b) or ("integer" in a and "number" in b) or ("number" in a and "integer" in b)


def _implies(cx: Comparer, x: Any, x_side: Side, y: Any, y_side: Side) -> bool:
    """x ⊆ y, proved cheaply: equal in meaning, or y only asks for types x keeps to."""
    if x_side is y_side and json_equal(x, y):
        return True  # the same text on the same side: the same references too
    if x_side is not y_side and (cx.same(x, y) if x_side is cx.old else cx.same(y, x)):
        return True
    y, _, error = y_side.resolve(y, "")
    if error or not isinstance(x, dict) or not isinstance(y, dict):
        return y is True
    probe = cx.evaluation.evaluator(y_side)
    if any(probe.active(key) and key != "type" for key in y) or malformed(y):
        return False
    return types_include(type_set(y), type_set(x))


# -- disjoint ranges ------------------------------------------------------------------------
# Each schema is read as a set of instances no smaller than its real one (keywords other
# than type and the bounds are left out), so an empty intersection is still a proof.

_ATOMS = {
    "null": {"null"},
    "boolean": {"boolean"},
    "string": {"string"},
    "array": {"array"},
    "object": {"object"},
    "integer": {"integer"},
    "number": {"integer", "fraction"},  # a fraction: a number that is not an integer
}
_COUNTED = {  # the type a count bounds: its lower and upper keyword
    "string": ("minLength", "maxLength"),
    "array": ("minItems", "maxItems"),
    "object": ("minProperties", "maxProperties"),
}


def _ranges_apart(a: dict[str, Any], a_side: Side, b: dict[str, Any], b_side: Side) -> bool:
    """No type both allow has a value inside both schemas' ranges (numbers, lengths,
    item and property counts): a range only constrains its own type."""
    if "draft-03" in (dialect(a_side), dialect(b_side)):
        return False  # draft-03's `required` and `type` mean other things
    common = _atoms(a) & _atoms(b)
    return all(_empty_in(atom, a, a_side, b, b_side) for atom in common)


def _flat(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with the keywords of its plain allOf branches beside its own (a
    conjunction either way), when no keyword repeats; else the schema as it is."""
    branches = schema.get("allOf")
    if not isinstance(branches, list):
        return schema
    merged = {key: value for key, value in schema.items() if key != "allOf"}
    for branch in branches:
        if not isinstance(branch, dict) or "$ref" in branch or merged.keys() & branch.keys():
            return schema
        merged.update(branch)
    return merged


def _atoms(schema: dict[str, Any]) -> set[str]:
    types = type_set(schema)
    names = ALL_TYPES if types is None else types
    return set().union(*(_ATOMS[name] for name in names))


def _empty_in(atom: str, a: dict[str, Any], a_side: Side, b: dict[str, Any], b_side: Side) -> bool:
    if atom in _COUNTED:
        low_key, high_key = _COUNTED[atom]
        lows = [_count(s.get(low_key)) or 0 for s in (a, b)]
        if atom == "object":
            lows += [len(set(_names(s.get("required")))) for s in (a, b)]
        highs = [_count(s.get(high_key)) for s in (a, b)]
        low = math.ceil(max(lows))
        if atom == "object" and (_forbids_required(a, b) or _forbids_required(b, a)):
            return True
        return any(high is not None and math.floor(high) < low for high in highs)
    if atom not in ("integer", "fraction"):
        return False
    limits = [_limits(a, a_side), _limits(b, b_side)]
    lower = max((low for low, _ in limits if low), default=None, key=_rank_lower)
    upper = min((high for _, high in limits if high), default=None, key=_rank_upper)
    if lower is None or upper is None:
        return False
    (start, start_open), (end, end_open) = lower, upper
    if atom == "integer":
        first = math.floor(start) + 1 if start_open else math.ceil(start)
        last = math.ceil(end) - 1 if end_open else math.floor(end)
        return first > last
    if start != end:
        return start > end
    return start_open or end_open or start.denominator == 1


def _forbids_required(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """`a` forbids a property that `b` requires: `properties: {name: false}`, or a name
    `a` does not declare while `additionalProperties: false` closes it (and no
    patternProperties could admit the name)."""
    declared = a.get("properties", {})
    if not isinstance(declared, dict):
        return False
    closed = a.get("additionalProperties") is False and not a.get("patternProperties")
    return any(
        declared.get(name) is False or (closed and name not in declared)
        for name in _names(b.get("required"))
    )


def _rank_lower(limit: Limit) -> tuple[Fraction, bool]:
    return limit  # higher value, then exclusive, is tighter


def _rank_upper(limit: Limit) -> tuple[Fraction, bool]:
    return (limit[0], not limit[1])  # lower value, then exclusive, is tighter


def _count(value: Any) -> float | int | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _limits(schema: dict[str, Any], side: Side) -> tuple[Limit | None, Limit | None]:
    """The numeric range, exact in binary (what validators compare); none when the form of
    an exclusive bound does not match the draft (what a validator does then is unknown)."""
    from fractions import Fraction  # noqa: PLC0415 (a run whose ranges agree never needs it)

    draft_04 = dialect(side) == "draft-04"
    found: list[Limit | None] = []
    for inclusive_key, exclusive_key in (
        ("minimum", "exclusiveMinimum"),
        ("maximum", "exclusiveMaximum"),
    ):
        flag = schema.get(exclusive_key)
        if isinstance(flag, bool) != draft_04 and exclusive_key in schema:
            return None, None
        candidates: list[Limit] = []
        bound = _count(schema.get(inclusive_key))
        if bound is not None:
            candidates.append((Fraction(bound), flag is True))
        exclusive = _count(flag)
        if exclusive is not None:
            candidates.append((Fraction(exclusive), True))
        rank = _rank_lower if inclusive_key == "minimum" else _rank_upper
        choose = max if inclusive_key == "minimum" else min
        found.append(choose(candidates, key=rank) if candidates else None)
    return found[0], found[1]


# -- the complement of a schema ----------------------------------------------------------------

_VACUOUS_VALUES: tuple[Any, ...] = ({}, [], True)
_COUNT_TYPE = {key: kind for kind, keys in _COUNTED.items() for key in keys}


def complement(cx: Comparer, schema: Any, side: Side, depth: int = 0) -> list[Any] | None:
    """Schemas whose union holds every instance `schema` rejects (not (k1 and k2 …)
    is (not k1) or (not k2) …), or None when some keyword's complement is not expressible here."""
    schema, _, error = side.resolve(schema, "")
    if error or depth > 8:
        return None
    if isinstance(schema, bool):
        return [] if schema else [True]
    if not isinstance(schema, dict) or malformed(schema):
        return None
    probe = cx.evaluation.evaluator(side)
    pieces: list[Any] = []
    for key, value in schema.items():
        if not probe.active(key):
            continue  # annotations, vendor keys, keywords this draft does not have
        found = _complement_of(cx, key, value, schema, side, depth)
        if found is None:
            return None
        pieces += found
    return pieces


def _complement_of(
    cx: Comparer, key: str, value: Any, schema: dict[str, Any], side: Side, depth: int
) -> list[Any] | None:
    if key == "not":
        return [value]
    if key == "allOf":
        pieces: list[Any] = []
        for branch in value:
            found = complement(cx, branch, side, depth + 1)
            if found is None:
                return None
            pieces += found
        return pieces
    if key == "type":
        names = {value} if isinstance(value, str) else set(value)
        others = ALL_TYPES - names - ({"integer"} if "number" in names else set())
        return [cx.store({"type": sorted(others)})] if others else []
    if key in _COUNT_TYPE:
        lower = key.startswith("min")
        if lower and value <= 0:
            return []
        other = ("max" if lower else "min") + key[3:]
        bound = math.ceil(value) - 1 if lower else math.floor(value) + 1
        return [cx.store({"type": _COUNT_TYPE[key], other: bound})]
    if key == "required":
        return [cx.store({"type": "object", "properties": {name: False}}) for name in set(value)]
    if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return _numeric_complement(cx, key, value, schema, side)
    if value in _VACUOUS_VALUES and key in _VACUOUS_KEYS:
        return []
    return None


_VACUOUS_KEYS = frozenset(
    {"properties", "patternProperties", "additionalProperties", "items", "propertyNames"}
)


def _numeric_complement(
    cx: Comparer, key: str, value: Any, schema: dict[str, Any], side: Side
) -> list[Any] | None:
    draft_04 = dialect(side) == "draft-04"
    if key.startswith("exclusive"):
        if isinstance(value, bool) != draft_04:
            return None  # a form this draft does not have
        if isinstance(value, bool):
            return []  # draft-04: it only modifies minimum/maximum
        flip = "maximum" if key == "exclusiveMinimum" else "minimum"
        return [cx.store({"type": "number", flip: value})]
    flag = schema.get("exclusiveMinimum" if key == "minimum" else "exclusiveMaximum")
    if isinstance(flag, bool) != draft_04 and flag is not None:
        return None
    flip = "maximum" if key == "minimum" else "minimum"
    if flag is True:  # draft-04: v > m is refused exactly by v <= m
        return [cx.store({"type": "number", flip: value})]
    if draft_04:
        exclusive = "exclusiveMaximum" if key == "minimum" else "exclusiveMinimum"
        return [cx.store({"type": "number", flip: value, exclusive: True})]
    exclusive = "exclusiveMaximum" if key == "minimum" else "exclusiveMinimum"
    return [cx.store({"type": "number", exclusive: value})]
