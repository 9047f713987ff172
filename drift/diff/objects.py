"""properties, required, additionalProperties, patternProperties, dependencies, …

A property's constraint is its `properties` entry plus every matching
`patternProperties` entry, or `additionalProperties` when none applies; the
comparison works on those effective constraints, so moving a property between
`properties` and a pattern or `additionalProperties` is judged by meaning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drift.diff.base import child, least, make, most, relation_of, unproven
from drift.diff.keywords import EVALUATORS
from drift.diff.model import Change, Compat
from drift.vocabulary import ChangeKind

if TYPE_CHECKING:
    from drift.diff.engine import Comparer, Side

Constraint = tuple[Any, str]  # (schema, where it comes from)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _additional(schema: dict[str, Any]) -> tuple[Any, str]:
    # Beside additionalProperties, unevaluatedProperties applies to nothing: every
    # property is evaluated. Beside no applicator it is additionalProperties exactly;
    # beside one, what it admits depends on other subschemas (see Comparer._unevaluated).
    if (
        "additionalProperties" not in schema
        and "unevaluatedProperties" in schema
        and evaluates_properties_alone(schema)
    ):
        return schema["unevaluatedProperties"], "unevaluatedProperties"
    return schema.get("additionalProperties", True), "additionalProperties"


def evaluates_properties_alone(schema: dict[str, Any]) -> bool:
    """No subschema beside properties/patternProperties evaluates properties."""
    return not schema.keys() & EVALUATORS


def _matches(pattern: str, name: str) -> bool:
    from drift.diff import patterns  # noqa: PLC0415 (imported by the first regex compared)

    found = patterns.matches(pattern, name)
    # Unknown (see patterns.py): the caller reports the pattern or the name as breaking.
    return True if found is None else found


class Model:
    """One side's object keywords."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.properties = _dict(schema.get("properties"))
        self.patterns = _dict(schema.get("patternProperties"))
        self.additional, self.additional_key = _additional(schema)

    def effective(self, name: str) -> list[Constraint]:
        found: list[Constraint] = []
        if name in self.properties:
            found.append((self.properties[name], "properties"))
        found += [(s, f"pattern {p!r}") for p, s in self.patterns.items() if _matches(p, name)]
        return found or [(self.additional, self.additional_key)]

    def is_open_for(self, name: str, side: Side, cx: Comparer) -> bool:
        """No properties entry, no pattern, and additionalProperties allows anything."""
        return (
            name not in self.properties
            and not any(_matches(p, name) for p in self.patterns)
            and cx.trivial(self.additional, side) is True
        )


def product_levels(
    cx: Comparer, old: list[Constraint], new: list[Constraint], path: str
) -> tuple[Compat, Compat]:
    """Conjunctions: NEW ⊇ OLD when each new constraint is implied by some old one."""
    backward = most(least(cx.backward(o, n, path) for o, _ in old) for n, _ in new)
    forward = most(least(cx.forward(o, n, path) for n, _ in new) for o, _ in old)
    return backward, forward


def compare(cx: Comparer, old: dict[str, Any], new: dict[str, Any], path: str) -> list[Change]:
    before, after = Model(old), Model(new)
    changes = _unreadable_patterns(before, after, path)
    for name in sorted(before.properties.keys() | after.properties.keys()):
        here = child(path, "properties", name)
        old_eff, new_eff = before.effective(name), after.effective(name)
        if name in before.properties and name in after.properties:
            sub = cx.compare(before.properties[name], after.properties[name], here)
            changes += sub
            if [w for _, w in old_eff] != [w for _, w in new_eff]:
                levels = product_levels(cx, old_eff, new_eff, here)
                changes.append(
                    make(
                        ChangeKind.PATTERN_PROPERTY_ADDED,
                        here,
                        [w for _, w in old_eff],
                        [w for _, w in new_eff],
                        levels,
                        f"property {name!r} is now also constrained by "
                        + ", ".join(w for _, w in new_eff),
                    )
                )
            continue
        backward, forward = product_levels(cx, old_eff, new_eff, here)
        if name in after.properties:
            if before.is_open_for(name, cx.old, cx) and backward is Compat.BREAKING:
                backward = Compat.LENIENT  # Confluent LENIENT: added to an open content model
            context = _context(before, name, cx, cx.old)
            changes.append(
                make(
                    ChangeKind.PROPERTY_ADDED,
                    here,
                    None,
                    after.properties[name],
                    (backward, forward),
                    f"property {name!r} added; before, {context}",
                )
            )
        else:
            if after.is_open_for(name, cx.new, cx) and forward is Compat.BREAKING:
                forward = Compat.LENIENT  # the mirror of an addition to an open model
            context = _context(after, name, cx, cx.new)
            changes.append(
                make(
                    ChangeKind.PROPERTY_REMOVED,
                    here,
                    before.properties[name],
                    None,
                    (backward, forward),
                    f"property {name!r} removed; now {context}",
                )
            )
    changes += _required(old, new, after, path)
    changes += _additional_properties(cx, before, after, path)
    changes += _pattern_properties(cx, before, after, path)
    changes += _dependencies(cx, old, new, path)
    if "propertyNames" in old or "propertyNames" in new:
        changes += cx.compare(
            old.get("propertyNames", True),
            new.get("propertyNames", True),
            child(path, "propertyNames"),
        )
    return changes


