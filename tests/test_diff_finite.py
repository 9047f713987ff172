"""Finite sides decided by evaluation (drift/diff/finite.py), as a verdict table.

An OLD that is an `enum` or a `const` (alone or under a narrowing `type` and other
constraints), or a `type` of only null/boolean, accepts finitely many values: backward
is compatible exactly when NEW accepts each of them; the mirror holds for forward. An
enum that no value of its own schema satisfies accepts nothing, so it is included in
anything. Conventions as in tests/test_diff_keywords.py.
"""

from __future__ import annotations

from drift.diff import Mode, diff_schemas
from drift.diff.evaluate import MAX_EVALUATION_STEPS
from tests.diff_table import (
    BACKWARD_OK,
    BOTH_OK,
    FORWARD_OK,
    INTEGER,
    NEITHER_OK,
    STRING,
    K,
    case,
    d4,
    strict_verdict,
    table_tests,
)

AB = {"enum": ["a", "b"]}

CASES = [
    # -- enum against constraints (bound_added, pattern_added, type_narrowed) ---------------
    case(
        "enum-to-short-string",
        AB,
        {"type": "string", "maxLength": 3},
        BACKWARD_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.ENUM_WIDENED, "/enum"),
        (K.BOUND_ADDED, "/maxLength"),
        new_only="abc",
        message="yet NEW accepts each of the 2 values OLD allows",
    ),
    case(
        "short-string-to-enum",
        {"type": "string", "maxLength": 3},
        AB,
        FORWARD_OK,
        (K.TYPE_WIDENED, "/type"),
        (K.ENUM_NARROWED, "/enum"),
        (K.BOUND_REMOVED, "/maxLength"),
        old_only="abc",
    ),
    case(
        "string-only-enum-to-type-string",
        AB,
        STRING,
        BACKWARD_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.ENUM_WIDENED, "/enum"),
        new_only="abc",
    ),
    case(
        "enum-with-a-long-value-to-short-string",
        {"enum": ["a", "abcd"]},
        {"type": "string", "maxLength": 3},
        NEITHER_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.ENUM_WIDENED, "/enum"),
        (K.BOUND_ADDED, "/maxLength"),
        old_only="abcd",
        new_only="abc",
        message='e.g. "abcd" is accepted by OLD, rejected by NEW',
    ),
    case(
        "typed-enum-gains-a-pattern-all-values-match",
        {"type": "string", "enum": ["ab", "ac"]},
        {"type": "string", "enum": ["ab", "ac"], "pattern": "^a"},
        BOTH_OK,
        (K.PATTERN_ADDED, "/pattern"),
    ),
    case(
        "typed-enum-gains-a-pattern-one-value-fails",
        {"type": "string", "enum": ["ab", "b"]},
        {"type": "string", "enum": ["ab", "b"], "pattern": "^a"},
        FORWARD_OK,
        (K.PATTERN_ADDED, "/pattern"),
        old_only="b",
        message='e.g. "b" is accepted by OLD, rejected by NEW',
    ),
    case(
        "const-to-integer-range",
        {"const": 3},
        {"type": "integer", "minimum": 1, "maximum": 5},
        BACKWARD_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.ENUM_WIDENED, "/const"),
        (K.BOUND_ADDED, "/minimum"),
        (K.BOUND_ADDED, "/maximum"),
        new_only=2,
    ),
    case(
        "integer-enum-gains-a-multipleOf",
        {"type": "integer", "enum": [2, 4, 6]},
        {"type": "integer", "enum": [2, 4, 6], "multipleOf": 2},
        BOTH_OK,
        (K.MULTIPLE_OF_ADDED, "/multipleOf"),
    ),
    case(
        "enum-of-one-point-zero-to-integer",
        {"enum": [1.0, 2]},
        INTEGER,
        BACKWARD_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.ENUM_WIDENED, "/enum"),
        new_only=3,
    ),
    case(
        "draft-04-enum-of-one-point-zero-to-integer-cannot-tell",
        # draft-04: 1.0 has a fraction part, so it is not an integer there
        d4(enum=[1.0]),
        d4(type="integer"),
        NEITHER_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.ENUM_WIDENED, "/enum"),
        old_only=1.0,
        new_only=3,
    ),
    case(
        "true-is-not-one",
        {"enum": [True]},
        {"enum": [1]},
        NEITHER_OK,
        (K.ENUM_CHANGED, "/enum"),
        old_only=True,
        new_only=1,
    ),
    case(
        "enum-of-objects-against-properties",
        {"enum": [{"a": "x"}, {"b": 1}]},
        {"type": "object", "properties": {"a": STRING}},
        BACKWARD_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.ENUM_WIDENED, "/enum"),
        (K.PROPERTY_ADDED, "/properties/a"),
        new_only={},
    ),
    case(
        "enum-of-objects-one-rejected-by-a-property",
        {"enum": [{"a": "x"}, {"a": 1}]},
        {"type": "object", "properties": {"a": STRING}},
        NEITHER_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.ENUM_WIDENED, "/enum"),
        (K.PROPERTY_ADDED, "/properties/a"),
        old_only={"a": 1},
        new_only={},
    ),
    case(
        "enum-of-arrays-against-uniqueItems",
        {"enum": [[1, 2], [1, True]]},
        {"type": "array", "uniqueItems": True},
        BACKWARD_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.ENUM_WIDENED, "/enum"),
        (K.UNIQUE_ITEMS_ADDED, "/uniqueItems"),
        new_only=[],
    ),
    case(
        "enum-of-arrays-with-a-json-duplicate-against-uniqueItems",
        {"enum": [[1, 1.0]]},
        {"type": "array", "uniqueItems": True},
        NEITHER_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.ENUM_WIDENED, "/enum"),
        (K.UNIQUE_ITEMS_ADDED, "/uniqueItems"),
        old_only=[1, 1.0],
        new_only=[],
    ),
    case(
        "boolean-to-enum-of-both",
        {"type": "boolean"},
        {"enum": [True, False]},
        BOTH_OK,
        (K.TYPE_WIDENED, "/type"),
        (K.ENUM_NARROWED, "/enum"),
    ),
    case(
        "null-to-const-null",
        {"type": "null"},
        {"const": None},
        BOTH_OK,
        (K.TYPE_WIDENED, "/type"),
        (K.ENUM_NARROWED, "/const"),
    ),
    case(
        "enum-against-a-format-cannot-tell",
        {"enum": ["a@b.c"]},
        {"type": "string", "format": "email"},
        NEITHER_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.ENUM_WIDENED, "/enum"),
        (K.FORMAT_ADDED, "/format"),
        new_only="x@y.z",
        contract="format is never evaluated: validators differ on formats",
    ),
    case(
        "enum-in-a-property-against-a-pattern",
        {"properties": {"kind": {"enum": ["a1", "a2"]}}},
        {"properties": {"kind": {"type": "string", "pattern": "^a[0-9]$"}}},
        BACKWARD_OK,
        (K.TYPE_NARROWED, "/properties/kind/type"),
        (K.ENUM_WIDENED, "/properties/kind/enum"),
        (K.PATTERN_ADDED, "/properties/kind/pattern"),
        new_only={"kind": "a3"},
    ),
    # -- empty enum∩type: accepts nothing ---------------------------------------------------
    case(
        "empty-enum-and-type-to-anything",
        {"type": "integer", "enum": ["a"]},
        {"type": "string", "maxLength": 0},
        BACKWARD_OK,
        (K.TYPE_CHANGED, "/type"),
        (K.ENUM_WIDENED, "/enum"),
        (K.BOUND_ADDED, "/maxLength"),
        new_only="",
        message="yet OLD accepts no value at all",
    ),
    case(
        "empty-enum-and-type-to-false",
        {"type": "integer", "enum": ["a"]},
        False,
        BOTH_OK,
        (K.SCHEMA_NARROWED, "/"),
    ),
    case(
        "anything-to-empty-const-and-type",
        STRING,
        {"type": "string", "const": 1},
        FORWARD_OK,
        (K.ENUM_NARROWED, "/const"),
        old_only="a",
    ),
    # -- enum/const that implies a type -----------------------------------------------------
    case(
        "typed-enum-drops-its-implied-type",
        {"type": "string", "enum": ["a"]},
        {"enum": ["a"]},
        BOTH_OK,
        (K.TYPE_WIDENED, "/type"),
    ),
    case(
        "const-gains-its-implied-type",
        {"const": 5},
        {"type": "number", "const": 5},
        BOTH_OK,
        (K.TYPE_NARROWED, "/type"),
    ),
    case(
        "enum-of-mixed-types-to-a-type-list",
        {"enum": ["a", 1, None]},
        {"type": ["string", "integer", "null"]},
        BACKWARD_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.ENUM_WIDENED, "/enum"),
        new_only="b",
    ),
    case(
        "enum-of-mixed-types-to-a-type-list-missing-one",
        {"enum": ["a", 1, None]},
        {"type": ["string", "integer"]},
        NEITHER_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.ENUM_WIDENED, "/enum"),
        old_only=None,
        new_only="b",
    ),
]


