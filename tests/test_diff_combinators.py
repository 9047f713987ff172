"""Sum types, product types and oneOf (issue 11): verdicts by inclusion, not by position.

Rows as in tests/test_diff_keywords.py (see its docstring): OLD, NEW, the verdicts JSON
Schema semantics demand, the changes the engine reports, and a witness for every
breaking direction (`old_only`: OLD accepts it, NEW rejects it; `new_only`: the reverse).
Every compatible direction is checked against the probe pool plus all witnesses.

* Sums: each OLD branch fits *some* NEW branch, whatever the order; a plain schema
  against an anyOf; a type list against the anyOf of its types, both ways, also with
  sibling keywords. A oneOf is an anyOf where its branches provably exclude each other.
* An unchanged oneOf breaks nothing, overlapping or not; when some branches change, only
  their overlap with the others can reject an instance.
* Products: an allOf of plain constraints is the one schema that merges them.
"""

from __future__ import annotations

from typing import Any

import pytest

from drift.diff import combinators, diff_schemas, products
from tests.diff_table import (
    BACKWARD_OK,
    BOOLEAN,
    BOTH_OK,
    FORWARD_OK,
    INTEGER,
    NEITHER_OK,
    NULL,
    NUMBER,
    STRING,
    Case,
    K,
    case,
    d7,
    d2020,
    strict_verdict,
    table_tests,
)

SHORT: dict[str, Any] = {"maxLength": 5}  # any non-string, or a string of at most 5
SHORT_STRING: dict[str, Any] = {"type": "string", "maxLength": 5}


def variant(kind: str, **props: Any) -> dict[str, Any]:
    """One branch of a discriminated union: `kind` is required and constant."""
    return {
        "type": "object",
        "properties": {"kind": {"const": kind}, **props},
        "required": ["kind"],
    }


def obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


A, B, C = variant("a", x=STRING), variant("b", y=INTEGER), variant("c", z=BOOLEAN)


def refs(defs: dict[str, Any], *names: str, key: str = "oneOf") -> dict[str, Any]:
    return d2020(**{"$defs": defs, key: [{"$ref": f"#/$defs/{name}"} for name in names]})


def closed(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, "additionalProperties": False}


def closed_required(**props: Any) -> dict[str, Any]:
    return {**closed(**props), "required": sorted(props)}


def with_variables(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "properties": {**schema["properties"], "variables": STRING}}


IMPORT_INLINE = closed_required(x={"type": "string", "pattern": "^[^:]+:[^:]+:[^:]+$"})
IMPORT_SOURCE = closed_required(x={"type": "string", "pattern": "^[^@]+@[^@]+$"})


def variant2(kinds: list[str], **props: Any) -> dict[str, Any]:
    """A branch of a discriminated union that takes several values of `kind`."""
    return {
        "type": "object",
        "properties": {"kind": {"enum": kinds}, **props},
        "required": ["kind"],
    }


