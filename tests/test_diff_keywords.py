"""Keyword-by-keyword verdicts of the diff engine, one table row per behaviour.

Every row gives OLD, NEW and the verdicts that JSON Schema semantics demand:

* backward compatible  <=>  every instance OLD accepts, NEW accepts;
* forward compatible   <=>  every instance NEW accepts, OLD accepts.

The expected verdicts were worked out by hand from set inclusion, not by running the
engine. Each "not compatible" verdict carries a concrete counterexample instance
(`old_only`: accepted by OLD, rejected by NEW; `new_only`: the reverse), and
`test_expectations_agree_with_jsonschema` checks every counterexample, and checks every
"compatible" verdict against a pool of probe instances, with the `jsonschema` validator for
the schema's draft (formats asserted). Only the strict policy is semantic; the lenient
verdicts (`lenient=`) add the allowances of Confluent's LENIENT policy: a property added to
an open content model, and additionalProperties narrowed or removed (and the mirrors of both
for forward). A few rows follow the engine's documented contract instead of semantics
(`contract=`): a changed keyword the engine does not understand is breaking.

Rows where the engine disagrees with semantics are expected failures, strict:
"conservative: ..." where the engine says breaking but no counterexample exists, and
"BUG: ..." where the engine says compatible although a counterexample exists. Such a row
names the direction(s) expected to disagree; disagreeing anywhere else fails outright. Its
`changes` are documentation only (what a corrected engine would plausibly report) and are
not checked while it fails.
"BUG (path): ..." rows have the right verdicts and kinds but a path that does not point
where OLD changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from drift.diff import ChangeKind, Mode, Policy, Severity, diff_schemas
from tests.diff_table import (
    BACKWARD_OK,
    BOOLEAN,
    BOTH_OK,
    FORWARD_OK,
    INTEGER,
    MISSING,
    NEITHER_OK,
    NULL,
    NUMBER,
    STRING,
    Case,
    K,
    accepts,
    case,
    conservative,
    d4,
    d7,
    d2020,
    table_tests,
)

# -- type ----------------------------------------------------------------------------------

TYPE_CASES = [
    case(
        "keyword-of-a-type-the-schema-rules-out-added",
        INTEGER,
        {"type": "integer", "maxLength": 5, "required": ["a"], "minItems": 2},
        BOTH_OK,
    ),
    case(
        "keyword-of-a-type-the-schema-rules-out-removed-beside-a-type-change",
        {"type": "string", "minimum": 3},
        {"type": ["string", "integer"], "minimum": 3},
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/type"),
        new_only=3,
    ),
    case(
        "type-list-of-every-type-is-no-type",
        {},
        {"type": ["null", "boolean", "object", "array", "number", "string", "integer"]},
        BOTH_OK,
    ),
    case(
        "type-list-of-every-type-but-fractions-removed",
        {"type": ["null", "boolean", "object", "array", "integer", "string"]},
        {},
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/type"),
        new_only=1.5,
    ),
    case(
        "type-string-to-string-or-null",
        STRING,
        {"type": ["string", "null"]},
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/type"),
        new_only=None,
    ),
    case(
        "type-string-or-null-to-string",
        {"type": ["string", "null"]},
        STRING,
        FORWARD_OK,
        (K.TYPE_NARROWED, "/type"),
        old_only=None,
    ),
    case(
        "type-integer-to-number",
        INTEGER,
        NUMBER,
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/type"),
        new_only=1.5,
    ),
    case(
        "type-number-to-integer",
        NUMBER,
        INTEGER,
        FORWARD_OK,
        (K.TYPE_NARROWED, "/type"),
        old_only=1.5,
    ),
    case(
        "type-string-to-integer",
        STRING,
        INTEGER,
        NEITHER_OK,
        (K.TYPE_CHANGED, "/type"),
        old_only="a",
        new_only=1,
    ),
    case("type-added", {}, STRING, FORWARD_OK, (K.TYPE_NARROWED, "/type"), old_only=1),
    case("type-removed", STRING, {}, BACKWARD_OK, (K.TYPE_WIDENED, "/type"), new_only=1),
    case(
        "type-list-integer-to-number",
        {"type": ["integer", "string"]},
        {"type": ["number", "string"]},
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/type"),
        new_only=1.5,
    ),
    case(
        "type-list-number-and-integer-to-number-is-equal",
        {"type": ["number", "integer"]},
        NUMBER,
        BOTH_OK,
        (K.TYPE_CHANGED, "/type"),
    ),
]

# -- enum and const ------------------------------------------------------------------------

ENUM_CASES = [
    case(
        "enum-widened",
        {"enum": ["a", "b"]},
        {"enum": ["a", "b", "c"]},
        BACKWARD_OK,
        (K.ENUM_WIDENED, "/enum"),
        new_only="c",
    ),
    case(
        "enum-narrowed",
        {"enum": ["a", "b", "c"]},
        {"enum": ["a", "b"]},
        FORWARD_OK,
        (K.ENUM_NARROWED, "/enum"),
        old_only="c",
    ),
    case(
        "enum-changed",
        {"enum": ["a", "b"]},
        {"enum": ["a", "c"]},
        NEITHER_OK,
        (K.ENUM_CHANGED, "/enum"),
        old_only="b",
        new_only="c",
    ),
    case("enum-int-to-equal-float-is-no-change", {"enum": [1, 2]}, {"enum": [1.0, 2.0]}, BOTH_OK),
    case(
        "enum-1-to-true-is-a-change",
        {"enum": [1]},
        {"enum": [True]},
        NEITHER_OK,
        (K.ENUM_CHANGED, "/enum"),
        old_only=1,
        new_only=True,
    ),
    case(
        "const-changed",
        {"const": "a"},
        {"const": "b"},
        NEITHER_OK,
        (K.ENUM_CHANGED, "/const"),
        old_only="a",
        new_only="b",
    ),
    case(
        "const-added",
        STRING,
        {"type": "string", "const": "a"},
        FORWARD_OK,
        (K.ENUM_NARROWED, "/const"),
        old_only="b",
    ),
    case(
        "const-removed",
        {"type": "string", "const": "a"},
        STRING,
        BACKWARD_OK,
        (K.ENUM_WIDENED, "/const"),
        new_only="b",
    ),
    case(
        "const-to-enum-containing-it",
        {"const": "a"},
        {"enum": ["a", "b"]},
        BACKWARD_OK,
        (K.ENUM_WIDENED, "/const"),
        new_only="b",
    ),
    case(
        "enum-to-const-of-one-member",
        {"enum": ["a", "b"]},
        {"const": "a"},
        FORWARD_OK,
        (K.ENUM_NARROWED, "/enum"),
        old_only="b",
    ),
    case("const-1-to-1.0-is-no-change", {"const": 1}, {"const": 1.0}, BOTH_OK),
    case(
        "const-true-to-1-is-a-change",
        {"const": True},
        {"const": 1},
        NEITHER_OK,
        (K.ENUM_CHANGED, "/const"),
        old_only=True,
        new_only=1,
    ),
]

# -- minLength/maxLength/minItems/maxItems/minProperties/maxProperties ----------------------


def sized(type_name: str, size: int) -> Any:
    if type_name == "string":
        return "x" * size
    if type_name == "array":
        return list(range(size))
    return {f"k{index}": index for index in range(size)}


def bound_cases() -> list[Case]:
    found = []
    for keyword, type_name in (
        ("minLength", "string"),
        ("maxLength", "string"),
        ("minItems", "array"),
        ("maxItems", "array"),
        ("minProperties", "object"),
        ("maxProperties", "object"),
    ):
        lower = keyword.startswith("min")
        # 3 is the bound; the witness has size 2 below a lower bound, 4 above an upper one.
        loose, tight = (1, 3) if lower else (5, 3)
        witness = sized(type_name, 2 if lower else 4)
        base = {"type": type_name}
        here = f"/{keyword}"
        found += [
            case(
                f"{keyword}-added",
                base,
                {**base, keyword: 3},
                FORWARD_OK,
                (K.BOUND_ADDED, here),
                old_only=witness,
            ),
            case(
                f"{keyword}-removed",
                {**base, keyword: 3},
                base,
                BACKWARD_OK,
                (K.BOUND_REMOVED, here),
                new_only=witness,
            ),
            case(
                f"{keyword}-relaxed",
                {**base, keyword: tight},
                {**base, keyword: loose},
                BACKWARD_OK,
                (K.BOUND_RELAXED, here),
                new_only=witness,
            ),
            case(
                f"{keyword}-tightened",
                {**base, keyword: loose},
                {**base, keyword: tight},
                FORWARD_OK,
                (K.BOUND_TIGHTENED, here),
                old_only=witness,
            ),
        ]
    found.append(
        case(
            "minLength-0-added-is-vacuous",
            STRING,
            {"type": "string", "minLength": 0},
            BOTH_OK,
            (K.BOUND_ADDED, "/minLength"),
        )
    )
    return found


# -- minimum/maximum/exclusiveMinimum/exclusiveMaximum/multipleOf ---------------------------


def num(**schema: Any) -> dict[str, Any]:
    return {"type": "number", **schema}


NUMBER_CASES = [
    case(
        "minimum-added", num(), num(minimum=5), FORWARD_OK, (K.BOUND_ADDED, "/minimum"), old_only=4
    ),
    case(
        "minimum-removed",
        num(minimum=5),
        num(),
        BACKWARD_OK,
        (K.BOUND_REMOVED, "/minimum"),
        new_only=4,
    ),
    case(
        "minimum-relaxed",
        num(minimum=5),
        num(minimum=3),
        BACKWARD_OK,
        (K.BOUND_RELAXED, "/minimum"),
        new_only=4,
    ),
    case(
        "minimum-tightened",
        num(minimum=3),
        num(minimum=5),
        FORWARD_OK,
        (K.BOUND_TIGHTENED, "/minimum"),
        old_only=4,
    ),
    case(
        "maximum-added",
        num(),
        num(maximum=10),
        FORWARD_OK,
        (K.BOUND_ADDED, "/maximum"),
        old_only=11,
    ),
    case(
        "maximum-removed",
        num(maximum=10),
        num(),
        BACKWARD_OK,
        (K.BOUND_REMOVED, "/maximum"),
        new_only=11,
    ),
    case(
        "maximum-relaxed",
        num(maximum=10),
        num(maximum=20),
        BACKWARD_OK,
        (K.BOUND_RELAXED, "/maximum"),
        new_only=15,
    ),
    case(
        "maximum-tightened",
        num(maximum=20),
        num(maximum=10),
        FORWARD_OK,
        (K.BOUND_TIGHTENED, "/maximum"),
        old_only=15,
    ),
    case(
        "minimum-5-to-exclusiveMinimum-4-for-numbers",
        # x >= 5 implies x > 4, but 4.5 > 4 is not >= 5
        num(minimum=5),
        num(exclusiveMinimum=4),
        BACKWARD_OK,
        (K.BOUND_RELAXED, "/minimum"),
        new_only=4.5,
    ),
    case(
        "minimum-5-to-exclusiveMinimum-4-for-integers-is-equal",
        {"type": "integer", "minimum": 5},
        {"type": "integer", "exclusiveMinimum": 4},
        BOTH_OK,
        (K.BOUND_RELAXED, "/minimum"),
    ),
    case(
        "minimum-to-exclusiveMinimum-same-value",
        num(minimum=5),
        num(exclusiveMinimum=5),
        FORWARD_OK,
        (K.BOUND_TIGHTENED, "/minimum"),
        old_only=5,
    ),
    case(
        "exclusiveMinimum-to-minimum-same-value",
        num(exclusiveMinimum=5),
        num(minimum=5),
        BACKWARD_OK,
        (K.BOUND_RELAXED, "/exclusiveMinimum"),
        new_only=5,
    ),
    case(
        "maximum-to-exclusiveMaximum-same-value",
        num(maximum=10),
        num(exclusiveMaximum=10),
        FORWARD_OK,
        (K.BOUND_TIGHTENED, "/maximum"),
        old_only=10,
    ),
    case(
        "exclusiveMaximum-relaxed",
        num(exclusiveMaximum=10),
        num(exclusiveMaximum=11),
        BACKWARD_OK,
        (K.BOUND_RELAXED, "/exclusiveMaximum"),
        new_only=10.5,
    ),
    case(
        "minimum-and-exclusiveMinimum-to-minimum",
        num(minimum=5, exclusiveMinimum=5),
        num(minimum=5),
        BACKWARD_OK,
        (K.BOUND_RELAXED, "/exclusiveMinimum"),
        new_only=5,
    ),
    case(
        "draft04-exclusiveMinimum-true-added",
        d4(type="number", minimum=5),
        d4(type="number", minimum=5, exclusiveMinimum=True),
        FORWARD_OK,
        (K.BOUND_TIGHTENED, "/minimum"),
        old_only=5,
    ),
    case(
        "draft04-exclusiveMinimum-true-removed",
        d4(type="number", minimum=5, exclusiveMinimum=True),
        d4(type="number", minimum=5),
        BACKWARD_OK,
        (K.BOUND_RELAXED, "/exclusiveMinimum"),
        new_only=5,
    ),
    case(
        "draft04-exclusiveMaximum-true-removed",
        d4(type="number", maximum=10, exclusiveMaximum=True),
        d4(type="number", maximum=10),
        BACKWARD_OK,
        (K.BOUND_RELAXED, "/exclusiveMaximum"),
        new_only=10,
    ),
    case(
        "draft04-exclusive-5-to-inclusive-4",
        d4(type="number", minimum=5, exclusiveMinimum=True),
        d4(type="number", minimum=4),
        BACKWARD_OK,
        (K.BOUND_RELAXED, "/exclusiveMinimum"),
        new_only=4,
    ),
    case(
        "draft04-exclusive-5-to-inclusive-6",
        d4(type="number", minimum=5, exclusiveMinimum=True),
        d4(type="number", minimum=6),
        FORWARD_OK,
        (K.BOUND_TIGHTENED, "/exclusiveMinimum"),
        old_only=5.5,
    ),
    case(
        "draft04-exclusiveMinimum-false-is-no-change",
        d4(type="number", minimum=5, exclusiveMinimum=False),
        d4(type="number", minimum=5),
        BOTH_OK,
    ),
    case(
        "multipleOf-10-to-5",
        num(multipleOf=10),
        num(multipleOf=5),
        BACKWARD_OK,
        (K.MULTIPLE_OF_RELAXED, "/multipleOf"),
        new_only=5,
    ),
    case(
        "multipleOf-10-to-3",
        num(multipleOf=10),
        num(multipleOf=3),
        NEITHER_OK,
        (K.MULTIPLE_OF_CHANGED, "/multipleOf"),
        old_only=10,
        new_only=3,
    ),
    case(
        "multipleOf-5-to-10",
        num(multipleOf=5),
        num(multipleOf=10),
        FORWARD_OK,
        (K.MULTIPLE_OF_CHANGED, "/multipleOf"),
        old_only=5,
    ),
    case(
        "multipleOf-added",
        num(),
        num(multipleOf=5),
        FORWARD_OK,
        (K.MULTIPLE_OF_ADDED, "/multipleOf"),
        old_only=3,
    ),
    case(
        "multipleOf-removed",
        num(multipleOf=5),
        num(),
        BACKWARD_OK,
        (K.MULTIPLE_OF_REMOVED, "/multipleOf"),
        new_only=3,
    ),
    case(
        "multipleOf-fraction-halved",
        num(multipleOf=0.5),
        num(multipleOf=0.25),
        BACKWARD_OK,
        (K.MULTIPLE_OF_RELAXED, "/multipleOf"),
        new_only=0.25,
    ),
    case(
        "number-multipleOf-1-to-integer-is-equal",
        num(multipleOf=1),
        INTEGER,
        BOTH_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.MULTIPLE_OF_REMOVED, "/multipleOf"),
    ),
]

# -- pattern, format, uniqueItems -----------------------------------------------------------

STRING_CASES = [
    case(
        "pattern-added",
        STRING,
        {"type": "string", "pattern": "^a"},
        FORWARD_OK,
        (K.PATTERN_ADDED, "/pattern"),
        old_only="b",
    ),
    case(
        "pattern-removed",
        {"type": "string", "pattern": "^a"},
        STRING,
        BACKWARD_OK,
        (K.PATTERN_REMOVED, "/pattern"),
        new_only="b",
    ),
    case(
        "pattern-changed",
        {"type": "string", "pattern": "^a"},
        {"type": "string", "pattern": "^b"},
        NEITHER_OK,
        (K.PATTERN_CHANGED, "/pattern"),
        old_only="a",
        new_only="b",
    ),
    case(
        "pattern-widened-to-an-alternation",
        {"type": "string", "pattern": "^a"},
        {"type": "string", "pattern": "^(a|b)"},
        BACKWARD_OK,
        (K.PATTERN_CHANGED, "/pattern"),
        new_only="b",
    ),
    case(
        "format-added",
        STRING,
        {"type": "string", "format": "email"},
        FORWARD_OK,
        (K.FORMAT_ADDED, "/format"),
        old_only="x",
    ),
    case(
        "format-removed",
        {"type": "string", "format": "email"},
        STRING,
        BACKWARD_OK,
        (K.FORMAT_REMOVED, "/format"),
        new_only="x",
    ),
    case(
        "format-changed",
        {"type": "string", "format": "email"},
        {"type": "string", "format": "ipv4"},
        NEITHER_OK,
        (K.FORMAT_CHANGED, "/format"),
        old_only="a@b.c",
        new_only="1.2.3.4",
    ),
    case(
        "uniqueItems-added",
        {"type": "array"},
        {"type": "array", "uniqueItems": True},
        FORWARD_OK,
        (K.UNIQUE_ITEMS_ADDED, "/uniqueItems"),
        old_only=[1, 1],
    ),
    case(
        "uniqueItems-removed",
        {"type": "array", "uniqueItems": True},
        {"type": "array"},
        BACKWARD_OK,
        (K.UNIQUE_ITEMS_REMOVED, "/uniqueItems"),
        new_only=[1, 1],
    ),
    case(
        "uniqueItems-false-removed-is-no-change",
        {"type": "array", "uniqueItems": False},
        {"type": "array"},
        BOTH_OK,
    ),
]

# -- properties, required, additionalProperties ---------------------------------------------


def obj(
    *, additional: Any = MISSING, required: list[str] | None = None, **props: Any
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if additional is not MISSING:
        schema["additionalProperties"] = additional
    if required is not None:
        schema["required"] = required
    return schema


def base_with_id(type_name: str) -> dict[str, Any]:
    """2020-12 inheritance: a $ref'd base, own properties, closed by unevaluatedProperties."""
    return {
        "$defs": {"Base": {"properties": {"id": {"type": type_name}}}},
        "$ref": "#/$defs/Base",
        "properties": {"name": STRING},
        "unevaluatedProperties": False,
    }


