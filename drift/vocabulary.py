"""The words verdicts are given in (mode, policy, change kind), apart from the diff engine:
settings and config need them on every run, and a run where nothing drifted imports no
diff engine."""

from __future__ import annotations

import enum


class Mode(enum.StrEnum):
    """Which readers must keep working (Confluent's compatibility types)."""

    BACKWARD = "backward"  # NEW accepts every instance OLD accepts
    FORWARD = "forward"  # OLD accepts every instance NEW accepts
    FULL = "full"  # both


class Policy(enum.StrEnum):
    STRICT = "strict"  # Confluent's strict JSON Schema rules
    LENIENT = "lenient"  # also open-model additions and closings Confluent's LENIENT allows


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