def step_of(names: list[str], *, closed: bool) -> dict[str, Any]:
    """An object with exactly one of `names` (oneOf of `required`), each a string."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": dict.fromkeys(names, STRING),
        "oneOf": [{"required": [name]} for name in names],
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


SUM_CASES = [
    case("anyOf-reordered", {"anyOf": [STRING, INTEGER]}, {"anyOf": [INTEGER, STRING]}, BOTH_OK),
    case(
        "oneOf-overlapping-reordered",
        {"oneOf": [STRING, SHORT]},
        {"oneOf": [SHORT, STRING]},
        BOTH_OK,
    ),
    case(
        "anyOf-reordered-and-extended",
        {"anyOf": [STRING, INTEGER]},
        {"anyOf": [NULL, INTEGER, STRING]},
        BACKWARD_OK,
        (K.SUM_TYPE_EXTENDED, "/anyOf"),
        new_only=None,
    ),
    case(
        "anyOf-branch-widened-into-another",
        {"anyOf": [STRING, INTEGER]},
        {"anyOf": [STRING, NUMBER]},
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/anyOf/1/type"),
        new_only=1.5,
    ),
    case(
        "anyOf-branch-swallowed-by-a-wider-one",
        # integers were a branch of their own; now the number branch covers them
        {"anyOf": [STRING, INTEGER, {"type": "number", "minimum": 0}]},
        {"anyOf": [STRING, NUMBER]},
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/anyOf/1/type"),
        (K.BOUND_REMOVED, "/anyOf/2/minimum"),
        (K.SUM_TYPE_NARROWED, "/anyOf"),
        new_only=-1.5,
    ),
    case(
        "anyOf-two-branches-merged-into-a-type-list",
        {"anyOf": [STRING, INTEGER]},
        {"anyOf": [{"type": ["string", "integer"]}]},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "anyOf-branches-merged-beside-an-unchanged-one",
        {"anyOf": [STRING, INTEGER, NULL]},
        {"anyOf": [{"type": ["string", "integer"]}, NULL]},
        BOTH_OK,
        (K.TYPE_WIDENED, "/anyOf/0/type"),
        (K.TYPE_WIDENED, "/anyOf/1/type"),
        (K.SUM_TYPE_NARROWED, "/anyOf"),
    ),
    case(
        "anyOf-branch-split-by-type",
        {"anyOf": [{"type": ["string", "integer"]}, NULL]},
        {"anyOf": [STRING, INTEGER, NULL]},
        BOTH_OK,
        (K.TYPE_NARROWED, "/anyOf/0/type"),
        (K.SUM_TYPE_EXTENDED, "/anyOf"),
    ),
    case(
        "plain-to-anyOf-with-null",
        STRING,
        {"anyOf": [STRING, NULL]},
        BACKWARD_OK,
        (K.SUM_TYPE_EXTENDED, "/"),
        new_only=None,
    ),
    case(
        "plain-to-anyOf-whose-branch-is-wider",
        SHORT_STRING,
        {"anyOf": [STRING, NULL]},
        BACKWARD_OK,
        (K.SUM_TYPE_EXTENDED, "/"),
        new_only="abcdef",
    ),
    case(
        "plain-to-anyOf-it-does-not-fit",
        STRING,
        {"anyOf": [SHORT_STRING, NULL]},
        NEITHER_OK,
        (K.SUM_TYPE_EXTENDED, "/"),
        old_only="abcdef",
        new_only=None,
    ),
    case(
        "type-list-to-anyOf-of-its-types",
        {"type": ["string", "null"]},
        {"anyOf": [STRING, NULL]},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "anyOf-of-types-to-type-list",
        {"anyOf": [STRING, NULL]},
        {"type": ["string", "null"]},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "type-list-to-anyOf-missing-a-type",
        {"type": ["string", "null", "integer"]},
        {"anyOf": [STRING, NULL]},
        FORWARD_OK,
        (K.SUM_TYPE_EXTENDED, "/"),
        old_only=1,
    ),
    case(
        "type-list-with-a-sibling-to-anyOf-with-it",
        {"type": ["string", "null"], "minLength": 1},
        {"anyOf": [STRING, NULL], "minLength": 1},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "type-list-with-a-sibling-moved-into-the-string-branch",
        # minLength constrains strings only: inside the string branch it means the same
        {"type": ["string", "null"], "minLength": 1},
        {"anyOf": [{"type": "string", "minLength": 1}, NULL]},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "anyOf-with-the-sibling-inside-to-type-list",
        {"anyOf": [{"type": "string", "minLength": 1}, NULL]},
        {"type": ["string", "null"], "minLength": 2},
        FORWARD_OK,
        (K.SUM_TYPE_NARROWED, "/"),
        old_only="a",
    ),
    case(
        "sibling-moved-into-an-anyOf-branch",
        {"minLength": 1, "anyOf": [STRING, NULL]},
        {"anyOf": [{"type": "string", "minLength": 1}, NULL]},
        BOTH_OK,
        (K.BOUND_REMOVED, "/minLength"),
        (K.BOUND_ADDED, "/anyOf/0/minLength"),
    ),
    case(
        "sibling-moved-into-the-wrong-anyOf-branch",
        {"minLength": 1, "anyOf": [STRING, NULL]},
        {"anyOf": [STRING, {"type": "null", "minLength": 1}]},
        BACKWARD_OK,
        (K.BOUND_REMOVED, "/minLength"),  # minLength beside type null constrains nothing
        new_only="",
    ),
    case(
        "oneOf-of-types-to-type-list",
        {"oneOf": [STRING, NULL]},
        {"type": ["string", "null"]},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "type-list-to-oneOf-of-its-types",
        {"type": ["integer", "string"]},
        {"oneOf": [STRING, INTEGER]},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "type-list-to-oneOf-of-overlapping-types",
        # integers match both branches: NEW rejects them
        {"type": ["integer", "string"]},
        {"oneOf": [STRING, INTEGER, NUMBER]},
        NEITHER_OK,
        (K.SUM_TYPE_EXTENDED, "/"),
        old_only=1,
        new_only=1.5,
    ),
    case(
        "oneOf-of-consts-gains-one",
        {"oneOf": [{"const": "a"}, {"const": "b"}]},
        {"oneOf": [{"const": "b"}, {"const": "a"}, {"const": "c"}]},
        BACKWARD_OK,
        (K.SUM_TYPE_EXTENDED, "/oneOf"),
        new_only="c",
    ),
    case(
        "oneOf-of-enums-to-anyOf",
        {"oneOf": [{"enum": ["a", "b"]}, {"enum": [1, 2]}]},
        {"anyOf": [{"enum": [1, 2]}, {"enum": ["a", "b"]}]},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "discriminated-oneOf-reordered-and-extended",
        {"oneOf": [A, B]},
        {"oneOf": [C, B, A]},
        BACKWARD_OK,
        (K.SUM_TYPE_EXTENDED, "/oneOf"),
        new_only={"kind": "c"},
    ),
    case(
        "discriminated-oneOf-branch-gains-an-optional-property",
        {"oneOf": [A, B]},
        {"oneOf": [A, variant("b", y=INTEGER, w=STRING)]},
        FORWARD_OK,
        (K.PROPERTY_ADDED, "/oneOf/1/properties/w"),
        lenient=BOTH_OK,
        old_only={"kind": "b", "w": 1},
    ),
    case(
        "plain-object-to-discriminated-oneOf",
        A,
        {"oneOf": [A, B]},
        BACKWARD_OK,
        (K.SUM_TYPE_EXTENDED, "/"),
        new_only={"kind": "b"},
    ),
    case(
        "oneOf-of-overlapping-branches-to-plain-is-not-proved-by-its-branches",
        # "a" matches both branches: OLD rejects it, NEW accepts it
        {"oneOf": [STRING, SHORT]},
        {"anyOf": [STRING, SHORT]},
        BACKWARD_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
        new_only="a",
    ),
]

ONE_OF_CASES = [
    case(
        "unchanged-overlapping-oneOf-beside-a-changed-sibling",
        {"oneOf": [STRING, SHORT], "minimum": 1},
        {"oneOf": [STRING, SHORT], "minimum": 0},
        BACKWARD_OK,
        (K.BOUND_RELAXED, "/minimum"),
        new_only=0,
    ),
    case(
        "unchanged-overlapping-oneOf-under-a-changed-parent",
        obj(a={"oneOf": [STRING, SHORT]}, b=STRING),
        obj(a={"oneOf": [STRING, SHORT]}, b={"type": ["string", "null"]}),
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/properties/b/type"),
        new_only={"b": None},
    ),
    case(
        "unchanged-oneOf-of-refs-with-a-title-edited",
        d7(
            definitions={"d": INTEGER, "e": {"type": "number", "minimum": 0}},
            oneOf=[{"$ref": "#/definitions/d"}, {"allOf": [{"$ref": "#/definitions/e"}]}],
        ),
        d7(
            title="x",
            definitions={"d": INTEGER, "e": {"type": "number", "minimum": 0}},
            oneOf=[{"$ref": "#/definitions/d"}, {"allOf": [{"$ref": "#/definitions/e"}]}],
        ),
        BOTH_OK,
        (K.ANNOTATION_CHANGED, "/title"),
        cosmetic=True,
    ),
    case(
        "unchanged-oneOf-of-refs-gains-an-allOf-beside-it",
        # the oneOf is the same; the allOf only narrows
        refs({"X": STRING, "Y": SHORT}, "X", "Y"),
        {**refs({"X": STRING, "Y": SHORT}, "X", "Y"), "allOf": [{"maxLength": 8}]},
        FORWARD_OK,
        (K.PRODUCT_TYPE_EXTENDED, "/"),
        old_only="a" * 9,
    ),
    case(
        "overlapping-oneOf-gains-a-branch-inside-an-old-one",
        # every integer matched {maxLength: 5} alone; now it matches two branches
        {"oneOf": [STRING, SHORT]},
        {"oneOf": [STRING, SHORT, INTEGER]},
        FORWARD_OK,
        (K.SUM_TYPE_EXTENDED, "/oneOf"),
        old_only=1,
    ),
    case(
        "overlapping-oneOf-loses-a-branch-inside-an-old-one",
        {"oneOf": [STRING, SHORT, INTEGER]},
        {"oneOf": [STRING, SHORT]},
        BACKWARD_OK,
        (K.TYPE_CHANGED, "/oneOf/2/type"),
        (K.SUM_TYPE_NARROWED, "/oneOf"),
        new_only=1,
    ),
    case(
        "ref-branch-widened-into-an-unchanged-one",
        # integers matched Y alone; X now admits them too, so NEW accepts strings only
        refs({"X": STRING, "Y": INTEGER}, "X", "Y"),
        refs({"X": {"type": ["string", "integer"]}, "Y": INTEGER}, "X", "Y"),
        FORWARD_OK,
        (K.TYPE_WIDENED, "/$defs/X/type"),
        (K.ONE_OF_OVERLAP, "/oneOf"),
        old_only=1,
    ),
    case(
        "ref-branch-widened-past-an-unchanged-one",
        # X now also admits null, which no other branch does
        refs({"X": STRING, "Y": INTEGER}, "X", "Y"),
        refs({"X": {"type": ["string", "null"]}, "Y": INTEGER}, "X", "Y"),
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/$defs/X/type"),
        new_only=None,
    ),
    case(
        "branch-narrowed-away-from-an-overlap",
        # OLD: strings of at most 5 match both branches (rejected); NEW: none overlap
        {"oneOf": [STRING, SHORT]},
        {"oneOf": [STRING, {"type": ["null", "boolean", "number", "array", "object"]}]},
        BACKWARD_OK,
        (K.TYPE_NARROWED, "/oneOf/1/type"),
        (K.BOUND_REMOVED, "/oneOf/1/maxLength"),
        new_only="a",
    ),
    case(
        "oneOf-of-required-names-gains-one-its-closed-siblings-rule-out",
        # github-workflows' step: `uses` or `run`; now also `wait`, which OLD's closed
        # properties never let an instance have, so no OLD instance matches two branches
        step_of(["uses", "run"], closed=True),
        step_of(["uses", "run", "wait"], closed=True),
        BACKWARD_OK,
        (K.PROPERTY_ADDED, "/properties/wait"),
        (K.SUM_TYPE_EXTENDED, "/oneOf"),
        new_only={"wait": "x"},
    ),
    case(
        "oneOf-of-required-names-gains-one-an-open-model-allows",
        # open: {"uses": "x", "wait": 1} matched `uses` alone; now it matches two branches
        step_of(["uses", "run"], closed=False),
        step_of(["uses", "run", "wait"], closed=False),
        NEITHER_OK,
        (K.PROPERTY_ADDED, "/properties/wait"),
        (K.SUM_TYPE_EXTENDED, "/oneOf"),
        lenient=NEITHER_OK,
        old_only={"uses": "x", "wait": 1},
        new_only={"wait": "x"},
    ),
    case(
        "oneOf-of-closed-objects-gains-one",
        # bitbucket-pipelines' items: {step}, {parallel}, {stage}, now also {final}; the
        # new branch shares only {} with each old one, which OLD refused (three matches)
        {"oneOf": [closed(a=STRING), closed(b=STRING), closed(n=STRING)]},
        {"oneOf": [closed(a=STRING), closed(b=STRING), closed(n=STRING), closed(c=STRING)]},
        BACKWARD_OK,
        (K.SUM_TYPE_EXTENDED, "/oneOf"),
        new_only={"c": "x"},
    ),
    case(
        "oneOf-of-a-closed-object-gains-one-that-also-takes-the-empty-object",
        # {} matched only the object branch; now it matches two
        {"oneOf": [closed(a=STRING), STRING]},
        {"oneOf": [closed(a=STRING), STRING, closed(c=STRING)]},
        NEITHER_OK,
        (K.SUM_TYPE_EXTENDED, "/oneOf"),
        old_only={},
        new_only={"c": "x"},
    ),
    case(
        "overlapping-oneOf-of-closed-objects-each-gains-an-optional-property",
        # bitbucket-pipelines' import: "a:b:c" or "p@s", closed; both now take
        # `variables`. An OLD instance has no `variables`, so it matches a NEW branch
        # exactly when it matched the OLD one ("0:@:0" matched both, and still does)
        {"oneOf": [IMPORT_INLINE, IMPORT_SOURCE]},
        {"oneOf": [with_variables(IMPORT_INLINE), with_variables(IMPORT_SOURCE)]},
        BACKWARD_OK,
        (K.PROPERTY_ADDED, "/oneOf/0/properties/variables"),
        (K.PROPERTY_ADDED, "/oneOf/1/properties/variables"),
        new_only={"x": "a:b:c", "variables": "x"},
    ),
    case(
        "overlapping-oneOf-of-closed-objects-one-widened-into-the-other",
        # "a:b:c" matched the first branch only; the second now takes any string
        {"oneOf": [IMPORT_INLINE, IMPORT_SOURCE]},
        {"oneOf": [IMPORT_INLINE, closed_required(x=STRING)]},
        NEITHER_OK,
        (K.PATTERN_REMOVED, "/oneOf/1/properties/x/pattern"),
        (K.ONE_OF_OVERLAP, "/oneOf"),
        old_only={"x": "a:b:c"},
        new_only={"x": "abc"},
    ),
    case(
        "discriminated-branch-split-in-two-by-its-values",
        # snapcraft: Core26Project took `base` core26 or devel; now each has a branch
        {"oneOf": [variant2(["a", "b"], x=STRING), C]},
        {"oneOf": [C, variant("a", x=STRING), variant("b", x=STRING)]},
        BOTH_OK,
        (K.ENUM_NARROWED, "/oneOf/0/properties/kind/enum"),
        (K.SUM_TYPE_EXTENDED, "/oneOf"),
    ),
    case(
        "discriminated-branch-split-and-one-value-dropped",
        {"oneOf": [variant2(["a", "b"], x=STRING), C]},
        {"oneOf": [C, variant("a", x=STRING)]},
        FORWARD_OK,
        (K.ENUM_NARROWED, "/oneOf/0/properties/kind/enum"),
        old_only={"kind": "b"},
    ),
    case(
        "changed-branch-overlapping-nothing",
        {"oneOf": [STRING, SHORT, {"type": "integer", "minimum": 0}]},
        # integers of 0 and more matched two branches in OLD; now only those of 5 and more
        {"oneOf": [STRING, SHORT, {"type": "integer", "minimum": 5}]},
        BACKWARD_OK,
        (K.BOUND_TIGHTENED, "/oneOf/2/minimum"),
        (K.ONE_OF_OVERLAP, "/oneOf"),
        new_only=1,
    ),
]

PRODUCT_CASES = [
    case(
        "allOf-to-its-merged-schema",
        {"allOf": [STRING, {"minLength": 1}]},
        {"type": "string", "minLength": 1},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "merged-schema-to-allOf",
        {"type": "string", "minLength": 1, "maxLength": 5},
        {"allOf": [STRING, {"minLength": 1}, {"maxLength": 5}]},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "allOf-with-more-constraints-to-plain",
        {"allOf": [STRING, {"minLength": 1}, {"maxLength": 3}]},
        {"type": "string", "minLength": 1},
        BACKWARD_OK,
        (K.PRODUCT_TYPE_NARROWED, "/"),
        new_only="abcd",
    ),
    case(
        "plain-to-allOf-with-more-constraints",
        {"type": "string", "minLength": 1},
        {"allOf": [STRING, {"minLength": 1}, {"maxLength": 3}]},
        FORWARD_OK,
        (K.PRODUCT_TYPE_EXTENDED, "/"),
        old_only="abcd",
    ),
    case(
        "allOf-bounds-intersected",
        {"allOf": [{"type": "integer", "minimum": 1}, {"minimum": 3, "maximum": 9}]},
        {"type": "integer", "minimum": 2, "maximum": 10},
        BACKWARD_OK,
        (K.PRODUCT_TYPE_NARROWED, "/"),
        new_only=2,
    ),
    case(
        "allOf-bounds-intersected-against-a-narrower-one",
        {"allOf": [{"type": "integer", "minimum": 1}, {"minimum": 3, "maximum": 9}]},
        {"type": "integer", "minimum": 4, "maximum": 9},
        FORWARD_OK,
        (K.PRODUCT_TYPE_NARROWED, "/"),
        old_only=3,
    ),
    case(
        "allOf-objects-merged",
        {
            "allOf": [
                {"type": "object", "properties": {"a": STRING}, "required": ["a"]},
                {"properties": {"b": INTEGER}, "required": ["b"]},
            ]
        },
        {"type": "object", "properties": {"a": STRING, "b": INTEGER}, "required": ["a", "b"]},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "allOf-objects-merged-a-property-in-both-branches",
        {
            "allOf": [
                {"type": "object", "properties": {"a": STRING}},
                {"properties": {"a": {"maxLength": 5}}},
            ]
        },
        {"type": "object", "properties": {"a": SHORT_STRING}},
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "allOf-objects-merged-into-a-looser-object",
        {
            "allOf": [
                {"type": "object", "properties": {"a": STRING}, "required": ["a"]},
                {"properties": {"b": INTEGER}, "required": ["b"]},
            ]
        },
        {"type": "object", "properties": {"a": STRING, "b": NUMBER}, "required": ["a"]},
        BACKWARD_OK,
        (K.PRODUCT_TYPE_NARROWED, "/"),
        new_only={"a": "x"},
    ),
    case(
        "allOf-branch-closed-by-additionalProperties-is-not-merged",
        # the first branch forbids `b`, so the allOf accepts no object with `b`
        {
            "allOf": [
                {"type": "object", "properties": {"a": STRING}, "additionalProperties": False},
                {"properties": {"b": INTEGER}},
            ]
        },
        {
            "type": "object",
            "properties": {"a": STRING, "b": INTEGER},
            "additionalProperties": False,
        },
        BACKWARD_OK,
        (K.PRODUCT_TYPE_NARROWED, "/"),
        new_only={"b": 1},
    ),
    case(
        "allOf-of-refs-to-merged-schema",
        refs(
            {"Named": {"type": "object", "properties": {"name": STRING}}, "Aged": obj(age=INTEGER)},
            "Named",
            "Aged",
            key="allOf",
        ),
        d2020(**obj(name=STRING, age=INTEGER)),
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "allOf-branch-moved-into-another",
        {"allOf": [STRING, {"minLength": 1}, {"maxLength": 5}]},
        {"allOf": [{"type": "string", "maxLength": 5}, {"minLength": 1}]},
        BOTH_OK,
        (K.BOUND_ADDED, "/allOf/0/maxLength"),
        (K.TYPE_NARROWED, "/allOf/2/type"),
        (K.PRODUCT_TYPE_NARROWED, "/allOf"),
    ),
    case(
        "allOf-of-type-lists-intersected",
        {"allOf": [{"type": ["string", "null"]}, {"type": ["string", "integer"]}]},
        STRING,
        BOTH_OK,
        (K.COMBINED_TYPE_CHANGED, "/"),
    ),
    case(
        "allOf-of-distinct-patterns-is-not-merged",
        {"allOf": [{"type": "string", "pattern": "^a"}, {"pattern": "b$"}]},
        {"type": "string", "pattern": "^a"},
        BACKWARD_OK,
        (K.PRODUCT_TYPE_NARROWED, "/"),
        new_only="a",
    ),
]

CASES: list[Case] = [*SUM_CASES, *ONE_OF_CASES, *PRODUCT_CASES]


(
    test_case_names_are_unique,
    test_verdicts_kinds_and_paths,
    test_expectations_agree_with_jsonschema,
) = table_tests(CASES)


# -- the caps on pairwise work ----------------------------------------------------------------


def row(name: str) -> Case:
    (found,) = [item for item in CASES if item.name == name]
    return found


def test_exhausted_branch_checks_stay_breaking(monkeypatch: pytest.MonkeyPatch) -> None:
    item = row("overlapping-oneOf-gains-a-branch-inside-an-old-one")
    assert strict_verdict(item.old, item.new) == FORWARD_OK
    monkeypatch.setattr(combinators, "MAX_BRANCH_CHECKS", 1)
    assert strict_verdict(item.old, item.new) == NEITHER_OK


def test_a_split_past_max_alternatives_stays_breaking(monkeypatch: pytest.MonkeyPatch) -> None:
    item = row("type-list-to-anyOf-of-its-types")
    assert strict_verdict(item.old, item.new) == BOTH_OK
    monkeypatch.setattr(products, "MAX_ALTERNATIVES", 1)
    assert strict_verdict(item.old, item.new) == FORWARD_OK


def test_an_allOf_past_max_flat_branches_is_not_merged(monkeypatch: pytest.MonkeyPatch) -> None:
    item = row("allOf-to-its-merged-schema")
    assert strict_verdict(item.old, item.new) == BOTH_OK
    monkeypatch.setattr(products, "MAX_FLAT_BRANCHES", 1)
    assert strict_verdict(item.old, item.new) != BOTH_OK


def test_a_wide_discriminated_union_with_one_changed_variant_is_judged_within_the_caps() -> None:
    """40 variants behind $refs, reordered, one gaining a property: no cap is reached."""
    names = [f"v{index}" for index in range(40)]
    defs = {name: variant(name, x=STRING) for name in names}
    old = refs(defs, *names)
    changed = {**defs, "v7": variant("v7", x=STRING, w=INTEGER)}
    new = refs(changed, *reversed(names))
    assert strict_verdict(old, new) == FORWARD_OK  # {"kind": "v7", "w": "s"} is OLD's only
    result = diff_schemas(old, new, mode="backward", policy="lenient")
    assert result.compatible, [change.to_dict() for change in result.changes]