BASE_INTEGER_ID, BASE_STRING_ID = base_with_id("integer"), base_with_id("string")

OBJECT_CASES = [
    case(
        "property-added-to-open-model",
        obj(a=STRING),
        obj(a=STRING, b=INTEGER),
        FORWARD_OK,
        (K.PROPERTY_ADDED, "/properties/b"),
        lenient=BOTH_OK,
        old_only={"b": "x"},
    ),
    case(
        "property-added-to-closed-model",
        obj(a=STRING, additional=False),
        obj(a=STRING, b=INTEGER, additional=False),
        BACKWARD_OK,
        (K.PROPERTY_ADDED, "/properties/b"),
        new_only={"b": 1},
    ),
    case(
        "property-added-to-partially-open-model-same-schema",
        obj(a=STRING, additional=STRING),
        obj(a=STRING, b=STRING, additional=STRING),
        BOTH_OK,
        (K.PROPERTY_ADDED, "/properties/b"),
    ),
    case(
        "property-added-to-partially-open-model-wider-schema",
        obj(a=STRING, additional=STRING),
        obj(a=STRING, b={"type": ["string", "integer"]}, additional=STRING),
        BACKWARD_OK,
        (K.PROPERTY_ADDED, "/properties/b"),
        new_only={"b": 1},
    ),
    case(
        "property-added-to-partially-open-model-other-schema",
        obj(a=STRING, additional=STRING),
        obj(a=STRING, b=INTEGER, additional=STRING),
        NEITHER_OK,
        (K.PROPERTY_ADDED, "/properties/b"),
        old_only={"b": "x"},
        new_only={"b": 1},
    ),
    case(
        "property-removed-from-open-model",
        obj(a=STRING, b=INTEGER),
        obj(a=STRING),
        BACKWARD_OK,
        (K.PROPERTY_REMOVED, "/properties/b"),
        lenient=BOTH_OK,
        new_only={"b": "x"},
    ),
    case(
        "property-removed-from-closed-model",
        obj(a=STRING, b=INTEGER, additional=False),
        obj(a=STRING, additional=False),
        FORWARD_OK,
        (K.PROPERTY_REMOVED, "/properties/b"),
        old_only={"b": 1},
    ),
    case(
        "property-removed-from-partially-open-model-same-schema",
        obj(a=STRING, b=STRING, additional=STRING),
        obj(a=STRING, additional=STRING),
        BOTH_OK,
        (K.PROPERTY_REMOVED, "/properties/b"),
    ),
    case(
        "property-removed-from-partially-open-model-other-schema",
        obj(a=STRING, b=INTEGER, additional=STRING),
        obj(a=STRING, additional=STRING),
        NEITHER_OK,
        (K.PROPERTY_REMOVED, "/properties/b"),
        old_only={"b": 1},
        new_only={"b": "x"},
    ),
    case(
        "property-type-changed",
        obj(a=STRING),
        obj(a=INTEGER),
        NEITHER_OK,
        (K.TYPE_CHANGED, "/properties/a/type"),
        old_only={"a": "x"},
        new_only={"a": 1},
    ),
    case(
        "required-added",
        obj(a=STRING, b=STRING, required=["a"]),
        obj(a=STRING, b=STRING, required=["a", "b"]),
        FORWARD_OK,
        (K.REQUIRED_ADDED, "/required"),
        old_only={"a": "x"},
    ),
    case(
        "required-removed",
        obj(a=STRING, b=STRING, required=["a", "b"]),
        obj(a=STRING, b=STRING, required=["a"]),
        BACKWARD_OK,
        (K.REQUIRED_REMOVED, "/required/1"),
        new_only={"a": "x"},
    ),
    case(
        "required-added-for-an-undeclared-name",
        obj(a=STRING),
        obj(a=STRING, required=["z"]),
        FORWARD_OK,
        (K.REQUIRED_UNDECLARED_ADDED, "/required"),
        old_only={},
    ),
    case(
        "required-swapped-for-an-undeclared-name",
        obj(foo=STRING, required=["foo"]),
        obj(foo=STRING, required=["bar"]),
        NEITHER_OK,
        (K.REQUIRED_UNDECLARED_ADDED, "/required"),
        (K.REQUIRED_REMOVED, "/required/0"),
        old_only={"foo": "x"},
        new_only={"bar": 1},
    ),
    case(
        "additionalProperties-absent-to-false",
        obj(a=STRING),
        obj(a=STRING, additional=False),
        FORWARD_OK,
        (K.ADDITIONAL_PROPERTIES_NARROWED, "/additionalProperties"),
        lenient=BOTH_OK,
        old_only={"z": 1},
    ),
    case(
        "additionalProperties-true-to-false",
        obj(a=STRING, additional=True),
        obj(a=STRING, additional=False),
        FORWARD_OK,
        (K.ADDITIONAL_PROPERTIES_NARROWED, "/additionalProperties"),
        lenient=BOTH_OK,
        old_only={"z": 1},
    ),
    case(
        "additionalProperties-true-to-schema",
        obj(a=STRING, additional=True),
        obj(a=STRING, additional=STRING),
        FORWARD_OK,
        (K.ADDITIONAL_PROPERTIES_NARROWED, "/additionalProperties"),
        lenient=BOTH_OK,
        old_only={"z": 1},
    ),
    case(
        "additionalProperties-false-to-true",
        obj(a=STRING, additional=False),
        obj(a=STRING, additional=True),
        BACKWARD_OK,
        (K.ADDITIONAL_PROPERTIES_WIDENED, "/additionalProperties"),
        lenient=BOTH_OK,
        new_only={"z": 1},
    ),
    case(
        "additionalProperties-false-to-schema",
        obj(a=STRING, additional=False),
        obj(a=STRING, additional=STRING),
        BACKWARD_OK,
        (K.ADDITIONAL_PROPERTIES_WIDENED, "/additionalProperties"),
        lenient=BOTH_OK,
        new_only={"z": "x"},
    ),
    case(
        "additionalProperties-schema-to-true",
        obj(a=STRING, additional=STRING),
        obj(a=STRING, additional=True),
        BACKWARD_OK,
        (K.ADDITIONAL_PROPERTIES_WIDENED, "/additionalProperties"),
        lenient=BOTH_OK,
        new_only={"z": 1},
    ),
    case(
        "additionalProperties-schema-to-false",
        obj(a=STRING, additional=STRING),
        obj(a=STRING, additional=False),
        FORWARD_OK,
        (K.ADDITIONAL_PROPERTIES_NARROWED, "/additionalProperties"),
        lenient=BOTH_OK,
        old_only={"z": "x"},
    ),
    case(
        "additionalProperties-schema-widened",
        obj(a=STRING, additional=STRING),
        obj(a=STRING, additional={"type": ["string", "integer"]}),
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/additionalProperties/type"),
        new_only={"z": 1},
    ),
    case(
        "additionalProperties-schema-narrowed",
        obj(a=STRING, additional={"type": ["string", "integer"]}),
        obj(a=STRING, additional=STRING),
        FORWARD_OK,
        (K.TYPE_NARROWED, "/additionalProperties/type"),
        old_only={"z": 1},
    ),
    case(
        "additionalProperties-schema-changed",
        obj(a=STRING, additional=STRING),
        obj(a=STRING, additional=INTEGER),
        NEITHER_OK,
        (K.TYPE_CHANGED, "/additionalProperties/type"),
        old_only={"z": "x"},
        new_only={"z": 1},
    ),
    case(
        "2020-unevaluatedProperties-false-to-true",
        d2020(type="object", properties={"a": STRING}, unevaluatedProperties=False),
        d2020(type="object", properties={"a": STRING}, unevaluatedProperties=True),
        BACKWARD_OK,
        (K.ADDITIONAL_PROPERTIES_WIDENED, "/unevaluatedProperties"),
        # with no other applicator here it acts as additionalProperties
        lenient=BOTH_OK,
        new_only={"z": 1},
    ),
    case(
        "2020-unevaluatedProperties-sees-an-allOf-property-now-declared",
        # `b` is evaluated by the allOf branch, so OLD accepts {"b": <anything>}
        d2020(allOf=[{"properties": {"b": True}}], unevaluatedProperties=False),
        d2020(
            allOf=[{"properties": {"b": True}}],
            properties={"b": STRING},
            unevaluatedProperties=False,
        ),
        FORWARD_OK,
        (K.PROPERTY_ADDED, "/properties/b"),
        old_only={"b": 1},
        issue=conservative(
            "unevaluatedProperties present and the schema changed, so forward is rated "
            "breaking; but NEW only adds a string constraint on `b` (evaluated in both), "
            "and everything else it accepts OLD accepts",
            "forward",
        ),
    ),
    case(
        "2020-ref-sibling-unevaluatedProperties-base-changed",
        d2020(**BASE_INTEGER_ID),
        d2020(**BASE_STRING_ID),
        NEITHER_OK,
        # beside a $ref, unevaluatedProperties depends on what the target evaluates
        (K.UNSUPPORTED_KEYWORD, "/unevaluatedProperties"),
        # the allOf pairing of target and siblings picks its least breaking pair
        (K.PROPERTY_REMOVED, "/$defs/Base/properties/id"),
        (K.PROPERTY_ADDED, "/$defs/Base/properties/name"),
        old_only={"id": 1},
        new_only={"id": "x"},
    ),
]

