"""Tuples against lists, the lengths arrays can have, and unevaluated* read as their
plain equivalents: the verdict table for these families (see tests/diff_table.py).

An array's items are independent, so OLD's arrays fit NEW when OLD's lengths fit NEW's
bounds and, at every index an OLD array can reach, OLD's schema there is a subschema of
NEW's. Indexes past `maxItems`, or past a position that accepts nothing, cannot break
anything. Beside no in-place applicator, `unevaluatedProperties` is `additionalProperties`
and `unevaluatedItems` the tuple's rest; beside one, the engine stays conservative.
"""

from __future__ import annotations

from typing import Any

import pytest

from drift.diff import diff_schemas
from tests.diff_table import (
    BACKWARD_OK,
    BOOLEAN,
    BOTH_OK,
    FORWARD_OK,
    INTEGER,
    NEITHER_OK,
    STRING,
    Case,
    K,
    accepts,
    case,
    conservative,
    d7,
    d2020,
    draft,
    table_tests,
)

D2019 = "https://json-schema.org/draft/2019-09/schema"
STRING_OR_INTEGER: dict[str, Any] = {"type": ["string", "integer"]}
INTEGER_OR_BOOLEAN: dict[str, Any] = {"type": ["integer", "boolean"]}


def a7(**schema: Any) -> dict[str, Any]:
    return d7(type="array", **schema)


def a2019(**schema: Any) -> dict[str, Any]:
    return draft(D2019, {"type": "array", **schema})


def a2020(**schema: Any) -> dict[str, Any]:
    return d2020(type="array", **schema)


def o2020(**schema: Any) -> dict[str, Any]:
    return d2020(type="object", **schema)


# -- a tuple against a list ----------------------------------------------------------------

