"""`not` compared as a complement, and disjointness proofs, as a verdict table.

OLD ⊆ `not X` when OLD and X share no instance (by type, enum/const, or numeric and
length ranges within the types both allow); `not X` ⊆ `not Y` when Y ⊆ X; `not X` ⊆
NEW when X and NEW together cover everything (each piece of X's complement lies in
NEW). Conventions as in tests/test_diff_keywords.py.
"""

from __future__ import annotations

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
    table_tests,
)

NOT_STRING = {"not": STRING}
NON_STRINGS = {"type": ["null", "boolean", "object", "array", "number"]}

CASES = [
    # -- OLD ⊆ not X: disjoint ----------------------------------------------------------------
    case(
        "string-to-not-integer",
        STRING,
        {"not": INTEGER},
        BACKWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        new_only=None,
    ),
    case(
        "not-integer-to-string",
        {"not": INTEGER},
        STRING,
        FORWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        old_only=None,
    ),
    case(
        "enum-to-not-another-enum",
        {"enum": ["a", "b"]},
        {"not": {"enum": ["c"]}},
        BACKWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        new_only="x",
    ),
    case(
        "enum-to-not-an-enum-it-meets",
        {"enum": ["a", "c"]},
        {"not": {"enum": ["c"]}},
        NEITHER_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        old_only="c",
        new_only="x",
    ),
    case(
        "enum-to-not-a-pattern-no-value-matches",
        {"enum": ["ab", "ac"]},
        {"not": {"type": "string", "pattern": "^b"}},
        BACKWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        new_only=1,
    ),
    case(
        "integers-above-10-to-not-integers-below-5",
        {"type": "integer", "minimum": 10},
        {"not": {"type": "integer", "maximum": 5}},
        BACKWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        new_only="a",
    ),
    case(
        "integers-above-4-exclusive-to-not-integers-up-to-4",
        {"type": "integer", "exclusiveMinimum": 4},
        {"not": {"type": "integer", "maximum": 4}},
        BACKWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        new_only=4.5,
    ),
    case(
        "integer-range-to-not-an-overlapping-range",
        {"type": "integer", "minimum": 5},
        {"not": {"type": "integer", "maximum": 5}},
        NEITHER_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        old_only=5,
        new_only="a",
    ),
    case(
        "number-range-to-not-a-range-that-only-meets-other-types",
        # minimum constrains numbers only: a string is in both, so no disjointness
        {"minimum": 10},
        {"not": {"maximum": 5}},
        NEITHER_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        old_only="a",
        new_only=6,
    ),
    case(
        "long-strings-to-not-short-strings",
        {"type": "string", "minLength": 3},
        {"not": {"type": "string", "maxLength": 2}},
        BACKWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        new_only=1,
    ),
    case(
        "big-arrays-to-not-small-arrays",
        {"type": "array", "minItems": 2},
        {"not": {"type": "array", "maxItems": 1}},
        BACKWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        new_only=None,
    ),
    case(
        "objects-with-two-required-to-not-objects-of-one-property",
        {"type": "object", "required": ["a", "b"]},
        {"not": {"type": "object", "maxProperties": 1}},
        BACKWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        new_only={"a": 1, "x": 2},
    ),
    # -- not X ⊆ not Y when Y ⊆ X ------------------------------------------------------------
    case(
        "not-string-to-not-short-string",
        NOT_STRING,
        {"not": {"type": "string", "maxLength": 3}},
        BACKWARD_OK,
        (K.BOUND_ADDED, "/not/maxLength"),
        new_only="abcd",
    ),
    case(
        "not-string-or-null-to-not-string",
        {"not": {"type": ["string", "null"]}},
        NOT_STRING,
        BACKWARD_OK,
        (K.TYPE_NARROWED, "/not/type"),
        new_only=None,
    ),
    # -- not X ⊆ NEW when X and NEW cover everything ------------------------------------------
    case(
        "not-string-to-the-other-types",
        NOT_STRING,
        NON_STRINGS,
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "not-string-to-some-other-types",
        NOT_STRING,
        {"type": ["null", "boolean", "object", "array"]},
        FORWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        old_only=1,
    ),
    case(
        "not-integer-to-types-without-number",
        # 1.5 is no integer, so OLD accepts it; NEW has no number
        {"not": INTEGER},
        {"type": ["null", "boolean", "object", "array", "string"]},
        FORWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        old_only=1.5,
    ),
    case(
        "not-short-string-to-an-anyOf-of-its-complement",
        {"not": {"type": "string", "maxLength": 3}},
        {"anyOf": [NOT_STRING, {"type": "string", "minLength": 4}]},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "not-short-string-to-an-anyOf-missing-a-piece",
        {"not": {"type": "string", "maxLength": 3}},
        {"anyOf": [NOT_STRING, {"type": "string", "minLength": 5}]},
        FORWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        old_only="abcd",
    ),
    case(
        "not-minimum-is-numbers-below-it",
        # every non-number satisfies minimum: `not` rejects it
        {"not": {"minimum": 5}},
        {"type": "number", "exclusiveMaximum": 5},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "not-integer-at-least-5-to-a-union-without-big-fractions",
        {"not": {"type": "integer", "minimum": 5}},
        {
            "anyOf": [
                {"type": ["string", "null", "boolean", "object", "array"]},
                {"type": "number", "exclusiveMaximum": 5},
            ]
        },
        FORWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        old_only=5.5,
    ),
    case(
        "not-required-name-is-objects-without-it",
        {"not": {"required": ["a"]}},
        {"type": "object", "properties": {"a": False}},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "not-an-allOf-to-the-union-of-complements",
        {"not": {"allOf": [{"type": "string"}, {"minLength": 2}]}},
        {"anyOf": [NOT_STRING, {"maxLength": 1}]},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "not-not-string-to-string",
        {"not": NOT_STRING},
        STRING,
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "draft-04-not-exclusive-minimum-to-numbers-up-to-it",
        d4(**{"not": {"type": "number", "minimum": 5, "exclusiveMinimum": True}}),
        d4(
            anyOf=[
                {"type": "number", "maximum": 5},
                {"type": ["string", "null", "boolean", "object", "array"]},
            ]
        ),
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "not-pattern-stays-conservative",
        {"not": {"type": "string", "pattern": "^a"}},
        NON_STRINGS,
        FORWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        old_only="b",
    ),
]


(
    test_case_names_are_unique,
    test_verdicts_kinds_and_paths,
    test_expectations_agree_with_jsonschema,
) = table_tests(CASES)