# -- patternProperties, propertyNames -------------------------------------------------------

OPEN: dict[str, Any] = {"type": "object"}
CLOSED: dict[str, Any] = {"type": "object", "additionalProperties": False}

PATTERN_CASES = [
    case(
        "patternProperties-added-to-open-model",
        OPEN,
        {**OPEN, "patternProperties": {"^x_": STRING}},
        FORWARD_OK,
        (K.PATTERN_PROPERTY_ADDED, "/patternProperties/^x_"),
        old_only={"x_a": 1},
    ),
    case(
        "patternProperties-removed-from-open-model",
        {**OPEN, "patternProperties": {"^x_": STRING}},
        OPEN,
        BACKWARD_OK,
        (K.PATTERN_PROPERTY_REMOVED, "/patternProperties/^x_"),
        new_only={"x_a": 1},
    ),
    case(
        "patternProperties-added-to-closed-model",
        CLOSED,
        {**CLOSED, "patternProperties": {"^x_": STRING}},
        BACKWARD_OK,
        (K.PATTERN_PROPERTY_ADDED, "/patternProperties/^x_"),
        new_only={"x_a": "s"},
    ),
    case(
        "patternProperties-removed-from-closed-model",
        {**CLOSED, "patternProperties": {"^x_": STRING}},
        CLOSED,
        FORWARD_OK,
        (K.PATTERN_PROPERTY_REMOVED, "/patternProperties/^x_"),
        old_only={"x_a": "s"},
    ),
    case(
        "patternProperties-schema-widened",
        {**OPEN, "patternProperties": {"^x_": STRING}},
        {**OPEN, "patternProperties": {"^x_": {"type": ["string", "integer"]}}},
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/patternProperties/^x_/type"),
        new_only={"x_a": 1},
    ),
    case(
        "patternProperties-pattern-changed",
        {**OPEN, "patternProperties": {"^x_": STRING}},
        {**OPEN, "patternProperties": {"^y_": STRING}},
        NEITHER_OK,
        (K.PATTERN_PROPERTY_REMOVED, "/patternProperties/^x_"),
        (K.PATTERN_PROPERTY_ADDED, "/patternProperties/^y_"),
        old_only={"y_a": 1},
        new_only={"x_a": 1},
    ),
    case(
        "patternProperties-added-over-a-declared-property",
        {**OPEN, "properties": {"x_a": STRING}},
        {**OPEN, "properties": {"x_a": STRING}, "patternProperties": {"^x_": {"maxLength": 3}}},
        FORWARD_OK,
        (K.PATTERN_PROPERTY_ADDED, "/properties/x_a"),
        (K.PATTERN_PROPERTY_ADDED, "/patternProperties/^x_"),
        old_only={"x_a": "long"},
    ),
    case(
        "propertyNames-added",
        OPEN,
        {**OPEN, "propertyNames": {"maxLength": 3}},
        FORWARD_OK,
        (K.SCHEMA_NARROWED, "/propertyNames"),
        old_only={"abcd": 1},
    ),
    case(
        "propertyNames-removed",
        {**OPEN, "propertyNames": {"maxLength": 3}},
        OPEN,
        BACKWARD_OK,
        (K.SCHEMA_WIDENED, "/propertyNames"),
        new_only={"abcd": 1},
    ),
    case(
        "propertyNames-relaxed",
        {**OPEN, "propertyNames": {"maxLength": 3}},
        {**OPEN, "propertyNames": {"maxLength": 5}},
        BACKWARD_OK,
        (K.BOUND_RELAXED, "/propertyNames/maxLength"),
        new_only={"abcd": 1},
    ),
]