def _context(model: Model, name: str, cx: Comparer, side: Side) -> str:
    """What governed the name without its own entry: in OLD (past) or in NEW (present)."""
    past = side is cx.old
    covers, was = ("covered", "was") if past else ("covers", "is")
    trivial = cx.trivial(model.additional, side)
    if any(_matches(p, name) for p in model.patterns):
        return f"a patternProperties entry {covers} it"
    if trivial is True:
        return f"any value {was} allowed (open content model)"
    if trivial is False:
        return f"it {was} not allowed ({model.additional_key}: false)"
    return f"{model.additional_key} {covers} it"


def implied_min_properties(schema: dict[str, Any]) -> int:
    """`required` of n distinct names: every object accepted has at least n properties."""
    return len(set(_strings(schema.get("required"))))


def _required(old: dict[str, Any], new: dict[str, Any], after: Model, path: str) -> list[Change]:
    old_list, new_list = _strings(old.get("required")), _strings(new.get("required"))
    changes = []
    for name in sorted(set(new_list) - set(old_list)):
        if name in after.properties:
            kind, verdict = ChangeKind.REQUIRED_ADDED, (Compat.BREAKING, Compat.OK)
            text = f"property {name!r} is now required"
        else:
            # Confluent rates a required name with no `properties` entry as compatible, but
            # an instance without it that OLD accepted is rejected now: that breaks backward.
            kind, verdict = ChangeKind.REQUIRED_UNDECLARED_ADDED, (Compat.BREAKING, Compat.OK)
            text = (
                f"{name!r} is now required but not declared in properties; Confluent rates "
                f"this compatible, but an instance without {name!r} that OLD accepted is now "
                "rejected"
            )
        changes.append(make(kind, child(path, "required"), None, name, verdict, text))
    for name in sorted(set(old_list) - set(new_list)):
        changes.append(
            make(
                ChangeKind.REQUIRED_REMOVED,
                child(path, "required", old_list.index(name)),
                name,
                None,
                (Compat.OK, Compat.BREAKING),
                f"property {name!r} is no longer required",
            )
        )
    return changes


def _additional_properties(cx: Comparer, before: Model, after: Model, path: str) -> list[Change]:
    old_node, new_node = before.additional, after.additional
    here = child(path, before.additional_key)
    old_t, new_t = cx.trivial(old_node, cx.old), cx.trivial(new_node, cx.new)
    if old_t is not None and old_t == new_t:
        return []
    if old_t is None and new_t is None:
        return cx.compare(old_node, new_node, here)
    if new_t is False or (old_t is True and new_t is None):
        kind, verdict = ChangeKind.ADDITIONAL_PROPERTIES_NARROWED, (Compat.LENIENT, Compat.OK)
        text = "additional properties " + (
            "no longer allowed" if new_t is False else "now constrained"
        )
    else:
        kind, verdict = ChangeKind.ADDITIONAL_PROPERTIES_WIDENED, (Compat.OK, Compat.LENIENT)
        text = "additional properties " + (
            "now allowed" if old_t is False else "no longer constrained"
        )
    return [make(kind, here, old_node, new_node, verdict, text)]