TUPLE_CASES = [
    case(
        "draft07-list-to-closed-tuple-of-its-items",
        a7(items=STRING),
        a7(items=[STRING, STRING], additionalItems=False),
        FORWARD_OK,
        (K.ADDITIONAL_ITEMS_NARROWED, "/items"),
        (K.ITEM_ADDED, "/items/0"),
        (K.ITEM_ADDED, "/items/1"),
        old_only=["a", "b", "c"],
    ),
    case(
        "draft07-closed-tuple-to-list-covering-its-items",
        a7(items=[STRING, INTEGER], additionalItems=False),
        a7(items=STRING_OR_INTEGER),
        BACKWARD_OK,
        (K.ADDITIONAL_ITEMS_WIDENED, "/additionalItems"),
        (K.ITEM_REMOVED, "/items/0"),
        (K.ITEM_REMOVED, "/items/1"),
        new_only=[1, "a"],
    ),
    case(
        "draft07-closed-tuple-to-list-not-covering-an-item",
        a7(items=[STRING, INTEGER], additionalItems=False),
        a7(items=STRING),
        NEITHER_OK,
        (K.ADDITIONAL_ITEMS_WIDENED, "/additionalItems"),
        (K.ITEM_REMOVED, "/items/0"),
        (K.ITEM_REMOVED, "/items/1"),
        old_only=["a", 1],
        new_only=["a", "b", "c"],
    ),
    case(
        "draft07-list-with-maxItems-to-closed-tuple-of-that-length",
        a7(items=STRING, maxItems=2),
        a7(items=[STRING, STRING], additionalItems=False),
        BOTH_OK,
        (K.ADDITIONAL_ITEMS_NARROWED, "/items"),
        (K.BOUND_REMOVED, "/maxItems"),
        (K.ITEM_ADDED, "/items/0"),
        (K.ITEM_ADDED, "/items/1"),
    ),
    case(
        "draft07-closed-tuple-to-list-with-maxItems-of-its-length",
        a7(items=[STRING, STRING], additionalItems=False),
        a7(items=STRING, maxItems=2),
        BOTH_OK,
        (K.ADDITIONAL_ITEMS_WIDENED, "/additionalItems"),
        (K.BOUND_ADDED, "/maxItems"),
        (K.ITEM_REMOVED, "/items/0"),
        (K.ITEM_REMOVED, "/items/1"),
    ),
    case(
        "draft07-tuple-to-wider-list-with-maxItems-of-its-length",
        a7(items=[STRING, INTEGER], additionalItems=False),
        a7(items=STRING_OR_INTEGER, maxItems=2),
        BACKWARD_OK,
        (K.ADDITIONAL_ITEMS_WIDENED, "/additionalItems"),
        (K.BOUND_ADDED, "/maxItems"),
        (K.ITEM_REMOVED, "/items/0"),
        (K.ITEM_REMOVED, "/items/1"),
        new_only=[1, "a"],
    ),
    case(
        "draft07-list-bounded-to-open-tuple-of-that-length",
        # exactly two strings, against two strings then anything
        a7(items=STRING, minItems=2, maxItems=2),
        a7(items=[STRING, STRING], minItems=2),
        BACKWARD_OK,
        (K.ADDITIONAL_ITEMS_WIDENED, "/items"),
        (K.BOUND_REMOVED, "/maxItems"),
        (K.ITEM_ADDED, "/items/0"),
        (K.ITEM_ADDED, "/items/1"),
        new_only=["a", "b", 1],
    ),
    case(
        "draft07-closed-tuple-with-minItems-is-exactly-the-tuple",
        a7(items=[STRING, INTEGER], additionalItems=False, minItems=2),
        a7(items=[STRING, INTEGER], minItems=2, maxItems=2),
        BOTH_OK,
        (K.ADDITIONAL_ITEMS_WIDENED, "/additionalItems"),
        (K.BOUND_ADDED, "/maxItems"),
    ),
    case(
        "draft07-position-past-maxItems-changed-on-both-sides",
        a7(items=[STRING, INTEGER], maxItems=1),
        a7(items=[STRING, BOOLEAN], maxItems=1),
        BOTH_OK,
        (K.TYPE_CHANGED, "/items/1/type"),
    ),
    case(
        "draft07-position-past-old-maxItems-changed-and-maxItems-removed",
        a7(items=[STRING, INTEGER], maxItems=1),
        a7(items=[STRING, BOOLEAN]),
        BACKWARD_OK,
        (K.BOUND_REMOVED, "/maxItems"),
        (K.TYPE_CHANGED, "/items/1/type"),
        new_only=["a", True],
    ),
    case(
        "draft07-tuple-position-removed-covered-by-the-rest",
        a7(items=[STRING, INTEGER], additionalItems=INTEGER),
        a7(items=[STRING], additionalItems=INTEGER),
        BOTH_OK,
        (K.ITEM_REMOVED, "/items/1"),
    ),
    case(
        "draft07-tuple-position-removed-under-a-wider-rest",
        a7(items=[STRING, INTEGER], additionalItems=INTEGER_OR_BOOLEAN),
        a7(items=[STRING], additionalItems=INTEGER_OR_BOOLEAN),
        BACKWARD_OK,
        (K.ITEM_REMOVED, "/items/1"),
        new_only=["a", True],
    ),
    case(
        "draft07-tuple-position-added-covered-by-the-rest",
        a7(items=[STRING], additionalItems=INTEGER),
        a7(items=[STRING, INTEGER], additionalItems=INTEGER),
        BOTH_OK,
        (K.ITEM_ADDED, "/items/1"),
    ),
    case(
        "draft07-a-position-accepting-nothing-against-maxItems",
        # only [] and ["a"]-like arrays of one string on both sides
        a7(items=[STRING, False]),
        a7(items=[STRING], maxItems=1),
        BOTH_OK,
        (K.BOUND_ADDED, "/maxItems"),
        (K.ITEM_REMOVED, "/items/1"),
    ),
    case(
        "draft07-minItems-above-a-closed-tuple-accepts-no-array",
        a7(items=[STRING], additionalItems=False),
        a7(items=[STRING], additionalItems=False, minItems=2),
        FORWARD_OK,
        (K.BOUND_ADDED, "/minItems"),
        old_only=["a"],
    ),
    case(
        "draft07-maxItems-relaxed-past-a-closed-tuple",
        # NEW's tuple still stops at one item: relaxing maxItems admits nothing new
        a7(items=[STRING], additionalItems=False, maxItems=1),
        a7(items=[STRING], additionalItems=False, maxItems=5),
        BOTH_OK,
        (K.BOUND_RELAXED, "/maxItems"),
    ),
    case(
        "2020-list-to-closed-prefixItems-of-its-items",
        a2020(items=STRING),
        a2020(prefixItems=[STRING, STRING], items=False),
        FORWARD_OK,
        (K.ADDITIONAL_ITEMS_NARROWED, "/items"),
        (K.ITEM_ADDED, "/prefixItems/0"),
        (K.ITEM_ADDED, "/prefixItems/1"),
        old_only=["a", "b", "c"],
    ),
    case(
        "2020-closed-prefixItems-to-list-with-maxItems-of-its-length",
        a2020(prefixItems=[STRING, STRING], items=False),
        a2020(items=STRING, maxItems=2),
        BOTH_OK,
        (K.ADDITIONAL_ITEMS_WIDENED, "/items"),
        (K.BOUND_ADDED, "/maxItems"),
        (K.ITEM_REMOVED, "/prefixItems/0"),
        (K.ITEM_REMOVED, "/prefixItems/1"),
    ),
    case(
        "2020-prefixItems-position-removed-covered-by-items",
        a2020(prefixItems=[STRING, INTEGER], items=INTEGER),
        a2020(prefixItems=[STRING], items=INTEGER),
        BOTH_OK,
        (K.ITEM_REMOVED, "/prefixItems/1"),
    ),
    case(
        "2020-prefixItems-past-maxItems-changed",
        a2020(prefixItems=[STRING, INTEGER], maxItems=1),
        a2020(prefixItems=[STRING, BOOLEAN], maxItems=1),
        BOTH_OK,
        (K.TYPE_CHANGED, "/prefixItems/1/type"),
    ),
]