# -- dependencies (draft-07), dependentRequired/dependentSchemas (2020-12) ------------------

B_IS_STRING: dict[str, Any] = {"properties": {"b": STRING}}
B_IS_OPTIONAL: dict[str, Any] = {"properties": {"b": {"type": ["string", "null"]}}}

DEPENDENCY_CASES = [
    case(
        "draft07-dependencies-array-added",
        d7(type="object"),
        d7(type="object", dependencies={"a": ["b"]}),
        FORWARD_OK,
        (K.DEPENDENCY_ADDED, "/dependencies/a"),
        old_only={"a": 1},
    ),
    case(
        "draft07-dependencies-array-removed",
        d7(type="object", dependencies={"a": ["b"]}),
        d7(type="object"),
        BACKWARD_OK,
        (K.DEPENDENCY_REMOVED, "/dependencies/a"),
        new_only={"a": 1},
    ),
    case(
        "draft07-dependencies-array-extended",
        d7(type="object", dependencies={"a": ["b"]}),
        d7(type="object", dependencies={"a": ["b", "c"]}),
        FORWARD_OK,
        (K.DEPENDENCY_CHANGED, "/dependencies/a"),
        old_only={"a": 1, "b": 1},
    ),
    case(
        "draft07-dependencies-array-changed",
        d7(type="object", dependencies={"a": ["b"]}),
        d7(type="object", dependencies={"a": ["c"]}),
        NEITHER_OK,
        (K.DEPENDENCY_CHANGED, "/dependencies/a"),
        old_only={"a": 1, "b": 1},
        new_only={"a": 1, "c": 1},
    ),
    case(
        "draft07-dependencies-schema-added",
        d7(type="object"),
        d7(type="object", dependencies={"a": {"required": ["b"]}}),
        FORWARD_OK,
        (K.SCHEMA_NARROWED, "/dependencies/a"),
        old_only={"a": 1},
    ),
    case(
        "draft07-dependencies-schema-removed",
        d7(type="object", dependencies={"a": {"required": ["b"]}}),
        d7(type="object"),
        BACKWARD_OK,
        (K.SCHEMA_WIDENED, "/dependencies/a"),
        new_only={"a": 1},
    ),
    case(
        "draft07-dependencies-schema-widened",
        d7(type="object", dependencies={"a": B_IS_STRING}),
        d7(type="object", dependencies={"a": B_IS_OPTIONAL}),
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/dependencies/a/properties/b/type"),
        new_only={"a": 1, "b": None},
    ),
    case(
        "dependentRequired-added",
        d2020(type="object"),
        d2020(type="object", dependentRequired={"a": ["b"]}),
        FORWARD_OK,
        (K.DEPENDENCY_ADDED, "/dependentRequired/a"),
        old_only={"a": 1},
    ),
    case(
        "dependentRequired-removed",
        d2020(type="object", dependentRequired={"a": ["b"]}),
        d2020(type="object"),
        BACKWARD_OK,
        (K.DEPENDENCY_REMOVED, "/dependentRequired/a"),
        new_only={"a": 1},
    ),
    case(
        "dependentRequired-extended",
        d2020(type="object", dependentRequired={"a": ["b"]}),
        d2020(type="object", dependentRequired={"a": ["b", "c"]}),
        FORWARD_OK,
        (K.DEPENDENCY_CHANGED, "/dependentRequired/a"),
        old_only={"a": 1, "b": 1},
    ),
    case(
        "dependentSchemas-added",
        d2020(type="object"),
        d2020(type="object", dependentSchemas={"a": {"required": ["b"]}}),
        FORWARD_OK,
        (K.SCHEMA_NARROWED, "/dependentSchemas/a"),
        old_only={"a": 1},
    ),
    case(
        "dependentSchemas-removed",
        d2020(type="object", dependentSchemas={"a": {"required": ["b"]}}),
        d2020(type="object"),
        BACKWARD_OK,
        (K.SCHEMA_WIDENED, "/dependentSchemas/a"),
        new_only={"a": 1},
    ),
    case(
        "dependentSchemas-widened",
        d2020(type="object", dependentSchemas={"a": B_IS_STRING}),
        d2020(type="object", dependentSchemas={"a": B_IS_OPTIONAL}),
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/dependentSchemas/a/properties/b/type"),
        new_only={"a": 1, "b": None},
    ),
    case(
        "draft07-dependencies-to-2020-dependentRequired-and-dependentSchemas",
        d7(type="object", dependencies={"a": ["b"], "c": B_IS_STRING}),
        d2020(type="object", dependentRequired={"a": ["b"]}, dependentSchemas={"c": B_IS_STRING}),
        BOTH_OK,
        (K.METADATA_CHANGED, "/$schema"),
        cosmetic=True,
        issue=conservative(
            "a change of draft family (draft-07 -> 2020-12) is rated one breaking change at "
            "/$schema; here `dependencies` is split into its exact 2020-12 equivalents",
            "backward",
            "forward",
        ),
    ),
    case(
        "draft07-to-2020-keeping-dependencies",
        # 2020-12 has no `dependencies` keyword: NEW no longer enforces it
        d7(type="object", dependencies={"a": ["b"]}),
        d2020(type="object", dependencies={"a": ["b"]}),
        BACKWARD_OK,
        (K.METADATA_CHANGED, "/$schema"),
        (K.DEPENDENCY_REMOVED, "/dependencies/a"),
        new_only={"a": 1},
        issue=conservative(
            "a change of draft family (draft-07 -> 2020-12) is rated one breaking change at "
            "/$schema; its only effect here is that NEW ignores `dependencies`, which only "
            "admits more",
            "backward",
        ),
    ),
    case(
        "2020-ignored-dependencies-to-dependentRequired",
        d2020(type="object", dependencies={"a": ["b"]}),
        d2020(type="object", dependentRequired={"a": ["b"]}),
        FORWARD_OK,
        (K.DEPENDENCY_ADDED, "/dependentRequired/a"),
        # `dependencies` is not a 2020-12 keyword: its validators ignore it
        (K.ANNOTATION_CHANGED, "/dependencies"),
        old_only={"a": 1},
    ),
]

