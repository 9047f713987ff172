"""The comparison walk: resolves `$ref`, memoises pairs, spends a budget, dispatches per family.

Every comparison is `compare(old_node, new_node, path)` and returns `Change`s that
carry a verdict for both directions: `backward` (does NEW accept all OLD accepts?)
and `forward` (does OLD accept all NEW accepts?). Where the engine cannot prove
an inclusion it says BREAKING — never silently compatible.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from drift.diff import arrays, combinators, numbers, objects, scalars
from drift.diff.keywords import (
    ANNOTATIONS,
    COMBINATORS,
    DEFINITIONS,
    KNOWN,
    METADATA,
    VALIDATION,
)
from drift.diff.model import Change, ChangeKind, Compat

DEFAULT_BUDGET = 20_000
_OLD_DRAFTS = ("draft-03", "draft-04", "draft-06", "draft-07")


class TooComplex(Exception):
    """The comparison budget ran out."""


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


def worst(changes: Iterable[Change], backward: bool) -> Compat:
    levels = [change.backward if backward else change.forward for change in changes]
    return max(levels, default=Compat.OK)


def child(path: str, *tokens: str | int) -> str:
    for token in tokens:
        path = f"{path}/{str(token).replace('~', '~0').replace('/', '~1')}"
    return path


def canon(value: Any) -> str:
    return json.dumps(normalise(value), sort_keys=True)


def normalise(value: Any) -> Any:
    """JSON equality: 1 == 1.0, but true != 1."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise(item) for item in value]
    return value


class Side:
    """One document: resolves local `$ref`s and remembers which definitions were reached."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.visited: set[str] = set()
        self.keep: list[Any] = []  # synthetic nodes, kept alive so their ids stay unique
        schema = root.get("$schema", "") if isinstance(root, dict) else ""
        self.ref_siblings_apply = not any(d in str(schema) for d in _OLD_DRAFTS)

    def pointer(self, ref: str) -> tuple[Any, str] | None:
        if not ref.startswith("#"):
            return None
        fragment = unquote(ref[1:])
        if fragment and not fragment.startswith("/"):
            return None  # an anchor: not supported
        node: Any = self.root
        for raw in fragment.split("/")[1:]:
            token = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return None
        return node, fragment or ""

    def resolve(self, node: Any, path: str) -> tuple[Any, str, str | None]:
        """Follow `$ref` chains: (node, path to report, error or None)."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            siblings = {k: v for k, v in node.items() if k in VALIDATION and k != "$ref"}
            if ref in seen:
                return node, path, f"$ref {ref!r} refers to itself"
            seen.add(ref)
            found = self.pointer(ref)
            if found is None:
                return node, path, f"$ref {ref!r} cannot be resolved (only local JSON pointers are)"
            target, pointer = found
            self.visited.add(pointer)
            if siblings and self.ref_siblings_apply:
                conjunction = {"allOf": [target, siblings]}
                self.keep.append(conjunction)
                return conjunction, path, None
            node, path = target, pointer
        return node, path, None