# -- keywords a declared draft does not have ---------------------------------------------

DRAFT_CASES = [
    case(
        "draft07-ignored-prefixItems-changed",
        a7(prefixItems=[INTEGER]),
        a7(prefixItems=[STRING]),
        BOTH_OK,
        (K.ANNOTATION_CHANGED, "/prefixItems"),
        cosmetic=True,
    ),
    case(
        "draft07-additionalItems-without-tuple-changed",
        a7(items=STRING, additionalItems=False),
        a7(items=STRING, additionalItems=True),
        BOTH_OK,
        (K.ANNOTATION_CHANGED, "/additionalItems"),
        cosmetic=True,
    ),
    case(
        "2020-ignored-additionalItems-changed",
        a2020(prefixItems=[STRING], additionalItems=False),
        a2020(prefixItems=[STRING], additionalItems=INTEGER),
        BOTH_OK,
        (K.ANNOTATION_CHANGED, "/additionalItems"),
        cosmetic=True,
    ),
]

# -- unevaluatedProperties / unevaluatedItems beside no applicator ----------------------

UNEVALUATED_CASES = [
    case(
        "2020-optional-property-added-under-unevaluatedProperties-false",
        o2020(properties={"a": STRING}, unevaluatedProperties=False),
        o2020(properties={"a": STRING, "b": INTEGER}, unevaluatedProperties=False),
        BACKWARD_OK,
        (K.PROPERTY_ADDED, "/properties/b"),
        new_only={"b": 1},
    ),
    case(
        "2020-optional-property-removed-under-unevaluatedProperties-false",
        o2020(properties={"a": STRING, "b": INTEGER}, unevaluatedProperties=False),
        o2020(properties={"a": STRING}, unevaluatedProperties=False),
        FORWARD_OK,
        (K.PROPERTY_REMOVED, "/properties/b"),
        old_only={"b": 1},
    ),
    case(
        "2020-optional-property-added-covered-by-unevaluatedProperties",
        o2020(properties={"a": STRING}, unevaluatedProperties=INTEGER),
        o2020(properties={"a": STRING, "b": INTEGER}, unevaluatedProperties=INTEGER),
        BOTH_OK,
        (K.PROPERTY_ADDED, "/properties/b"),
    ),
    case(
        "2020-optional-property-removed-covered-by-unevaluatedProperties",
        o2020(properties={"a": STRING, "b": INTEGER}, unevaluatedProperties=INTEGER),
        o2020(properties={"a": STRING}, unevaluatedProperties=INTEGER),
        BOTH_OK,
        (K.PROPERTY_REMOVED, "/properties/b"),
    ),
    case(
        "2020-optional-property-added-not-covered-by-unevaluatedProperties",
        o2020(properties={"a": STRING}, unevaluatedProperties=INTEGER),
        o2020(properties={"a": STRING, "b": BOOLEAN}, unevaluatedProperties=INTEGER),
        NEITHER_OK,
        (K.PROPERTY_ADDED, "/properties/b"),
        old_only={"b": 1},
        new_only={"b": True},
    ),
    case(
        "2020-unevaluatedProperties-to-equal-additionalProperties",
        o2020(properties={"a": STRING}, unevaluatedProperties=False),
        o2020(properties={"a": STRING}, additionalProperties=False),
        BOTH_OK,
    ),
    case(
        "2020-unevaluatedProperties-beside-additionalProperties-is-vacuous",
        o2020(properties={"a": STRING}, additionalProperties=INTEGER, unevaluatedProperties=False),
        o2020(properties={"a": STRING}, additionalProperties=INTEGER),
        BOTH_OK,
    ),
    case(
        "2020-unevaluatedProperties-narrowed-beside-patternProperties",
        o2020(patternProperties={"^x": STRING}, unevaluatedProperties=STRING_OR_INTEGER),
        o2020(patternProperties={"^x": STRING}, unevaluatedProperties=INTEGER),
        FORWARD_OK,
        (K.TYPE_NARROWED, "/unevaluatedProperties/type"),
        old_only={"a": "s"},
    ),
    case(
        "2020-tuple-item-added-covered-by-unevaluatedItems",
        a2020(prefixItems=[STRING], unevaluatedItems=INTEGER),
        a2020(prefixItems=[STRING, INTEGER], unevaluatedItems=INTEGER),
        BOTH_OK,
        (K.ITEM_ADDED, "/prefixItems/1"),
    ),
    case(
        "2020-tuple-item-removed-covered-by-unevaluatedItems",
        a2020(prefixItems=[STRING, INTEGER], unevaluatedItems=INTEGER),
        a2020(prefixItems=[STRING], unevaluatedItems=INTEGER),
        BOTH_OK,
        (K.ITEM_REMOVED, "/prefixItems/1"),
    ),
    case(
        "2020-tuple-item-removed-under-unevaluatedItems-false",
        a2020(prefixItems=[STRING, INTEGER], unevaluatedItems=False),
        a2020(prefixItems=[STRING], unevaluatedItems=False),
        FORWARD_OK,
        (K.ITEM_REMOVED, "/prefixItems/1"),
        old_only=["a", 1],
    ),
    case(
        "2020-unevaluatedItems-beside-items-is-vacuous",
        a2020(prefixItems=[STRING], items=INTEGER, unevaluatedItems=False),
        a2020(prefixItems=[STRING], items=INTEGER),
        BOTH_OK,
    ),
    case(
        "2020-unevaluatedItems-alone-to-equal-items",
        a2020(unevaluatedItems=STRING),
        a2020(items=STRING),
        BOTH_OK,
    ),
    case(
        "2019-tuple-closed-by-unevaluatedItems-to-additionalItems",
        a2019(items=[STRING], unevaluatedItems=False),
        a2019(items=[STRING], additionalItems=False),
        BOTH_OK,
    ),
    case(
        "2019-tuple-item-added-under-unevaluatedItems-false",
        a2019(items=[STRING], unevaluatedItems=False),
        a2019(items=[STRING, INTEGER], unevaluatedItems=False),
        BACKWARD_OK,
        (K.ITEM_ADDED, "/items/1"),
        new_only=["a", 1],
    ),
]