def _pattern_properties(cx: Comparer, before: Model, after: Model, path: str) -> list[Change]:
    changes: list[Change] = []
    for pattern in sorted(before.patterns.keys() | after.patterns.keys()):
        here = child(path, "patternProperties", pattern)
        if pattern in before.patterns and pattern in after.patterns:
            changes += cx.compare(before.patterns[pattern], after.patterns[pattern], here)
        elif pattern in after.patterns:
            schema = after.patterns[pattern]
            backward = max(
                [cx.backward(before.additional, schema, here)]
                + [cx.backward(other, schema, here) for other in before.patterns.values()]
            )
            forward = cx.forward(before.additional, schema, here)
            changes.append(
                make(
                    ChangeKind.PATTERN_PROPERTY_ADDED,
                    here,
                    None,
                    schema,
                    (backward, forward),
                    f"patternProperties {pattern!r} added",
                )
            )
        else:
            schema = before.patterns[pattern]
            backward = cx.backward(schema, after.additional, here)
            forward = max(
                [cx.forward(schema, after.additional, here)]
                + [cx.forward(schema, other, here) for other in after.patterns.values()]
            )
            changes.append(
                make(
                    ChangeKind.PATTERN_PROPERTY_REMOVED,
                    here,
                    schema,
                    None,
                    (backward, forward),
                    f"patternProperties {pattern!r} removed",
                )
            )
    return changes


def _split_dependencies(schema: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """draft-07 `dependencies` split into 2019-09's dependentRequired and dependentSchemas."""
    required: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for key, value in _dict(schema.get("dependencies")).items():
        if isinstance(value, list):
            required[key] = ("dependencies", value)
        else:
            schemas[key] = ("dependencies", value)
    for key, value in _dict(schema.get("dependentRequired")).items():
        required[key] = ("dependentRequired", value)
    for key, value in _dict(schema.get("dependentSchemas")).items():
        schemas[key] = ("dependentSchemas", value)
    return required, schemas


def _dependencies(
    cx: Comparer, old: dict[str, Any], new: dict[str, Any], path: str
) -> list[Change]:
    old_req, old_sch = _split_dependencies(old)
    new_req, new_sch = _split_dependencies(new)
    changes: list[Change] = []
    for name in sorted(old_req.keys() | new_req.keys()):
        where = (old_req.get(name) or new_req[name])[0]
        before = old_req.get(name, (where, None))[1]
        after = new_req.get(name, (where, None))[1]
        old_set, new_set = set(_strings(before)), set(_strings(after))
        if before is not None and after is not None and old_set == new_set:
            continue
        kind = (
            ChangeKind.DEPENDENCY_ADDED
            if before is None
            else ChangeKind.DEPENDENCY_REMOVED
            if after is None
            else ChangeKind.DEPENDENCY_CHANGED
        )
        changes.append(
            make(
                kind,
                child(path, where, name),
                before,
                after,
                relation_of(new_set <= old_set, old_set <= new_set),
                f"when {name!r} is present, required: {sorted(old_set)} → {sorted(new_set)}",
            )
        )
    for name in sorted(old_sch.keys() | new_sch.keys()):
        where = (old_sch.get(name) or new_sch[name])[0]
        changes += cx.compare(
            old_sch.get(name, (where, True))[1],
            new_sch.get(name, (where, True))[1],
            child(path, where, name),
        )
    return changes


def _unreadable_patterns(before: Model, after: Model, path: str) -> list[Change]:
    """Patterns not evaluated (unreadable, or unbounded work), and names too long to
    match: when anything they decide changed, nothing can be proved."""
    if before.patterns == after.patterns and before.properties == after.properties:
        return []
    if not (before.patterns or after.patterns):
        return []
    from drift.diff import patterns  # noqa: PLC0415 (imported by the first regex compared)

    changes = []
    for pattern in sorted(before.patterns.keys() | after.patterns.keys()):
        reason = patterns.refusal(pattern)
        if reason is not None:
            where = child(path, "patternProperties", pattern)
            why = f"patternProperties {pattern[:80]!r} is not evaluated: {reason}"
            changes.append(unproven(where, None, None, why))
    names = before.properties.keys() | after.properties.keys()
    for name in sorted(n for n in names if len(n) > patterns.MAX_MATCHED_NAME):
        why = (
            f"property name {name[:40]!r}… is longer than {patterns.MAX_MATCHED_NAME} "
            "characters, so it is not matched against patternProperties"
        )
        changes.append(unproven(child(path, "properties", name), None, None, why))
    return changes