class Comparer:
    def __init__(self, old_root: Any, new_root: Any, budget: int) -> None:
        self.old = Side(old_root)
        self.new = Side(new_root)
        self.budget = budget
        self.steps = 0
        self._memo: dict[tuple[int, int], list[Change]] = {}
        self._stack: list[tuple[int, int]] = []
        self._low: list[int] = []  # lowest active frame each frame's result depends on
        self._canon: dict[int, str] = {}

    # -- entry points used by the keyword families --------------------------------------

    def compare(self, old: Any, new: Any, path: str) -> list[Change]:
        self.steps += 1
        if self.steps > self.budget:
            raise TooComplex
        old, path, old_error = self.old.resolve(old, path)
        new, _, new_error = self.new.resolve(new, path)
        if old_error or new_error:
            if old_error and new_error and old.get("$ref") == new.get("$ref"):
                return []  # the same unresolvable reference on both sides
            message = old_error or new_error or ""
            return [
                make(
                    ChangeKind.REF_UNRESOLVED,
                    path,
                    old.get("$ref") if isinstance(old, dict) else None,
                    new.get("$ref") if isinstance(new, dict) else None,
                    (Compat.BREAKING, Compat.BREAKING),
                    f"{message}; cannot prove compatibility",
                )
            ]
        key = (id(old), id(new))
        if key in self._memo:
            return self._memo[key]
        if key in self._stack:  # a cycle: assume it holds (coinduction), note the dependency
            depth = self._stack.index(key)
            if self._low:
                self._low[-1] = min(self._low[-1], depth)
            return []
        self._stack.append(key)
        self._low.append(len(self._stack) - 1)
        try:
            result = self._compare(old, new, path)
        finally:
            self._stack.pop()
            low = self._low.pop()
        depth = len(self._stack)
        if low >= depth:
            self._memo[key] = result  # depends on no frame still open: final
        elif self._low:
            self._low[-1] = min(self._low[-1], low)
        return result

    def backward(self, old: Any, new: Any, path: str) -> Compat:
        """Level at which NEW accepts everything OLD accepts."""
        return worst(self.compare(old, new, path), backward=True)

    def forward(self, old: Any, new: Any, path: str) -> Compat:
        """Level at which OLD accepts everything NEW accepts."""
        return worst(self.compare(old, new, path), backward=False)

    def same(self, old: Any, new: Any) -> bool:
        """Textually equal and free of references (so equal in meaning too)."""
        text = self.canon(old)
        return text == self.canon(new) and '"$ref"' not in text

    def canon(self, node: Any) -> str:
        key = id(node)
        if key not in self._canon:
            self._canon[key] = canon(node)
        return self._canon[key]

    def trivial(self, node: Any, side: Side) -> bool | None:
        """True: accepts everything; False: accepts nothing; None: neither, as far as seen."""
        node, _, error = side.resolve(node, "")
        if error:
            return None
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict):
            return None
        if "not" in node and self.trivial(node["not"], side) is True:
            return False
        if node.get("enum") == [] or node.get("type") == []:
            return False
        return True if all(_vacuous(key, value) for key, value in node.items()) else None

    def store(self, node: Any) -> Any:
        """Keep a synthetic node alive for the comparison's lifetime."""
        self.old.keep.append(node)
        return node

    # -- the walk ------------------------------------------------------------------------

    def _compare(self, old: Any, new: Any, path: str) -> list[Change]:
        if old is new or self.same(old, new):
            return []
        cosmetic = _annotations(old, new, path)
        old_trivial, new_trivial = self.trivial(old, self.old), self.trivial(new, self.new)
        if old_trivial is not None and old_trivial == new_trivial:
            return cosmetic
        # Schemas that accept nothing, and the literal `true`, are judged whole; an object
        # that happens to accept everything ({"additionalProperties": true}) goes keyword
        # by keyword, so Confluent's rules for each keyword still apply.
        if old_trivial is False or new is True:
            return [*cosmetic, _whole(ChangeKind.SCHEMA_WIDENED, path, old, new)]
        if new_trivial is False or old is True:
            return [*cosmetic, _whole(ChangeKind.SCHEMA_NARROWED, path, old, new)]
        if not (isinstance(old, dict) and isinstance(new, dict)):
            return [
                make(
                    ChangeKind.UNSUPPORTED_KEYWORD,
                    path,
                    old,
                    new,
                    (Compat.BREAKING, Compat.BREAKING),
                    "not a JSON Schema (neither an object nor a boolean)",
                )
            ]

        old_single = combinators.singleton(old)
        new_single = combinators.singleton(new)
        if old_single or new_single:
            old_node, old_path = old_single or (old, path)
            new_node = new_single[0] if new_single else new
            return cosmetic + self.compare(old_node, new_node, old_path)

        old_comb = {key for key in COMBINATORS if key in old}
        new_comb = {key for key in COMBINATORS if key in new}
        if old_comb != new_comb:
            return cosmetic + combinators.structural(self, old, new, path)
        changes = cosmetic + self.plain(old, new, path)
        if old_comb:
            changes += combinators.aligned(self, old, new, path)
        return changes

    def plain(self, old: dict[str, Any], new: dict[str, Any], path: str) -> list[Change]:
        """Compare the keywords that are not combinators, family by family."""
        changes = scalars.compare(self, old, new, path)
        changes += numbers.compare(self, old, new, path)
        changes += objects.compare(self, old, new, path)
        changes += arrays.compare(self, old, new, path)
        for key in sorted((old.keys() | new.keys()) - KNOWN):
            if canon(old.get(key)) != canon(new.get(key)):
                changes.append(
                    make(
                        ChangeKind.UNSUPPORTED_KEYWORD,
                        child(path, key),
                        old.get(key),
                        new.get(key),
                        (Compat.BREAKING, Compat.BREAKING),
                        f"unsupported keyword {key!r} changed; cannot prove compatibility",
                    )
                )
        return changes