# -- items, tuples, contains ----------------------------------------------------------------


def arr(**schema: Any) -> dict[str, Any]:
    return {"type": "array", **schema}


TUPLE = [STRING, INTEGER]
Spell = Callable[[list[Any], Any], dict[str, Any]]


def tuple_cases(label: str, spell: Spell, tuple_key: str, rest_key: str) -> list[Case]:
    """Tuple rows for one draft: `spell(tuple, rest)` writes the schema (rest MISSING: none)."""
    added = f"/{tuple_key}/2"
    removed = f"/{tuple_key}/1"
    return [
        case(
            f"{label}-tuple-item-added-open-rest",
            spell(TUPLE, MISSING),
            spell([*TUPLE, BOOLEAN], MISSING),
            FORWARD_OK,
            (K.ITEM_ADDED, added),
            old_only=["a", 1, "x"],
        ),
        case(
            f"{label}-tuple-item-added-closed-rest",
            spell(TUPLE, False),
            spell([*TUPLE, BOOLEAN], False),
            BACKWARD_OK,
            (K.ITEM_ADDED, added),
            new_only=["a", 1, True],
        ),
        case(
            f"{label}-tuple-item-added-partially-open-rest-same-schema",
            spell(TUPLE, BOOLEAN),
            spell([*TUPLE, BOOLEAN], BOOLEAN),
            BOTH_OK,
            (K.ITEM_ADDED, added),
        ),
        case(
            f"{label}-tuple-item-added-partially-open-rest-other-schema",
            spell(TUPLE, BOOLEAN),
            spell([*TUPLE, STRING], BOOLEAN),
            NEITHER_OK,
            (K.ITEM_ADDED, added),
            old_only=["a", 1, True],
            new_only=["a", 1, "x"],
        ),
        case(
            f"{label}-tuple-item-removed-open-rest",
            spell(TUPLE, MISSING),
            spell([STRING], MISSING),
            BACKWARD_OK,
            (K.ITEM_REMOVED, removed),
            new_only=["a", "x"],
        ),
        case(
            f"{label}-tuple-item-removed-closed-rest",
            spell(TUPLE, False),
            spell([STRING], False),
            FORWARD_OK,
            (K.ITEM_REMOVED, removed),
            old_only=["a", 1],
        ),
        case(
            f"{label}-tuple-item-removed-partially-open-rest",
            spell(TUPLE, BOOLEAN),
            spell([STRING], BOOLEAN),
            NEITHER_OK,
            (K.ITEM_REMOVED, removed),
            old_only=["a", 1],
            new_only=["a", True],
        ),
        case(
            f"{label}-tuple-rest-closed",
            spell(TUPLE, True),
            spell(TUPLE, False),
            FORWARD_OK,
            (K.ADDITIONAL_ITEMS_NARROWED, f"/{rest_key}"),
            old_only=["a", 1, "x"],
        ),
        case(
            f"{label}-tuple-rest-opened",
            spell(TUPLE, False),
            spell(TUPLE, True),
            BACKWARD_OK,
            (K.ADDITIONAL_ITEMS_WIDENED, f"/{rest_key}"),
            new_only=["a", 1, "x"],
        ),
        case(
            f"{label}-tuple-rest-schema-widened",
            spell(TUPLE, BOOLEAN),
            spell(TUPLE, {"type": ["boolean", "null"]}),
            BACKWARD_OK,
            (K.TYPE_WIDENED, f"/{rest_key}/type"),
            new_only=["a", 1, None],
        ),
    ]


def draft07_tuple(items: list[Any], rest: Any) -> dict[str, Any]:
    schema = d7(type="array", items=items)
    if rest is not MISSING:
        schema["additionalItems"] = rest
    return schema


def draft2020_tuple(items: list[Any], rest: Any) -> dict[str, Any]:
    schema = d2020(type="array", prefixItems=items)
    if rest is not MISSING:
        schema["items"] = rest
    return schema


ARRAY_CASES = [
    case(
        "items-schema-widened",
        arr(items=STRING),
        arr(items={"type": ["string", "null"]}),
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/items/type"),
        new_only=[None],
    ),
    case(
        "items-schema-narrowed",
        arr(items={"type": ["string", "null"]}),
        arr(items=STRING),
        FORWARD_OK,
        (K.TYPE_NARROWED, "/items/type"),
        old_only=[None],
    ),
    case(
        "items-added",
        arr(),
        arr(items=STRING),
        FORWARD_OK,
        (K.ADDITIONAL_ITEMS_NARROWED, "/items"),
        old_only=[1],
    ),
    case(
        "items-removed",
        arr(items=STRING),
        arr(),
        BACKWARD_OK,
        (K.ADDITIONAL_ITEMS_WIDENED, "/items"),
        new_only=[1],
    ),
    *tuple_cases("draft07", draft07_tuple, "items", "additionalItems"),
    *tuple_cases("2020", draft2020_tuple, "prefixItems", "items"),
    case(
        "draft07-items-schema-to-equivalent-tuple",
        d7(type="array", items=STRING),
        d7(type="array", items=[STRING], additionalItems=STRING),
        BOTH_OK,
        (K.ITEM_ADDED, "/items/0"),
    ),
    case(
        "2020-items-schema-to-equivalent-prefixItems",
        d2020(type="array", items=STRING),
        d2020(type="array", prefixItems=[STRING], items=STRING),
        BOTH_OK,
        (K.ITEM_ADDED, "/prefixItems/0"),
    ),
    case(
        "contains-added",
        arr(),
        arr(contains=INTEGER),
        FORWARD_OK,
        (K.CONTAINS_ADDED, "/contains"),
        old_only=[],
    ),
    case(
        "contains-removed",
        arr(contains=INTEGER),
        arr(),
        BACKWARD_OK,
        (K.CONTAINS_REMOVED, "/contains"),
        new_only=[],
    ),
    case(
        "contains-widened",
        arr(contains=INTEGER),
        arr(contains=NUMBER),
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/contains/type"),
        new_only=[1.5],
    ),
    case(
        "minContains-added",
        d2020(type="array", contains=INTEGER),
        d2020(type="array", contains=INTEGER, minContains=2),
        FORWARD_OK,
        (K.BOUND_ADDED, "/minContains"),
        old_only=[1],
    ),
    case(
        "maxContains-added",
        d2020(type="array", contains=INTEGER),
        d2020(type="array", contains=INTEGER, maxContains=1),
        FORWARD_OK,
        (K.BOUND_ADDED, "/maxContains"),
        old_only=[1, 2],
    ),
    case(
        "2020-unevaluatedItems-false-added-after-a-tuple",
        d2020(type="array", prefixItems=[STRING]),
        d2020(type="array", prefixItems=[STRING], unevaluatedItems=False),
        FORWARD_OK,
        # unevaluatedItems: false only closes the tuple after its one position
        (K.ADDITIONAL_ITEMS_NARROWED, "/unevaluatedItems"),
        old_only=["a", 1],
    ),
    case(
        "2020-tuple-closed-by-unevaluatedItems-gains-an-item",
        # OLD accepts [] and ["a"] only; NEW also ["a", 1]
        d2020(type="array", prefixItems=[STRING], unevaluatedItems=False),
        d2020(type="array", prefixItems=[STRING, INTEGER], unevaluatedItems=False),
        BACKWARD_OK,
        (K.ITEM_ADDED, "/prefixItems/1"),
        new_only=["a", 1],
    ),
    case(
        "draft07-ignored-prefixItems-to-items-tuple",
        # prefixItems is not a draft-07 keyword: OLD accepts any array
        d7(type="array", prefixItems=[INTEGER]),
        d7(type="array", items=[INTEGER]),
        FORWARD_OK,
        (K.ITEM_ADDED, "/items/0"),
        (K.ANNOTATION_CHANGED, "/prefixItems"),
        old_only=["x"],
    ),
    case(
        "draft07-additionalItems-without-tuple-then-items-added",
        # draft-07 ignores additionalItems unless items is an array: OLD accepts any array
        d7(type="array", additionalItems=False),
        d7(type="array", items=STRING),
        FORWARD_OK,
        (K.ADDITIONAL_ITEMS_NARROWED, "/items"),
        # under a declared draft, as its validators read it: ignored
        (K.ANNOTATION_CHANGED, "/additionalItems"),
        old_only=[1],
    ),
    case(
        "draft07-items-removed-leaving-additionalItems-without-tuple",
        d7(type="array", items=STRING),
        d7(type="array", additionalItems=False),
        BACKWARD_OK,
        (K.ADDITIONAL_ITEMS_WIDENED, "/items"),
        (K.ANNOTATION_CHANGED, "/additionalItems"),
        new_only=[1],
    ),
]