# -- beside an applicator: conservative -----------------------------------------------------

BASE_ID: dict[str, Any] = {"properties": {"id": INTEGER}}
OBJECT_BASE: dict[str, Any] = {"properties": {"b": INTEGER}}


def with_base(base: dict[str, Any]) -> dict[str, Any]:
    """A $ref'd base whose evaluated properties unevaluatedProperties: false lets through."""
    return o2020(
        **{
            "$defs": {"Base": base},
            "$ref": "#/$defs/Base",
            "properties": {"name": STRING},
            "unevaluatedProperties": False,
        }
    )


APPLICATOR_CASES = [
    case(
        "2020-ref-target-evaluates-more-beside-unevaluatedProperties",
        # NEW's base evaluates x-names: {"xa": 1} passes NEW, not OLD. A sibling read
        # apart from its $ref would miss that (and once called forward compatible).
        with_base(BASE_ID),
        with_base({**BASE_ID, "patternProperties": {"^x": True}}),
        BACKWARD_OK,
        (K.PATTERN_PROPERTY_ADDED, "/$defs/Base/patternProperties/^x"),
        new_only={"xa": 1},
        issue=conservative(
            "unevaluatedProperties beside a $ref: what the target evaluates decides what "
            "it applies to, so any change there is unproven",
            "backward",
        ),
    ),
    case(
        "2020-unevaluatedProperties-beside-allOf-property-added",
        o2020(allOf=[{"properties": {"b": True}}], unevaluatedProperties=False),
        o2020(
            allOf=[{"properties": {"b": True}}],
            properties={"c": INTEGER},
            unevaluatedProperties=False,
        ),
        BACKWARD_OK,
        (K.PROPERTY_ADDED, "/properties/c"),
        new_only={"c": 1},
        issue=conservative(
            "unevaluatedProperties beside allOf: what the branches evaluate is not reasoned about",
            "backward",
        ),
    ),
    case(
        "2020-unevaluatedItems-beside-contains-tuple-item-added",
        # `contains` evaluates the integers, so both accept: a string, then integers
        # (at least one)
        a2020(prefixItems=[STRING], contains=INTEGER, unevaluatedItems=False),
        a2020(prefixItems=[STRING, INTEGER], contains=INTEGER, unevaluatedItems=False),
        BOTH_OK,
        (K.ITEM_ADDED, "/prefixItems/1"),
        issue=conservative(
            "unevaluatedItems beside contains: the items contains evaluates are not reasoned about",
            "backward",
            "forward",
        ),
    ),
    case(
        "2020-allOf-added-beside-unevaluatedProperties",
        # NEW's allOf evaluates `b`: {"b": 1} passes NEW, not OLD (forward was once
        # called compatible: the structural comparison skipped unevaluated*)
        o2020(properties={"a": STRING}, unevaluatedProperties=False),
        o2020(allOf=[OBJECT_BASE], properties={"a": STRING}, unevaluatedProperties=False),
        BACKWARD_OK,
        (K.PRODUCT_TYPE_EXTENDED, "/"),
        new_only={"b": 1},
        issue=conservative(
            "unevaluatedProperties beside an allOf added: what the branch evaluates is not "
            "reasoned about",
            "backward",
        ),
    ),
    case(
        "2020-allOf-beside-unevaluatedProperties-removed",
        # Judged apart from its allOf, OLD's `unevaluatedProperties: false` would close
        # the object and make this look backward compatible: `b` is evaluated there.
        o2020(allOf=[{"properties": {"b": True}}], unevaluatedProperties=False),
        o2020(properties={}, unevaluatedProperties=STRING),
        NEITHER_OK,
        (K.PRODUCT_TYPE_NARROWED, "/"),
        (K.UNSUPPORTED_KEYWORD, "/unevaluatedProperties"),
        old_only={"b": 1},
        new_only={"z": "s"},
    ),
]