_VACUOUS: dict[str, Any] = {
    "properties": {},
    "patternProperties": {},
    "required": [],
    "dependencies": {},
    "dependentRequired": {},
    "dependentSchemas": {},
    "allOf": [],
    "prefixItems": [],
    "minLength": 0,
    "minItems": 0,
    "minProperties": 0,
    "uniqueItems": False,
}
_TRUE_SCHEMA_KEYWORDS = {
    "additionalProperties",
    "items",
    "additionalItems",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
}


def _vacuous(key: str, value: Any) -> bool:
    if key not in VALIDATION:
        return True
    if key in _TRUE_SCHEMA_KEYWORDS:
        return value is True or value == {}
    return key in _VACUOUS and value == _VACUOUS[key]


def _whole(kind: ChangeKind, path: str, old: Any, new: Any) -> Change:
    widened = kind is ChangeKind.SCHEMA_WIDENED
    verdict = Relation.WIDER if widened else Relation.NARROWER
    what = "now accepts more" if widened else "now accepts less"
    return make(
        kind,
        path,
        old if isinstance(old, bool) else None,
        new if isinstance(new, bool) else None,
        verdict,
        f"schema {what}",
    )


def _annotations(old: Any, new: Any, path: str) -> list[Change]:
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return []
    changes = []
    for key in sorted((old.keys() | new.keys()) & (ANNOTATIONS | METADATA)):
        if canon(old.get(key)) != canon(new.get(key)):
            kind = (
                ChangeKind.ANNOTATION_CHANGED if key in ANNOTATIONS else ChangeKind.METADATA_CHANGED
            )
            changes.append(
                make(
                    kind,
                    child(path, key),
                    old.get(key),
                    new.get(key),
                    (Compat.OK, Compat.OK),
                    f"{key} changed (documentation only)",
                )
            )
    return changes


def unreferenced_definitions(cx: Comparer) -> list[Change]:
    """Definitions no reference reached: their changes cannot affect validation."""
    old_root, new_root = cx.old.root, cx.new.root
    if not (isinstance(old_root, dict) and isinstance(new_root, dict)):
        return []
    changes = []
    for container in sorted(DEFINITIONS):
        old_defs, new_defs = old_root.get(container) or {}, new_root.get(container) or {}
        if not (isinstance(old_defs, dict) and isinstance(new_defs, dict)):
            continue
        for name in sorted(old_defs.keys() | new_defs.keys()):
            pointer = child("", container, name)
            if pointer in cx.old.visited or pointer in cx.new.visited:
                continue
            if canon(old_defs.get(name)) != canon(new_defs.get(name)):
                changes.append(
                    make(
                        ChangeKind.UNREFERENCED_DEFINITION_CHANGED,
                        pointer,
                        old_defs.get(name),
                        new_defs.get(name),
                        (Compat.OK, Compat.OK),
                        f"definition {name!r} changed, but nothing references it",
                    )
                )
    return changes


def compare_documents(old: Any, new: Any, *, budget: int = DEFAULT_BUDGET) -> list[Change]:
    """Every change between two schema documents, in document order, without duplicates."""
    if canon(old) == canon(new):
        return []
    cx = Comparer(old, new, budget)
    try:
        changes = cx.compare(old, new, "")
    except TooComplex:
        return [
            make(
                ChangeKind.TOO_COMPLEX,
                "/",
                None,
                None,
                (Compat.BREAKING, Compat.BREAKING),
                f"too complex to prove compatible: gave up after {budget} comparisons",
            )
        ]
    changes += unreferenced_definitions(cx)
    unique: dict[tuple[str, str, str, str], Change] = {}
    for change in changes:
        key = (change.kind.value, change.path, canon(change.old), canon(change.new))
        previous = unique.get(key)
        if previous is None or (previous.backward, previous.forward) < (
            change.backward,
            change.forward,
        ):
            unique[key] = change
    return list(unique.values())