(
    test_case_names_are_unique,
    test_verdicts_kinds_and_paths,
    test_expectations_agree_with_jsonschema,
) = table_tests(CASES)


def test_a_huge_enum_stays_conservative() -> None:
    """More values than the budget allows are not evaluated at all: breaking, as before."""
    values = [f"v{i}" for i in range(MAX_EVALUATION_STEPS + 1)]
    old, new = {"enum": values}, {"type": "string", "maxLength": 12}
    assert all(len(value) <= 12 for value in values)  # semantically compatible
    assert strict_verdict(old, new) == (False, False)
    assert strict_verdict({"enum": values[:100]}, new) == (True, False)


def test_the_budget_is_shared_by_the_whole_diff() -> None:
    """Many finite nodes together spend one budget: past it, they stay breaking."""
    values = [f"v{i}" for i in range(MAX_EVALUATION_STEPS // 8)]
    old = {"properties": {f"p{i}": {"enum": values} for i in range(8)}}
    new = {"properties": {f"p{i}": {"enum": values, "type": "string"} for i in range(8)}}
    result = diff_schemas(old, new, mode=Mode.BACKWARD, policy="strict")
    settled = [c for c in result.changes if not c.breaks]
    assert settled  # the first ones are proved
    assert not result.compatible  # the rest ran out of budget
