"""The comparison walk: resolves `$ref`, memoises pairs, spends a budget, dispatches per family.

Every comparison is `compare(old_node, new_node, path)` and returns `Change`s that
carry a verdict for both directions: `backward` (does NEW accept all OLD accepts?)
and `forward` (does OLD accept all NEW accepts?). Where the engine cannot prove
an inclusion it says BREAKING — never silently compatible.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from drift.diff import arrays, finite, numbers, objects, scalars
from drift.diff.base import (
    Relation,
    canon,
    child,
    json_equal,
    make,
    unproven,
    worst,
)
from drift.diff.evaluate import Budget
from drift.diff.keywords import (
    ANNOTATIONS,
    COMBINATORS,
    DEFINITIONS,
    DRAFT_VOCABULARY,
    FORMS,
    IGNORED,
    KNOWN,
    METADATA,
    VALIDATION,
    malformed,
)
from drift.diff.model import Change, Compat
from drift.vocabulary import ChangeKind

DEFAULT_BUDGET = 20_000
"""Comparisons one diff may make before it gives up with one `too_complex` change."""

MAX_DIFF_DEPTH = 64
# Steps that the optional whole-schema proofs of one diff may take (combinators._whole).
# They are tried only where the walk found a break; the walk's own budget is not spent by
# them, so a proof that runs out just proves nothing, and never turns a diff into
# too_complex.
MAX_PROOF_STEPS = 4_000
# Whole-schema proofs started inside one another. A proof splits schemas into new pieces
# (no memo knows them), whose comparison may try a proof again: past this, it proves
# nothing rather than recursing without end.
MAX_PROOF_NESTING = 3
"""Subschemas open inside one another during the walk (`properties` in `properties`, …).