# -- allOf, anyOf, oneOf, not ---------------------------------------------------------------


def variant(kind: str, **props: Any) -> dict[str, Any]:
    """One branch of a discriminated union: `kind` is required and constant."""
    return {
        "type": "object",
        "properties": {"kind": {"const": kind}, **props},
        "required": ["kind"],
    }


A, B, C = variant("a", x=STRING), variant("b", y=INTEGER), variant("c", z=BOOLEAN)
SHORT: dict[str, Any] = {"maxLength": 5}  # any non-string, or a string of at most 5


def ref_union(x_type: Any) -> dict[str, Any]:
    """oneOf over two $refs: X (changing) and Y (integer)."""
    return {
        "$defs": {"X": {"type": x_type}, "Y": INTEGER},
        "oneOf": [{"$ref": "#/$defs/X"}, {"$ref": "#/$defs/Y"}],
    }


UNTYPED_A, UNTYPED_B = (
    {"properties": {"kind": {"const": kind}}, "required": ["kind"]} for kind in "ab"
)

OBJECT: dict[str, Any] = {"type": "object"}


def one_branch_if(then: dict[str, Any]) -> dict[str, Any]:
    """A one-branch anyOf beside if/then: {"kind": "a"} objects must satisfy `then`."""
    condition = {"properties": {"kind": {"const": "a"}}, "required": ["kind"]}
    return {"anyOf": [OBJECT], "if": condition, "then": then}


COMBINATOR_CASES = [
    case(
        "plain-to-anyOf-with-null-pydantic-optional",
        obj(name=STRING),
        obj(name={"anyOf": [STRING, NULL]}),
        BACKWARD_OK,
        (K.SUM_TYPE_EXTENDED, "/properties/name"),
        new_only={"name": None},
    ),
    case(
        "anyOf-with-null-to-plain",
        obj(name={"anyOf": [STRING, NULL]}),
        obj(name=STRING),
        FORWARD_OK,
        (K.SUM_TYPE_NARROWED, "/properties/name"),
        old_only={"name": None},
    ),
    case(
        "anyOf-gains-a-branch",
        {"anyOf": [STRING, INTEGER]},
        {"anyOf": [STRING, INTEGER, NULL]},
        BACKWARD_OK,
        (K.SUM_TYPE_EXTENDED, "/anyOf"),
        new_only=None,
    ),
    case(
        "anyOf-loses-a-branch",
        {"anyOf": [STRING, INTEGER, NULL]},
        {"anyOf": [STRING, INTEGER]},
        FORWARD_OK,
        (K.TYPE_CHANGED, "/anyOf/2/type"),
        (K.SUM_TYPE_NARROWED, "/anyOf"),
        old_only=None,
    ),
    case(
        "allOf-gains-a-branch",
        {"allOf": [STRING, {"minLength": 1}]},
        {"allOf": [STRING, {"minLength": 1}, {"maxLength": 5}]},
        FORWARD_OK,
        (K.PRODUCT_TYPE_EXTENDED, "/allOf"),
        old_only="abcdef",
    ),
    case(
        "allOf-loses-a-branch",
        {"allOf": [STRING, {"minLength": 1}, {"maxLength": 5}]},
        {"allOf": [STRING, {"minLength": 1}]},
        BACKWARD_OK,
        (K.TYPE_NARROWED, "/allOf/2/type"),
        (K.BOUND_REMOVED, "/allOf/2/maxLength"),
        (K.PRODUCT_TYPE_NARROWED, "/allOf"),
        new_only="abcdef",
    ),
    case(
        "allOf-branch-relaxed",
        {"allOf": [STRING, {"maxLength": 5}]},
        {"allOf": [STRING, {"maxLength": 10}]},
        BACKWARD_OK,
        (K.BOUND_RELAXED, "/allOf/1/maxLength"),
        new_only="abcdef",
    ),
    case(
        "oneOf-with-overlapping-branches-gains-a-branch",
        # integers matched only {maxLength: 5}; now they match two branches
        {"oneOf": [STRING, SHORT]},
        {"oneOf": [STRING, SHORT, INTEGER]},
        FORWARD_OK,
        (K.SUM_TYPE_EXTENDED, "/oneOf"),
        old_only=1,
    ),
    case(
        "oneOf-with-overlapping-branches-gains-a-disjoint-branch",
        {"oneOf": [STRING, {"type": "string", "maxLength": 5}]},
        {"oneOf": [STRING, {"type": "string", "maxLength": 5}, INTEGER]},
        BACKWARD_OK,
        (K.SUM_TYPE_EXTENDED, "/oneOf"),
        new_only=1,
    ),
    case(
        "oneOf-gains-a-branch-overlapping-an-old-one",
        {"oneOf": [STRING, INTEGER]},
        {"oneOf": [STRING, INTEGER, NUMBER]},
        NEITHER_OK,
        (K.SUM_TYPE_EXTENDED, "/oneOf"),
        old_only=1,
        new_only=1.5,
    ),
    case(
        "oneOf-ref-branches-widened-into-overlap",
        # integers matched only Y; once X admits integers too they match both
        ref_union("string"),
        ref_union(["string", "integer"]),
        FORWARD_OK,
        (K.TYPE_WIDENED, "/$defs/X/type"),
        (K.ONE_OF_OVERLAP, "/oneOf"),
        old_only=1,
    ),
    case(
        "oneOf-with-duplicate-branches-to-plain",
        # every string matches both branches: OLD accepts nothing
        {"oneOf": [STRING, STRING]},
        STRING,
        BACKWARD_OK,
        (K.SUM_TYPE_NARROWED, "/"),
        new_only="a",
    ),
    case(
        "plain-to-oneOf-with-duplicate-branches",
        STRING,
        {"oneOf": [STRING, STRING]},
        FORWARD_OK,
        (K.SUM_TYPE_EXTENDED, "/"),
        old_only="a",
    ),
    case(
        "discriminated-oneOf-gains-a-branch",
        {"oneOf": [A, B]},
        {"oneOf": [A, B, C]},
        BACKWARD_OK,
        (K.SUM_TYPE_EXTENDED, "/oneOf"),
        new_only={"kind": "c"},
    ),
    case(
        "discriminated-oneOf-loses-a-branch",
        {"oneOf": [A, B, C]},
        {"oneOf": [A, B]},
        FORWARD_OK,
        (K.ENUM_CHANGED, "/oneOf/2/properties/kind/const"),
        (K.PROPERTY_ADDED, "/oneOf/2/properties/x"),
        (K.PROPERTY_REMOVED, "/oneOf/2/properties/z"),
        (K.SUM_TYPE_NARROWED, "/oneOf"),
        old_only={"kind": "c"},
    ),
    case(
        "untyped-discriminated-plain-to-oneOf",
        # without "type": "object", every non-object matches both branches
        UNTYPED_A,
        {"oneOf": [UNTYPED_A, UNTYPED_B]},
        NEITHER_OK,
        (K.SUM_TYPE_EXTENDED, "/"),
        old_only="str",
        new_only={"kind": "b"},
    ),
    case(
        "untyped-discriminated-anyOf-to-oneOf",
        {"anyOf": [UNTYPED_A, UNTYPED_B]},
        {"oneOf": [UNTYPED_A, UNTYPED_B]},
        FORWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        old_only="str",
    ),
    case(
        "oneOf-to-anyOf-disjoint-branches",
        {"oneOf": [STRING, INTEGER]},
        {"anyOf": [STRING, INTEGER]},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "oneOf-to-anyOf-overlapping-branches",
        {"oneOf": [STRING, SHORT]},
        {"anyOf": [STRING, SHORT]},
        BACKWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        new_only="abc",
    ),
    case(
        "anyOf-to-oneOf-overlapping-branches",
        {"anyOf": [STRING, SHORT]},
        {"oneOf": [STRING, SHORT]},
        FORWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        old_only="abc",
    ),
    case(
        "not-inner-widened",
        {"not": STRING},
        {"not": {"type": ["string", "null"]}},
        FORWARD_OK,
        (K.TYPE_WIDENED, "/not/type"),
        old_only=None,
    ),
    case(
        "not-inner-narrowed",
        {"not": {"type": ["string", "null"]}},
        {"not": STRING},
        BACKWARD_OK,
        (K.TYPE_NARROWED, "/not/type"),
        new_only=None,
    ),
    case("not-added", {}, {"not": NULL}, FORWARD_OK, (K.COMBINED_TYPE_CHANGED, "/"), old_only=None),
    case(
        "not-removed", {"not": NULL}, {}, BACKWARD_OK, (K.COMBINED_TYPE_CHANGED, "/"), new_only=None
    ),
    # A one-branch combinator beside a keyword the engine does not model is not its
    # branch: the other keyword constrains the instance too (it was once dropped).
    case(
        "one-branch-anyOf-beside-if-then-changed",
        d7(**obj(p=one_branch_if({"required": ["x"]}))),
        d7(**obj(p=one_branch_if({"required": ["y"]}))),
        NEITHER_OK,
        (K.UNSUPPORTED_KEYWORD, "/properties/p/then"),
        old_only={"p": {"kind": "a", "x": 1}},
        new_only={"p": {"kind": "a", "y": 1}},
    ),
    case(
        "one-branch-anyOf-gains-if-then",
        d7(**obj(p={"anyOf": [OBJECT]})),
        d7(**obj(p=one_branch_if({"required": ["x"]}))),
        FORWARD_OK,
        (K.SUM_TYPE_EXTENDED, "/properties/p/anyOf/0"),
        old_only={"p": {"kind": "a"}},
    ),
    case(
        "one-branch-anyOf-loses-if-then",
        d7(**obj(p=one_branch_if({"required": ["x"]}))),
        d7(**obj(p={"anyOf": [OBJECT]})),
        BACKWARD_OK,
        (K.SUM_TYPE_NARROWED, "/properties/p"),
        new_only={"p": {"kind": "a"}},
    ),
    case(
        "one-branch-oneOf-beside-contentSchema-changed",
        d2020(oneOf=[STRING], contentMediaType="application/json", contentSchema=OBJECT),
        d2020(oneOf=[STRING], contentMediaType="application/json", contentSchema=STRING),
        NEITHER_OK,
        (K.UNSUPPORTED_KEYWORD, "/contentSchema"),
        contract="a changed keyword of a draft the engine does not model is breaking",
    ),
]

