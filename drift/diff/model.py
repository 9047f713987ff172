"""What a diff says: change kinds, verdicts and the result users read."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


class Mode(enum.StrEnum):
    """Which readers must keep working (Confluent's compatibility types)."""

    BACKWARD = "backward"  # NEW accepts every instance OLD accepts
    FORWARD = "forward"  # OLD accepts every instance NEW accepts
    FULL = "full"  # both


class Policy(enum.StrEnum):
    STRICT = "strict"  # Confluent's strict JSON Schema rules
    LENIENT = "lenient"  # also open-model additions and closings Confluent's LENIENT allows


class Severity(enum.StrEnum):
    NONE = "none"
    COSMETIC = "cosmetic"
    COMPATIBLE = "compatible"
    BREAKING = "breaking"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class Compat(enum.IntEnum):
    """How one change affects one direction."""

    OK = 0
    LENIENT = 1  # allowed only under the lenient policy
    BREAKING = 2


class ChangeKind(enum.StrEnum):
    """Stable identifiers users cite in ignore rules. Never rename a value."""

    # annotations and metadata: never affect validation
    ANNOTATION_CHANGED = "annotation_changed"
    METADATA_CHANGED = "metadata_changed"
    UNREFERENCED_DEFINITION_CHANGED = "unreferenced_definition_changed"
    # whole schemas
    SCHEMA_WIDENED = "schema_widened"
    SCHEMA_NARROWED = "schema_narrowed"
    SCHEMA_CHANGED = "schema_changed"
    # type, enum, const
    TYPE_WIDENED = "type_widened"
    TYPE_NARROWED = "type_narrowed"
    TYPE_CHANGED = "type_changed"
    ENUM_WIDENED = "enum_widened"
    ENUM_NARROWED = "enum_narrowed"
    ENUM_CHANGED = "enum_changed"
    # strings
    PATTERN_ADDED = "pattern_added"
    PATTERN_REMOVED = "pattern_removed"
    PATTERN_CHANGED = "pattern_changed"
    FORMAT_ADDED = "format_added"
    FORMAT_REMOVED = "format_removed"
    FORMAT_CHANGED = "format_changed"
    # bounds on any type (minLength, maximum, minItems, maxProperties, minContains, …)
    BOUND_ADDED = "bound_added"
    BOUND_REMOVED = "bound_removed"
    BOUND_RELAXED = "bound_relaxed"
    BOUND_TIGHTENED = "bound_tightened"
    MULTIPLE_OF_ADDED = "multiple_of_added"
    MULTIPLE_OF_REMOVED = "multiple_of_removed"
    MULTIPLE_OF_RELAXED = "multiple_of_relaxed"
    MULTIPLE_OF_CHANGED = "multiple_of_changed"
    UNIQUE_ITEMS_ADDED = "unique_items_added"
    UNIQUE_ITEMS_REMOVED = "unique_items_removed"
    # objects
    PROPERTY_ADDED = "property_added"
    PROPERTY_REMOVED = "property_removed"
    REQUIRED_ADDED = "required_added"
    REQUIRED_REMOVED = "required_removed"
    REQUIRED_UNDECLARED_ADDED = "required_undeclared_added"
    ADDITIONAL_PROPERTIES_WIDENED = "additional_properties_widened"
    ADDITIONAL_PROPERTIES_NARROWED = "additional_properties_narrowed"
    ADDITIONAL_PROPERTIES_CHANGED = "additional_properties_changed"
    PATTERN_PROPERTY_ADDED = "pattern_property_added"
    PATTERN_PROPERTY_REMOVED = "pattern_property_removed"
    DEPENDENCY_ADDED = "dependency_added"
    DEPENDENCY_REMOVED = "dependency_removed"
    DEPENDENCY_CHANGED = "dependency_changed"
    # arrays
    ITEM_ADDED = "item_added"
    ITEM_REMOVED = "item_removed"
    ADDITIONAL_ITEMS_WIDENED = "additional_items_widened"
    ADDITIONAL_ITEMS_NARROWED = "additional_items_narrowed"
    ADDITIONAL_ITEMS_CHANGED = "additional_items_changed"
    CONTAINS_ADDED = "contains_added"
    CONTAINS_REMOVED = "contains_removed"
    # subschema keywords (propertyNames, contains, unevaluated*, …) added or removed
    SUBSCHEMA_ADDED = "subschema_added"
    SUBSCHEMA_REMOVED = "subschema_removed"
    # combinators
    SUM_TYPE_EXTENDED = "sum_type_extended"
    SUM_TYPE_NARROWED = "sum_type_narrowed"
    PRODUCT_TYPE_EXTENDED = "product_type_extended"
    PRODUCT_TYPE_NARROWED = "product_type_narrowed"
    COMBINED_TYPE_CHANGED = "combined_type_changed"
    ONE_OF_OVERLAP = "one_of_overlap"
    NOT_CHANGED = "not_changed"
    # what the engine cannot decide: always breaking, with a reason
    REF_UNRESOLVED = "ref_unresolved"
    UNSUPPORTED_KEYWORD = "unsupported_keyword"
    TOO_COMPLEX = "too_complex"


COSMETIC_KINDS = frozenset(
    {
        ChangeKind.ANNOTATION_CHANGED,
        ChangeKind.METADATA_CHANGED,
        ChangeKind.UNREFERENCED_DEFINITION_CHANGED,
    }
)


@dataclass(frozen=True)
class Change:
    """One difference, with what it does to each direction. `path` points into OLD."""

    kind: ChangeKind
    path: str
    old: Any
    new: Any
    backward: Compat
    forward: Compat
    message: str

    def breaks(self, mode: Mode, policy: Policy) -> tuple[str, ...]:
        """The directions this change breaks under mode and policy."""
        limit = Compat.LENIENT if policy is Policy.LENIENT else Compat.OK
        directions = []
        if mode in (Mode.BACKWARD, Mode.FULL) and self.backward > limit:
            directions.append(Mode.BACKWARD.value)
        if mode in (Mode.FORWARD, Mode.FULL) and self.forward > limit:
            directions.append(Mode.FORWARD.value)
        return tuple(directions)

    def fingerprint(self, schema_id: str) -> str:
        """12 hex of sha256 over schema id, kind, path, old and new: what `accept` entries cite."""
        blob = json.dumps(
            [schema_id, self.kind.value, self.path, self.old, self.new],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class RatedChange:
    """A change as a user reads it: rated for one mode and policy."""

    change: Change
    severity: Severity
    breaks: tuple[str, ...]

    @property
    def kind(self) -> ChangeKind:
        return self.change.kind

    @property
    def path(self) -> str:
        return self.change.path

    @property
    def message(self) -> str:
        return self.change.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.change.kind.value,
            "path": self.change.path,
            "old": self.change.old,
            "new": self.change.new,
            "severity": self.severity.value,
            "breaks": list(self.breaks),
            "message": self.change.message,
        }


@dataclass(frozen=True)
class DiffResult:
    mode: Mode
    policy: Policy
    changes: list[RatedChange] = field(default_factory=list)

    @property
    def compatible(self) -> bool:
        return all(not change.breaks for change in self.changes)

    @property
    def severity(self) -> Severity:
        if not self.changes:
            return Severity.NONE
        return max((change.severity for change in self.changes), key=lambda s: s.rank)

    def to_dict(self) -> dict[str, Any]:
        return {
            "compatible": self.compatible,
            "mode": self.mode.value,
            "policy": self.policy.value,
            "severity": self.severity.value,
            "changes": [change.to_dict() for change in self.changes],
        }


def rate(change: Change, mode: Mode, policy: Policy) -> RatedChange:
    breaks = change.breaks(mode, policy)
    if breaks:
        severity = Severity.BREAKING
    elif change.kind in COSMETIC_KINDS:
        severity = Severity.COSMETIC
    else:
        severity = Severity.COMPATIBLE
    return RatedChange(change, severity, breaks)