A pair of differing subschemas deeper than this is one breaking `too_complex` change at
its path instead of a deeper descent: the walk is recursive, and Python's stack is not
unbounded. Real schemas stay below 20; the loaders' MAX_NESTING lets through about 100.
"""
_OLD_DRAFTS = ("draft-03", "draft-04", "draft-06", "draft-07")
UNEVALUATED = ("unevaluatedProperties", "unevaluatedItems")


class TooComplex(Exception):
    """The comparison budget ran out."""


# Keywords a draft does not have: there they are unknown (and unsupported when changed).
INACTIVE = {
    "legacy": frozenset(
        {
            "prefixItems",
            "dependentRequired",
            "dependentSchemas",
            "unevaluatedProperties",
            "unevaluatedItems",
            "minContains",
            "maxContains",
        }
    ),
    "2019-09": frozenset({"prefixItems", "dependencies"}),
    "2020-12": frozenset({"dependencies", "additionalItems"}),
}


def draft_family(root: Any) -> str | None:
    """legacy (draft-03 to 07), 2019-09, 2020-12, or None when `$schema` does not say."""
    schema = root.get("$schema") if isinstance(root, dict) else None
    if not isinstance(schema, str):
        return None
    for family in ("2020-12", "2019-09"):
        if family in schema:
            return family
    return "legacy" if any(draft in schema for draft in _OLD_DRAFTS) else None


class Side:
    """One document: resolves local `$ref`s and remembers which definitions were reached."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.visited: set[str] = set()
        self.keep: list[Any] = []  # synthetic nodes, kept alive so their ids stay unique
        self.family = draft_family(root)
        self.inactive = INACTIVE.get(self.family or "", frozenset())
        self.ref_siblings_apply = self.family != "legacy"
        self.branch_paths: dict[int, list[str]] = {}  # synthetic allOf lists → real paths

    @functools.cached_property
    def embeds(self) -> bool:
        """A nested `$id` (or draft-04 `id`) names a resource inside this document."""
        return bool(self.resources)

    @functools.cached_property
    def resources(self) -> dict[str, tuple[str, Any]]:
        """The resources embedded below the root: pointer → (their `$id`, their node)."""
        return _resources(self.root)

    @functools.cached_property
    def mentioned(self) -> frozenset[str]:
        """The local pointers `$ref`s name that validation can reach: from the root
        outside its definitions, then through each target reached, transitively. A
        definition named only by other unreachable definitions never applies.

        Scanned only if a definition changed unseen. Where a reference is an anchor
        (`#name`), a `$dynamicRef`/`$recursiveRef`, or cannot be resolved, what it
        reaches is unknown: then every pointer any `$ref` names counts.
        """
        reached = _reachable_refs(self)
        return _mentioned_refs(self.root) if reached is None else reached

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
            siblings = ref_siblings(node)
            if ref in seen:
                return node, path, f"$ref {ref!r} refers to itself"
            seen.add(ref)
            found = self.pointer(ref)
            if found is None:
                return node, path, f"$ref {ref!r} cannot be resolved (only local JSON pointers are)"
            target, pointer = found
            self.visited.add(pointer)
            if siblings and self.ref_siblings_apply:
                # unevaluated* also see what the target evaluates: they stay beside both.
                beside = {k: siblings.pop(k) for k in UNEVALUATED if k in siblings}
                conjunction = {"allOf": [target, siblings], **beside}
                self.keep.append(conjunction)
                # Report inside the target where it is defined, the siblings where they are.
                self.branch_paths[id(conjunction["allOf"])] = [pointer, path]
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
        self._alike_memo: dict[tuple[int, int], tuple[bool, Any, Any]] = {}
        self._traits: dict[int, tuple[bool, bool]] = {}
        self._agree: dict[int, bool] = {}  # node → its references agree on both sides
        self.evaluation = Budget()  # values checked against schemas (drift.diff.evaluate)
        self.proof_steps = MAX_PROOF_STEPS  # left for optional proofs (attempt)
        self._attempting = 0  # proofs open inside one another

    def attempt(self, prove: Callable[[], Compat]) -> Compat:
        """Run an optional proof on steps of its own (what is left of MAX_PROOF_STEPS).

        The walk's budget is untouched: steps the proof takes are given back, and a proof
        that runs out proves nothing (BREAKING). Nested attempts share the outermost one's
        limit, at most MAX_PROOF_NESTING deep.
        """
        if self._attempting >= MAX_PROOF_NESTING:
            return Compat.BREAKING
        if self._attempting:
            self._attempting += 1
            try:
                return prove()
            finally:
                self._attempting -= 1
        if self.proof_steps <= 0:
            return Compat.BREAKING
        start, budget = self.steps, self.budget
        self.budget, self._attempting = start + self.proof_steps, 1
        try:
            return prove()
        except TooComplex:
            return Compat.BREAKING
        finally:
            self.proof_steps -= self.steps - start
            self.steps, self.budget, self._attempting = start, budget, 0

    # -- entry points used by the keyword families --------------------------------------

    def compare(self, old: Any, new: Any, path: str) -> list[Change]:
        self.steps += 1
        if self.steps > self.budget:
            raise TooComplex
        # Annotations beside a $ref (pydantic's Field(description=...)) belong to this site.
        site: list[Change] = []
        if _is_ref(old) or _is_ref(new):
            site = _annotations(old, new, path)
            return site + self._resolved(old, new, path)
        return self._resolved(old, new, path)

    def _resolved(self, old: Any, new: Any, path: str) -> list[Change]:
        old_ref = old.get("$ref") if isinstance(old, dict) else None
        same_ref = (
            old_ref is not None
            and isinstance(new, dict)
            and new.get("$ref") == old_ref
            and ref_siblings(old) == ref_siblings(new)  # else the site itself changed
        )
        old, target_path, old_error = self.old.resolve(old, path)
        new, _, new_error = self.new.resolve(new, path)
        # A definition both sides share is reported where it is defined; a reference
        # added, removed or retargeted is reported where it is used.
        path = target_path if same_ref else path
        if old_error or new_error:
            if old_error and new_error and old.get("$ref") == new.get("$ref"):
                return []  # the same unresolvable reference on both sides
            message = old_error or new_error or ""
            return [
                unproven(
                    path,
                    old.get("$ref") if isinstance(old, dict) else None,
                    new.get("$ref") if isinstance(new, dict) else None,
                    message,
                    ChangeKind.REF_UNRESOLVED,
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
            if result:  # a finite side (enum, const) is decided by evaluating its values
                result = finite.settle(self, old, new, result)
        finally:
            self._stack.pop()
            low = self._low.pop()
        depth = len(self._stack)
        if low >= depth:
            self._memo[key] = result  # depends on no frame still open: final
        elif self._low:
            self._low[-1] = min(self._low[-1], low)
        return result

    def _active(self, node: dict[str, Any], side: Side) -> dict[str, Any]:
        if not (node.keys() & side.inactive):
            return node
        view = {k: v for k, v in node.items() if k not in side.inactive}
        self.store(view)
        return view

    def _applicable(self, node: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
        """The node without keywords of a type its own `type` rules out (`maxLength`
        beside `type: integer` constrains nothing: it applies to strings only). One the
        other side holds unchanged stays: an equal keyword is no change either way."""
        types = scalars.type_set(node)
        if types is None:
            return node
        drop = [
            key
            for key in node
            if key in _TYPED_KEYWORDS
            and not (_TYPED_KEYWORDS[key] & types)
            # draft-03's `required: true` is about the parent object, whatever the type
            and not (key == "required" and not isinstance(node[key], list))
            and not (key in other and json_equal(node[key], other[key]))
        ]
        if not drop:
            return node
        view = {k: v for k, v in node.items() if k not in drop}
        self.store(view)
        return view

    def _unevaluated(self, old: dict[str, Any], new: dict[str, Any], path: str) -> list[Change]:
        """unevaluated* beside an applicator depend on what every subschema evaluates: any
        other change is unproven. Beside none, the object and array families read them as
        additionalProperties and the tuple's rest (objects.Model, arrays.Shape), exactly."""
        keys = [
            k
            for k in UNEVALUATED
            if not (self._read_exactly(old, k, self.old) and self._read_exactly(new, k, self.new))
        ]
        if not keys:
            return []
        stripped_old = {k: v for k, v in old.items() if k not in ANNOTATIONS | METADATA}
        stripped_new = {k: v for k, v in new.items() if k not in ANNOTATIONS | METADATA}
        if self.traits(old)[0] is False and json_equal(stripped_old, stripped_new):
            return []
        return [
            unproven(
                child(path, keys[0]),
                old.get(keys[0]),
                new.get(keys[0]),
                f"{keys[0]} present and the schema changed: what counts as evaluated depends "
                "on every subschema",
            )
        ]

    def _read_exactly(self, node: dict[str, Any], key: str, side: Side) -> bool:
        """`key` is vacuous, or beside no subschema that could evaluate for it."""
        if self.trivial(node.get(key, True), side) is True:
            return True
        if key == "unevaluatedProperties":
            return objects.evaluates_properties_alone(node)
        return arrays.evaluates_items_alone(node)

    def backward(self, old: Any, new: Any, path: str) -> Compat:
        """Level at which NEW accepts everything OLD accepts."""
        return worst(self.compare(old, new, path), backward=True)

    def forward(self, old: Any, new: Any, path: str) -> Compat:
        """Level at which OLD accepts everything NEW accepts."""
        return worst(self.compare(old, new, path), backward=False)

    def same(self, old: Any, new: Any) -> bool:
        """Equal but for annotations (`title`, `description`, `$id`, vendor keywords …),
        and every `$ref` in them leads to definitions equal in the same sense on both
        sides: such parts validate alike, so they cost nothing, before any branch or
        overlap reasoning. `notes` lists what differs in them (all cosmetic)."""
        if self.old.inactive != self.new.inactive:
            # drafts whose keywords differ (none declared on one side): a keyword may
            # mean something on one side only, so only JSON equality is sameness
            if not json_equal(old, new):
                return False
        elif not self.alike(old, new):
            return False
        return not self.traits(old)[0] or self._refs_agree(old)

    def _refs_agree(self, node: Any) -> bool:
        """Every reference reachable from `node` resolves, on both sides, to content
        equal but for annotations, under the same draft (which decides what the
        keywords mean)."""
        key = id(node)
        known = self._agree.get(key)
        if known is not None:
            return known
        agree = self.old.family == self.new.family
        pending, seen = _refs_in(node), set()
        while agree and pending:
            ref = pending.pop()
            if ref in seen:
                continue
            seen.add(ref)
            found_old, found_new = self.old.pointer(ref), self.new.pointer(ref)
            if found_old is None and found_new is None and self._same_elsewhere(ref):
                continue
            if found_old is None or found_new is None:
                agree = False
                break
            target_old, target_new = found_old[0], found_new[0]
            agree = self.alike(target_old, target_new)
            pending += _refs_in(target_old)
        self._agree[key] = agree
        return agree

    def _same_elsewhere(self, ref: str) -> bool:
        """`ref` names another document, alike on both sides, and neither side embeds a
        resource of its own (a nested `$id`) that such a name could mean instead.

        The engine never fetches documents: both sides mean the same one, whatever it
        holds (`_resolved` rates the same unresolvable reference on both sides alike).
        Where they embed resources, the same name may mean one of them: it still means
        alike content when both embed the same names at the same places, each alike.
        """
        if ref.startswith("#"):
            return False
        return not (self.old.embeds or self.new.embeds) or self._resources_agree

    @functools.cached_property
    def _resources_agree(self) -> bool:
        old, new = self.old.resources, self.new.resources
        return old.keys() == new.keys() and all(
            name == new[where][0] and self.alike(node, new[where][1])
            for where, (name, node) in old.items()
        )

    def alike(self, old: Any, new: Any) -> bool:
        """Equal as JSON (1 == 1.0, true != 1) once the annotations of every subschema
        in them are set aside (see `_note`); data (`enum`, `const`, …) counts whole.

        Stops at the first difference, and remembers each pair of objects it decided
        (keeping them alive, so their ids stay theirs): along one walk, every pair of
        subschemas is looked at once.
        """
        if old is new:
            return True
        if isinstance(old, list) and isinstance(new, list):
            return len(old) == len(new) and all(
                self.alike(a, b) for a, b in zip(old, new, strict=True)
            )
        if not (isinstance(old, dict) and isinstance(new, dict)):
            return json_equal(old, new)
        key = (id(old), id(new))
        known = self._alike_memo.get(key)
        if known is not None:
            return known[0]
        result = self._alike_schemas(old, new)
        self._alike_memo[key] = (result, old, new)
        return result

    def _alike_schemas(self, old: dict[str, Any], new: dict[str, Any]) -> bool:
        keys = [key for key in old if not _note(key)]
        if len(keys) != sum(1 for key in new if not _note(key)):
            return False
        for key in keys:
            if key not in new:
                return False
            before, after = old[key], new[key]
            if key in _SUBSCHEMA or (key in _SUBSCHEMA_LISTS and isinstance(before, list)):
                same = self.alike(before, after)
            elif key in _SUBSCHEMA_MAPS and isinstance(before, dict) and isinstance(after, dict):
                # by name; dependencies' lists of names are compared as lists of data
                same = before.keys() == after.keys() and all(
                    self.alike(value, after[name]) for name, value in before.items()
                )
            elif type(before) is str or type(after) is str:  # most keyword values
                same = before == after
            else:
                same = json_equal(before, after)
            if not same:
                return False
        return True

    def notes(self, old: Any, new: Any, path: str) -> list[Change]:
        """The annotation changes between two parts that `same` found alike, in document
        order: a walk over their subschemas that skips equal ones and costs no budget."""
        changes: list[Change] = []
        stack: list[tuple[Any, Any, str]] = [(old, new, path)]
        while stack:
            a, b, where = stack.pop()
            if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
                stack += [
                    (x, y, child(where, i))
                    for i, (x, y) in reversed(list(enumerate(zip(a, b, strict=True))))
                ]
                continue
            if not (isinstance(a, dict) and isinstance(b, dict)):
                continue
            if a == b:  # `alike` held them equal strictly but for annotations
                continue
            changes += _annotations(a, b, where)
            below: list[tuple[Any, Any, str]] = []
            for key in sorted(a.keys() | b.keys()):
                before, after = a.get(key), b.get(key)
                if key not in DRAFT_VOCABULARY:
                    if not json_equal(before, after):
                        changes.append(_vendor(key, before, after, where))
                elif key in _SUBSCHEMA or key in _SUBSCHEMA_LISTS:
                    below.append((before, after, child(where, key)))
                elif (
                    key in _SUBSCHEMA_MAPS and isinstance(before, dict) and isinstance(after, dict)
                ):
                    for name in before.keys() & after.keys():
                        below.append((before[name], after[name], child(where, key, name)))
                        if key in DEFINITIONS:  # walked here: not an unreferenced change
                            for side in (self.old, self.new):
                                side.visited.add(child(where, key, name))
            stack += reversed(below)
        return changes

    def traits(self, node: Any) -> tuple[bool, bool]:
        """(contains a $ref, contains a boolean), computed once per node."""
        if isinstance(node, bool):
            return False, True
        if not isinstance(node, dict | list):
            return False, False
        key = id(node)
        found = self._traits.get(key)
        if found is None:
            values = node.values() if isinstance(node, dict) else node
            has_ref = isinstance(node, dict) and "$ref" in node
            has_bool = False
            for value in values:
                child_ref, child_bool = self.traits(value)
                has_ref, has_bool = has_ref or child_ref, has_bool or child_bool
            found = (has_ref, has_bool)
            self._traits[key] = found
        return found

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
        vacuous = all(_vacuous(key, value, side.inactive) for key, value in node.items())
        return True if vacuous else None

    def store(self, node: Any) -> Any:
        """Keep a synthetic node alive for the comparison's lifetime."""
        self.old.keep.append(node)
        return node

    # -- the walk ------------------------------------------------------------------------

    def _compare(self, old: Any, new: Any, path: str) -> list[Change]:
        if self.same(old, new):
            return self.notes(old, new, path)
        if len(self._stack) > MAX_DIFF_DEPTH:
            return [_too_complex(path, f"nested deeper than {MAX_DIFF_DEPTH} subschemas")]
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

        if not (COMBINATORS.isdisjoint(old) and COMBINATORS.isdisjoint(new)):
            # Imported by the first node with allOf, anyOf, oneOf or not; below, only such
            # a node reaches combinators.structural and combinators.aligned.
            from drift.diff import combinators  # noqa: PLC0415

            old_single = combinators.singleton(self, old, path)
            new_single = combinators.singleton(self, new, path)
            if old_single or new_single:
                old_node, old_path = old_single or (old, path)
                new_node = new_single[0] if new_single else new
                return cosmetic + self.compare(old_node, new_node, old_path)
        bad = malformed(old) + malformed(new)
        if bad:
            old, new, opaque = self._opaque(old, new, frozenset(bad), path)
            cosmetic += opaque

        old_comb = {key for key in COMBINATORS if key in old}
        new_comb = {key for key in COMBINATORS if key in new}
        if old_comb != new_comb:
            # The conjunction's parts are judged apart, and unevaluated* apart from the
            # applicators beside it is not what it was: unproven unless unchanged.
            views = self._active(old, self.old), self._active(new, self.new)
            unevaluated = self._unevaluated(*views, path)
            return cosmetic + combinators.structural(self, old, new, path) + unevaluated
        changes = cosmetic + self.plain(old, new, path)
        if old_comb:
            changes = combinators.aligned(self, old, new, path, changes)
        return changes

    def _opaque(
        self, old: dict[str, Any], new: dict[str, Any], keys: frozenset[str], path: str
    ) -> tuple[dict[str, Any], dict[str, Any], list[Change]]:
        """Set aside keywords whose value is malformed (see keywords.FORMS).

        Unchanged, such a keyword constrains both sides alike (or breaks both alike), so
        the rest can still be compared; changed, nothing can be proved about it.
        """
        changes = []
        for key in sorted(keys):
            before, after = old.get(key), new.get(key)
            if canon(before) == canon(after):  # JSON equality, and a NaN equals itself
                continue
            sides = [name for name, node in (("old", old), ("new", new)) if key in malformed(node)]
            values = "old and new values are" if len(sides) == 2 else f"{sides[0]} value is"
            changes.append(
                unproven(
                    child(path, key),
                    before,
                    after,
                    f"{key} changed and its {values} not {FORMS[key][2]}",
                )
            )
        old_view = self.store({k: v for k, v in old.items() if k not in keys})
        new_view = self.store({k: v for k, v in new.items() if k not in keys})
        return old_view, new_view, changes

    def _without_lengths(self, node: dict[str, Any]) -> dict[str, Any]:
        if not node.keys() & set(arrays.LENGTH_BOUNDS):
            return node
        view = {k: v for k, v in node.items() if k not in arrays.LENGTH_BOUNDS}
        self.store(view)
        return view

    def _ignored_by_draft(self, key: str, old: dict[str, Any], new: dict[str, Any]) -> bool:
        """A keyword of another draft than the one each side declares (`prefixItems` in a
        draft-07 schema): that draft's validators ignore it, as they do a vendor keyword."""
        sides = ((self.old, old), (self.new, new))
        return all(key in side.inactive for side, node in sides if key in node)

    def plain(self, old: dict[str, Any], new: dict[str, Any], path: str) -> list[Change]:
        """Compare the keywords that are not combinators, family by family."""
        unknown = (old.keys() - KNOWN) | (old.keys() & self.old.inactive)
        unknown |= (new.keys() - KNOWN) | (new.keys() & self.new.inactive)
        old_view, new_view = self._active(old, self.old), self._active(new, self.new)
        old_view, new_view = (
            self._applicable(old_view, new_view),
            self._applicable(new_view, old_view),
        )
        # minItems/maxItems are judged with the items they bound (arrays.LENGTH_BOUNDS).
        lengthless = self._without_lengths(old_view), self._without_lengths(new_view)
        changes = scalars.compare(self, *lengthless, path)
        changes += numbers.compare(self, old_view, new_view, path)
        changes += objects.compare(self, old_view, new_view, path)
        changes += arrays.compare(self, old_view, new_view, path)
        changes += self._unevaluated(old_view, new_view, path)
        for key in sorted(unknown):
            if json_equal(old.get(key), new.get(key)):
                continue
            if key not in DRAFT_VOCABULARY:  # a vendor annotation: validators ignore it
                changes.append(_vendor(key, old.get(key), new.get(key), path))
            elif key in _SUBSCHEMA and key in old and key in new and self.same(old[key], new[key]):
                # `then` edited in its annotations only: it validates as before
                changes += self.notes(old[key], new[key], child(path, key))
            elif self._ignored_by_draft(key, old, new):
                changes.append(
                    make(
                        ChangeKind.ANNOTATION_CHANGED,
                        child(path, key),
                        old.get(key),
                        new.get(key),
                        (Compat.OK, Compat.OK),
                        f"{key!r} changed (documentation only: the schema's draft "
                        f"({_draft_name(self)}) does not define it, so its validators ignore it)",
                    )
                )
            else:
                changes.append(
                    unproven(
                        child(path, key),
                        old.get(key),
                        new.get(key),
                        f"unsupported keyword {key!r} changed",
                    )
                )
        return changes


# Keywords that constrain instances of some types only (every other value passes them).
_TYPED_KEYWORDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("minLength", "maxLength", "pattern"), frozenset({"string"})),
    **dict.fromkeys(
        ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
        frozenset({"number", "integer"}),
    ),
    **dict.fromkeys(
        (
            "items", "additionalItems", "prefixItems", "minItems", "maxItems", "uniqueItems",
            "contains", "minContains", "maxContains", "unevaluatedItems",
        ),
        frozenset({"array"}),
    ),
    **dict.fromkeys(
        (
            "properties", "patternProperties", "additionalProperties", "required",
            "minProperties", "maxProperties", "propertyNames", "dependencies",
            "dependentRequired", "dependentSchemas", "unevaluatedProperties",
        ),
        frozenset({"object"}),
    ),
}  # fmt: skip

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


def _draft_name(cx: Comparer) -> str:
    family = cx.old.family or cx.new.family or ""
    return "draft-03 to draft-07" if family == "legacy" else family


# Keywords whose value is a subschema; a list of them; a map from names to them.
_SUBSCHEMA = frozenset(
    {"additionalProperties", "additionalItems", "items", "not", "if", "then", "else",
     "contains", "propertyNames", "unevaluatedItems", "unevaluatedProperties",
     "contentSchema", "extends"}
)  # fmt: skip
_SUBSCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems", "items", "extends"})
_SUBSCHEMA_MAPS = frozenset(
    {"properties", "patternProperties", "dependentSchemas", "dependencies"} | DEFINITIONS
)


def _note(key: str) -> bool:
    """A keyword no validator applies: an annotation, metadata, or no draft's keyword."""
    return key in ANNOTATIONS or key in METADATA or key not in DRAFT_VOCABULARY


def _vendor(key: str, old: Any, new: Any, path: str) -> Change:
    return make(
        ChangeKind.ANNOTATION_CHANGED,
        child(path, key),
        old,
        new,
        (Compat.OK, Compat.OK),
        f"{key!r} changed (documentation only: no JSON Schema draft defines "
        "it, so every standard validator ignores it)",
    )


def _is_ref(node: Any) -> bool:
    return isinstance(node, dict) and "$ref" in node


def _vacuous(key: str, value: Any, inactive: frozenset[str]) -> bool:
    if key in IGNORED:
        return True
    if key not in VALIDATION or key in inactive:
        return False  # an unknown keyword may constrain anything
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
            if json_equal(old_defs.get(name), new_defs.get(name)):
                continue
            # Named by a reachable reference that the walk did not follow (a pointer into
            # a container of definitions that was followed counts as compared). A
            # definition one side lacks is named, on the side that has it, only from
            # parts that differ from the other side, which the walk compares (or had
            # decided before it got there): only the other side's names count.
            names = (
                (cx.old.mentioned if name not in old_defs else frozenset())
                | (cx.new.mentioned if name not in new_defs else frozenset())
                if name not in old_defs or name not in new_defs
                else cx.old.mentioned | cx.new.mentioned
            )
            mentioned = any(
                (ref == pointer or ref.startswith(pointer + "/"))
                and ref not in cx.old.visited
                and ref not in cx.new.visited
                for ref in names
            )
            if mentioned and cx.same(old_defs.get(name), new_defs.get(name)):
                # Annotations only, and its references agree: it validates as before.
                changes += cx.notes(old_defs[name], new_defs[name], pointer)
                continue
            kind, verdict, text = (
                (
                    ChangeKind.UNSUPPORTED_KEYWORD,
                    (Compat.BREAKING, Compat.BREAKING),
                    f"definition {name!r} changed and is referenced from a place this "
                    "engine does not compare; cannot prove compatibility",
                )
                if mentioned
                else (
                    ChangeKind.UNREFERENCED_DEFINITION_CHANGED,
                    (Compat.OK, Compat.OK),
                    f"definition {name!r} changed, but nothing references it (or only "
                    "definitions that nothing references do)",
                )
            )
            changes.append(
                make(kind, pointer, old_defs.get(name), new_defs.get(name), verdict, text)
            )
    return changes


def ref_siblings(node: dict[str, Any]) -> dict[str, Any]:
    """The keywords beside a `$ref` that may apply: validation keywords (2019-09 on) and
    keywords of a draft the engine does not model; vendor annotations never do."""
    return {
        k: v
        for k, v in node.items()
        if (k in VALIDATION or (k not in KNOWN and k in DRAFT_VOCABULARY)) and k != "$ref"
    }


def _refs_in(root: Any) -> list[str]:
    """The `$ref` strings anywhere in `root` (no recursion: depth is the caller's)."""
    found: list[str] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                found.append(ref)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _resources(root: Any) -> dict[str, tuple[str, Any]]:
    """Every object below the root with a `$id`/`id` string that is not a bare fragment,
    by pointer, with that name (a value like `{"id": "x"}` in `default` counts too: that
    only costs a proof)."""
    found: dict[str, tuple[str, Any]] = {}
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, list):
            stack.extend((value, child(where, index)) for index, value in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        for key in ("$id", "id"):
            name = node.get(key)
            if where and isinstance(name, str) and not name.startswith("#"):
                found[where] = (f"{key} {name}", node)
                break
        stack.extend((value, child(where, key)) for key, value in node.items())
    return found


_DYNAMIC = ("$dynamicRef", "$recursiveRef")


def _reachable_refs(side: Side) -> frozenset[str] | None:
    """The pointers named by references reachable from the root (see Side.mentioned),
    or None when some reference's target cannot be followed."""
    root = side.root
    if not isinstance(root, dict):
        return frozenset()
    stack: list[Any] = [value for key, value in root.items() if key not in DEFINITIONS]
    found: set[str] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        if any(key in node for key in _DYNAMIC):
            return None
        stack.extend(node.values())
        ref = node.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#"):
            continue  # another document: nothing in this one
        target = side.pointer(ref)
        if target is None:
            return None  # an anchor or a broken pointer: where it leads is unknown
        pointer = target[1]
        if pointer not in found:
            found.add(pointer)
            stack.append(target[0])
    return frozenset(found)


def _mentioned_refs(root: Any) -> frozenset[str]:
    """Every local JSON pointer any `$ref` in the document names."""
    found: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                found.add(unquote(ref[1:]))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(found)


def _too_complex(path: str, why: str) -> Change:
    return make(
        ChangeKind.TOO_COMPLEX,
        path,
        None,
        None,
        (Compat.BREAKING, Compat.BREAKING),
        f"too complex to prove compatible: {why}",
    )


def compare_documents(old: Any, new: Any, *, budget: int = DEFAULT_BUDGET) -> list[Change]:
    """Every change between two schema documents, in document order, without duplicates.

    Never raises on a JSON value: a budget that runs out, or a document nested deeper
    than Python's stack allows anywhere (equality, hashing, the walk), is one breaking
    `too_complex` change at the root.
    """
    try:
        return _compare_documents(old, new, budget)
    except TooComplex:
        return [_too_complex("/", f"gave up after {budget} comparisons")]
    except RecursionError:
        # MAX_DIFF_DEPTH bounds the walk; this catches the rest (deep values compared
        # or serialised whole, a caller that was already deep in its own stack).
        return [_too_complex("/", "nested too deeply for this engine's recursion")]
    except ValueError:
        # Python refuses to turn an integer of thousands of digits into text (canonical
        # JSON, messages). No JSON parser hands one over; a library caller can.
        found = _huge_integer(old, "OLD") or _huge_integer(new, "NEW")
        if found is None:
            raise
        return [
            unproven(
                "/",
                None,
                None,
                f"{found} holds an integer of more than {sys.get_int_max_str_digits()} "
                "digits, past what Python converts to text",
            )
        ]


def _huge_integer(document: Any, side: str) -> str | None:
    """Where `document` holds an integer too long for str(), as "SIDE at /pointer"."""
    limit = sys.get_int_max_str_digits()
    if not limit:
        return None
    ceiling = 10**limit
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, int) and not isinstance(node, bool) and abs(node) >= ceiling:
            return f"{side} at {pointer or '/'}"
        items = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        stack.extend((value, child(pointer, key)) for key, value in items)
    return None


def _compare_documents(old: Any, new: Any, budget: int) -> list[Change]:
    if json_equal(old, new):
        return []
    cx = Comparer(old, new, budget)
    drafts = (cx.old.family, cx.new.family)
    if None not in drafts and drafts[0] != drafts[1]:
        return [
            unproven(
                "/$schema",
                old.get("$schema"),
                new.get("$schema"),
                f"JSON Schema draft changed ({drafts[0]} → {drafts[1]}): keywords change "
                "meaning between drafts",
            )
        ]
    changes = cx.compare(old, new, "")
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