# -- $ref -----------------------------------------------------------------------------------

OPTIONAL: dict[str, Any] = {"type": ["string", "null"]}


def ref_to(container: str, name: str, **defs: Any) -> dict[str, Any]:
    return {
        container: defs,
        "type": "object",
        "properties": {"n": {"$ref": f"#/{container}/{name}"}},
    }


def tree(container: str, value: Any) -> dict[str, Any]:
    node = {
        "type": "object",
        "properties": {
            "value": value,
            "children": {"type": "array", "items": {"$ref": f"#/{container}/Node"}},
        },
    }
    return {container: {"Node": node}, "$ref": f"#/{container}/Node"}


REF_WITH_SIBLING: dict[str, Any] = {
    "definitions": {"Name": STRING},
    "type": "object",
    "properties": {"n": {"$ref": "#/definitions/Name", "maxLength": 5}},
}


def if_ref(required: list[str]) -> dict[str, Any]:
    """if/then whose condition is a $ref: only the definition changes."""
    return {
        "$defs": {"Cond": {"required": required}},
        "type": "object",
        "if": {"$ref": "#/$defs/Cond"},
        "then": {"required": ["a"]},
    }


REF_CASES = [
    case(
        "ref-into-defs-target-widened",
        d2020(**ref_to("$defs", "Name", Name=STRING)),
        d2020(**ref_to("$defs", "Name", Name=OPTIONAL)),
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/$defs/Name/type"),
        new_only={"n": None},
    ),
    case(
        "ref-into-definitions-target-narrowed",
        d7(**ref_to("definitions", "Name", Name=OPTIONAL)),
        d7(**ref_to("definitions", "Name", Name=STRING)),
        FORWARD_OK,
        (K.TYPE_NARROWED, "/definitions/Name/type"),
        old_only={"n": None},
    ),
    case(
        "ref-moved-to-another-name",
        ref_to("$defs", "Name", Name=STRING),
        ref_to("$defs", "Label", Label=STRING),
        BOTH_OK,
    ),
    case(
        "ref-moved-from-definitions-to-defs",
        ref_to("definitions", "Name", Name=STRING),
        ref_to("$defs", "Name", Name=STRING),
        BOTH_OK,
    ),
    case("ref-inlined", ref_to("$defs", "Name", Name=STRING), obj(n=STRING), BOTH_OK),
    case("inline-moved-into-ref", obj(n=STRING), ref_to("$defs", "Name", Name=STRING), BOTH_OK),
    case(
        "ref-inlined-and-widened",
        ref_to("$defs", "Name", Name=STRING),
        obj(n=OPTIONAL),
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/properties/n/type"),  # the $ref removed: at the reference site
        new_only={"n": None},
    ),
    case(
        "recursive-schema-widened-inside-the-cycle",
        d2020(**tree("$defs", INTEGER)),
        d2020(**tree("$defs", NUMBER)),
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/$defs/Node/properties/value/type"),
        new_only={"value": 1, "children": [{"value": 1.5}]},
    ),
    case(
        "draft07-recursive-schema-narrowed-inside-the-cycle",
        d7(**tree("definitions", NUMBER)),
        d7(**tree("definitions", INTEGER)),
        FORWARD_OK,
        (K.TYPE_NARROWED, "/definitions/Node/properties/value/type"),
        old_only={"value": 1, "children": [{"value": 1.5}]},
    ),
    case(
        "draft07-ref-sibling-added-is-ignored",
        d7(**ref_to("definitions", "Name", Name=STRING)),
        d7(
            definitions={"Name": STRING},
            type="object",
            properties={"n": {"$ref": "#/definitions/Name", "maxLength": 5}},
        ),
        BOTH_OK,
    ),
    case(
        "draft07-to-2020-ref-sibling-starts-applying",
        d7(**REF_WITH_SIBLING),
        d2020(**REF_WITH_SIBLING),
        FORWARD_OK,
        (K.METADATA_CHANGED, "/$schema"),
        (K.PRODUCT_TYPE_EXTENDED, "/properties/n"),
        old_only={"n": "abcdef"},
        issue=conservative(
            "a change of draft family (draft-07 -> 2020-12) is rated one breaking change at "
            "/$schema; its only effect here is that the maxLength beside $ref starts to "
            "apply, which only narrows",
            "forward",
        ),
    ),
    case(
        "ref-inside-if-target-changed",
        if_ref(["kind"]),
        if_ref(["other"]),
        NEITHER_OK,
        (K.UNSUPPORTED_KEYWORD, "/$defs/Cond"),
        old_only={"other": 1},
        new_only={"kind": 1},
        message="referenced from a place this engine does not compare",
    ),
    case(
        "2020-ref-sibling-added-applies",
        d2020(**ref_to("$defs", "Name", Name=STRING)),
        d2020(
            **{"$defs": {"Name": STRING}},
            type="object",
            properties={"n": {"$ref": "#/$defs/Name", "maxLength": 5}},
        ),
        FORWARD_OK,
        (K.PRODUCT_TYPE_EXTENDED, "/properties/n"),
        old_only={"n": "abcdef"},
    ),
]

# -- boolean schemas ------------------------------------------------------------------------