CASES: list[Case] = [*TUPLE_CASES, *DRAFT_CASES, *UNEVALUATED_CASES, *APPLICATOR_CASES]


(
    test_case_names_are_unique,
    test_verdicts_kinds_and_paths,
    test_expectations_agree_with_jsonschema,
) = table_tests(CASES)


# -- every pair of a small family of schemas: no compatible verdict is contradicted -------

SWEEP: dict[str, list[Any]] = {
    "draft-07": [
        a7(items=STRING),
        a7(items=STRING, maxItems=2),
        a7(items=[STRING, STRING], additionalItems=False),
        a7(items=[STRING, INTEGER]),
        a7(items=[STRING, INTEGER], additionalItems=INTEGER),
        a7(items=[STRING], additionalItems=INTEGER),
        a7(items=[STRING], additionalItems=False, minItems=1),
        a7(items=[STRING, False]),
        a7(items=[STRING, INTEGER], maxItems=1),
        a7(maxItems=0),
        a7(additionalItems=False),
        a7(prefixItems=[INTEGER]),
    ],
    "2019-09": [
        a2019(items=[STRING], unevaluatedItems=False),
        a2019(items=[STRING, INTEGER], unevaluatedItems=False),
        a2019(items=[STRING], additionalItems=False),
        a2019(items=[STRING], unevaluatedItems=INTEGER),
        a2019(items=STRING, unevaluatedItems=False),
        a2019(unevaluatedItems=STRING),
    ],
    "2020-12": [
        a2020(prefixItems=[STRING], unevaluatedItems=False),
        a2020(prefixItems=[STRING], unevaluatedItems=INTEGER),
        a2020(prefixItems=[STRING, INTEGER], unevaluatedItems=INTEGER),
        a2020(prefixItems=[STRING, INTEGER], items=False),
        a2020(prefixItems=[STRING], items=INTEGER, unevaluatedItems=False),
        a2020(prefixItems=[STRING], contains=INTEGER, unevaluatedItems=False),
        a2020(items=STRING, maxItems=2),
        a2020(unevaluatedItems=STRING),
        a2020(prefixItems=[STRING, INTEGER], maxItems=1),
        a2020(items=False),
    ],
    "2020-12 objects": [
        o2020(properties={"a": STRING}, unevaluatedProperties=False),
        o2020(properties={"a": STRING, "b": INTEGER}, unevaluatedProperties=False),
        o2020(properties={"a": STRING}, unevaluatedProperties=INTEGER),
        o2020(properties={"a": STRING}, additionalProperties=False),
        o2020(properties={"a": STRING}, additionalProperties=INTEGER, unevaluatedProperties=False),
        o2020(patternProperties={"^x": STRING}, unevaluatedProperties=INTEGER),
        o2020(allOf=[OBJECT_BASE], unevaluatedProperties=False),
        o2020(allOf=[OBJECT_BASE], properties={"a": STRING}, unevaluatedProperties=False),
        o2020(**{"$defs": {"B": OBJECT_BASE}, "$ref": "#/$defs/B", "unevaluatedProperties": False}),
        o2020(
            **{
                "$defs": {"B": {**OBJECT_BASE, "patternProperties": {"^x": True}}},
                "$ref": "#/$defs/B",
                "unevaluatedProperties": False,
            }
        ),
    ],
}
VALUES: list[Any] = ["a", 1, True]
ARRAYS: list[Any] = [[]] + [[v] for v in VALUES]
ARRAYS += [[v, w] for v in VALUES for w in VALUES]
ARRAYS += [[v, w, x] for v in VALUES for w in VALUES for x in VALUES]
OBJECTS: list[Any] = [{}] + [{k: v} for k in ("a", "b", "xa", "z") for v in VALUES]
OBJECTS += [{"a": "a", k: v} for k in ("b", "xa", "z") for v in VALUES]


@pytest.mark.parametrize("family", list(SWEEP))
def test_no_compatible_verdict_among_the_family_is_contradicted(family: str) -> None:
    instances = OBJECTS if "objects" in family else ARRAYS
    wrong = []
    for old in SWEEP[family]:
        for new in SWEEP[family]:
            for mode, source, target in (("backward", old, new), ("forward", new, old)):
                if not diff_schemas(old, new, mode=mode, policy="strict").compatible:
                    continue
                wrong += [
                    (mode, old, new, instance)
                    for instance in instances
                    if accepts(source, instance) and not accepts(target, instance)
                ]
    assert not wrong, wrong[:3]