BOOLEAN_CASES = [
    case("true-to-false", True, False, FORWARD_OK, (K.SCHEMA_NARROWED, "/"), old_only=1),
    case("false-to-true", False, True, BACKWARD_OK, (K.SCHEMA_WIDENED, "/"), new_only=1),
    case(
        "property-true-to-schema",
        obj(a=True),
        obj(a=STRING),
        FORWARD_OK,
        (K.SCHEMA_NARROWED, "/properties/a"),
        old_only={"a": 1},
    ),
    case(
        "property-false-to-schema",
        obj(a=False),
        obj(a=STRING),
        BACKWARD_OK,
        (K.SCHEMA_WIDENED, "/properties/a"),
        new_only={"a": "x"},
    ),
    case("empty-schema-to-true", {}, True, BOTH_OK),
    case("false-to-not-empty-schema", False, {"not": {}}, BOTH_OK),
    case(
        "2020-items-false-to-maxItems-0",
        d2020(type="array", items=False),
        d2020(type="array", maxItems=0),
        BOTH_OK,
        (K.ADDITIONAL_ITEMS_WIDENED, "/items"),
        (K.BOUND_ADDED, "/maxItems"),
    ),
]

# -- cosmetic, metadata, unsupported --------------------------------------------------------

ANNOTATED_OLD: dict[str, Any] = {
    "type": "string",
    "title": "Old",
    "description": "old",
    "default": "a",
    "examples": ["a"],
    "$comment": "old",
    "deprecated": False,
    "readOnly": False,
    "writeOnly": False,
}
ANNOTATED_NEW: dict[str, Any] = {
    "type": "string",
    "title": "New",
    "description": "new",
    "default": "b",
    "examples": ["b"],
    "$comment": "new",
    "deprecated": True,
    "readOnly": True,
    "writeOnly": True,
}
IF_KIND: dict[str, Any] = {"if": {"required": ["kind"]}}
REQUIRES_KIND: dict[str, Any] = {"required": ["kind"]}
IF_THEN: dict[str, Any] = {"type": "object", **IF_KIND}

COSMETIC_CASES = [
    case(
        "annotations-changed",
        ANNOTATED_OLD,
        ANNOTATED_NEW,
        BOTH_OK,
        *[(K.ANNOTATION_CHANGED, f"/{key}") for key in sorted(ANNOTATED_OLD) if key != "type"],
        cosmetic=True,
    ),
    case(
        "nested-description-changed",
        obj(a={"type": "string", "description": "old"}),
        obj(a={"type": "string", "description": "new"}),
        BOTH_OK,
        (K.ANNOTATION_CHANGED, "/properties/a/description"),
        cosmetic=True,
    ),
    case(
        "core-version-only",
        {"$core_version": "1.0.0", "type": "object"},
        {"$core_version": "1.1.0", "type": "object"},
        BOTH_OK,
        (K.METADATA_CHANGED, "/$core_version"),
        cosmetic=True,
    ),
    case(
        "metadata-ids-changed",
        {"$id": "urn:a", "$schema_id": "x.a", "$track": "v1", "type": "object"},
        {"$id": "urn:b", "$schema_id": "x.b", "$track": "v2", "type": "object"},
        BOTH_OK,
        (K.METADATA_CHANGED, "/$id"),
        (K.METADATA_CHANGED, "/$schema_id"),
        (K.METADATA_CHANGED, "/$track"),
        cosmetic=True,
    ),
    case(
        "unreferenced-defs-entry-changed",
        {"$defs": {"Unused": STRING}, "type": "object"},
        {"$defs": {"Unused": INTEGER}, "type": "object"},
        BOTH_OK,
        (K.UNREFERENCED_DEFINITION_CHANGED, "/$defs/Unused"),
        cosmetic=True,
    ),
    case(
        "draft07-unreferenced-definitions-entry-changed",
        d7(definitions={"Unused": STRING}, type="object"),
        d7(definitions={"Unused": INTEGER}, type="object"),
        BOTH_OK,
        (K.UNREFERENCED_DEFINITION_CHANGED, "/definitions/Unused"),
        cosmetic=True,
    ),
    case(
        "unknown-keyword-changed",
        {"type": "string", "x-connect-type": "int32"},
        {"type": "string", "x-connect-type": "int64"},
        BOTH_OK,
        (K.ANNOTATION_CHANGED, "/x-connect-type"),
        message="documentation only",
        contract="a keyword no JSON Schema draft defines is an annotation to every validator",
        cosmetic=True,
    ),
    case(
        "if-then-else-changed",
        {**IF_THEN, "then": {"required": ["a"]}, "else": {"required": ["z"]}},
        {**IF_THEN, "then": {"required": ["b"]}, "else": {"required": ["z"]}},
        NEITHER_OK,
        (K.UNSUPPORTED_KEYWORD, "/then"),
        message="unsupported keyword",
        old_only={"kind": 1, "a": 1},
        new_only={"kind": 1, "b": 1},
    ),
    case(
        "if-then-changed-with-no-other-keyword",
        {**IF_KIND, "then": {"required": ["a"]}},
        {**IF_KIND, "then": {"required": ["b"]}},
        NEITHER_OK,
        (K.UNSUPPORTED_KEYWORD, "/then"),
        message="unsupported keyword",
        old_only={"kind": 1, "a": 1},
        new_only={"kind": 1, "b": 1},
    ),
    case(
        "if-then-changed-inside-allOf",
        {"type": "object", "allOf": [{**IF_KIND, "then": {"required": ["a"]}}, REQUIRES_KIND]},
        {"type": "object", "allOf": [{**IF_KIND, "then": {"required": ["b"]}}, REQUIRES_KIND]},
        NEITHER_OK,
        (K.UNSUPPORTED_KEYWORD, "/allOf/0/then"),
        message="unsupported keyword",
        old_only={"kind": 1, "a": 1},
        new_only={"kind": 1, "b": 1},
    ),
    case(
        "unknown-keyword-changed-with-no-other-keyword",
        {"x-connect-type": "int32"},
        {"x-connect-type": "int64"},
        BOTH_OK,
        (K.ANNOTATION_CHANGED, "/x-connect-type"),
        message="documentation only",
        contract="a keyword no JSON Schema draft defines is an annotation to every validator",
        cosmetic=True,
    ),
]

CASES: list[Case] = [
    *TYPE_CASES,
    *ENUM_CASES,
    *bound_cases(),
    *NUMBER_CASES,
    *STRING_CASES,
    *OBJECT_CASES,
    *PATTERN_CASES,
    *DEPENDENCY_CASES,
    *ARRAY_CASES,
    *COMBINATOR_CASES,
    *REF_CASES,
    *BOOLEAN_CASES,
    *COSMETIC_CASES,
]


(
    test_case_names_are_unique,
    test_verdicts_kinds_and_paths,
    test_expectations_agree_with_jsonschema,
) = table_tests(CASES)


# -- budget ---------------------------------------------------------------------------------


def wide(type_name: str, count: int = 30) -> dict[str, Any]:
    properties = {f"p{index}": {"type": type_name} for index in range(count)}
    return {"type": "object", "properties": properties}


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("policy", list(Policy))
def test_budget_exhausted_is_one_breaking_too_complex_change(mode: Mode, policy: Policy) -> None:
    result = diff_schemas(wide("string"), wide("integer"), mode=mode, policy=policy, budget=5)
    assert len(result.changes) == 1
    (change,) = result.changes
    assert change.kind is ChangeKind.TOO_COMPLEX
    assert change.path == "/"
    assert "too complex to prove compatible" in change.message
    assert change.severity is Severity.BREAKING
    assert not result.compatible
    assert result.severity is Severity.BREAKING


def test_budget_is_enough_for_the_same_pair_by_default() -> None:
    result = diff_schemas(wide("string"), wide("integer"), mode="backward", policy="strict")
    assert {change.kind for change in result.changes} == {ChangeKind.TYPE_CHANGED}
    assert len(result.changes) == 30


def test_budget_is_not_spent_on_identical_schemas() -> None:
    assert diff_schemas(wide("string"), wide("string"), budget=1).changes == []


# -- the Python API: sub-schemas shared between OLD and NEW ----------------------------------


def test_a_sub_schema_shared_by_old_and_new_is_still_compared() -> None:
    old = {
        "$defs": {"X": STRING},
        "type": "object",
        "properties": {"v": {"type": "array", "items": {"$ref": "#/$defs/X"}}},
    }
    new = {**old, "$defs": {"X": INTEGER}}  # `properties` is the very same object
    assert accepts(old, {"v": ["a"]})
    assert not accepts(new, {"v": ["a"]})
    assert accepts(new, {"v": [1]})
    assert not accepts(old, {"v": [1]})
    verdicts = {
        mode: diff_schemas(old, new, mode=mode, policy="strict").compatible
        for mode in ("backward", "forward")
    }
    assert not any(verdicts.values()), f"called compatible: {verdicts}"
    shared = diff_schemas(old, new)
    fresh = diff_schemas(json.loads(json.dumps(old)), json.loads(json.dumps(new)))
    assert [c.path for c in fresh.changes] == ["/$defs/X/type"]
    assert [c.to_dict() for c in shared.changes] == [c.to_dict() for c in fresh.changes]
