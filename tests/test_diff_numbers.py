"""Verdicts for numbers and for implications between keywords (issue 11).

Same conventions as tests/test_diff_keywords.py (see its docstring and tests/diff_table.py):
each row gives OLD, NEW and the verdicts JSON Schema semantics demand, each breaking
direction a witness (`old_only`, `new_only`), and each compatible one is checked against
the probe pool with `jsonschema`.

Numbers: a bound or a `multipleOf` is judged on the numbers the source side can hold.
Only integers (a type list without `number`), or only multiples of a step (`multipleOf`),
round a bound: `exclusiveMinimum: 0` is `minimum: 1` for integers. `type: number` with an
integer `multipleOf` holds integers only, so it is `type: integer` from draft-06 on (draft-04
defines integer by its lexical form: 1.0 is not one). multipleOf is compared exactly, as
the decimal the author wrote (a Fraction, never a float division).

Implications: `required` of n distinct names is `minProperties` n; a `pattern` bounds the
length where it plainly does (`.+` at least 1, `^[0-9]{3}$` 3 to 4: Python's and Java's `$`
also match before a final newline); a bound that admits every count (`minLength: 0`)
changes nothing; patterns that differ by a provable anchoring, or one of whose strings all
match the other (`^a` and `^(a|b)`), are compared by meaning. What a pattern implies is
read for ECMA-262, Python and Java at once: where they differ the engine takes the
reading that holds in all (see drift/diff/patterns.py), so a few rows are conservative
under Python's semantics, which the jsonschema check uses.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drift.diff import Mode, Policy, diff_schemas
from tests.diff_table import (
    BACKWARD_OK,
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
    d4,
    d7,
    d2020,
    table_tests,
)


def num(**schema: Any) -> dict[str, Any]:
    return {"type": "number", **schema}


def int_(**schema: Any) -> dict[str, Any]:
    return {"type": "integer", **schema}


MULTIPLE_OF_CASES = [
    case(
        "multipleOf-3-to-1.5",
        num(multipleOf=3),
        num(multipleOf=1.5),
        BACKWARD_OK,
        (K.MULTIPLE_OF_RELAXED, "/multipleOf"),
        new_only=1.5,
    ),
    case(
        "multipleOf-1.5-to-3",
        num(multipleOf=1.5),
        num(multipleOf=3),
        FORWARD_OK,
        (K.MULTIPLE_OF_CHANGED, "/multipleOf"),
        old_only=1.5,
    ),
    case(
        "multipleOf-0.75-to-0.25",
        num(multipleOf=0.75),
        num(multipleOf=0.25),
        BACKWARD_OK,
        (K.MULTIPLE_OF_RELAXED, "/multipleOf"),
        new_only=0.25,
    ),
    case(
        "multipleOf-4-to-6",
        num(multipleOf=4),
        num(multipleOf=6),
        NEITHER_OK,
        (K.MULTIPLE_OF_CHANGED, "/multipleOf"),
        old_only=4,
        new_only=6,
    ),
    case(
        "integer-multipleOf-1.5-is-integer-multipleOf-3",
        # the integers among the multiples of 1.5 are the multiples of 3
        int_(multipleOf=1.5),
        int_(multipleOf=3),
        BOTH_OK,
        (K.MULTIPLE_OF_CHANGED, "/multipleOf"),
    ),
    case(
        "integer-multipleOf-3-to-multipleOf-1.5",
        int_(multipleOf=3),
        int_(multipleOf=1.5),
        BOTH_OK,
        (K.MULTIPLE_OF_RELAXED, "/multipleOf"),
    ),
    case(
        "integer-multipleOf-0.5-to-multipleOf-2",
        int_(multipleOf=0.5),
        int_(multipleOf=2),
        FORWARD_OK,
        (K.MULTIPLE_OF_CHANGED, "/multipleOf"),
        old_only=1,
    ),
    case(
        "integer-gains-multipleOf-1",
        INTEGER,
        int_(multipleOf=1),
        BOTH_OK,
        (K.MULTIPLE_OF_ADDED, "/multipleOf"),
    ),
    case(
        "integer-gains-multipleOf-0.5",
        INTEGER,
        int_(multipleOf=0.5),
        BOTH_OK,
        (K.MULTIPLE_OF_ADDED, "/multipleOf"),
    ),
    case(
        "integer-gains-multipleOf-2",
        INTEGER,
        int_(multipleOf=2),
        FORWARD_OK,
        (K.MULTIPLE_OF_ADDED, "/multipleOf"),
        old_only=1,
    ),
]

INTEGER_TYPE_CASES = [
    case(
        "integer-to-number-multipleOf-1-is-equal",
        INTEGER,
        num(multipleOf=1),
        BOTH_OK,
        (K.TYPE_WIDENED, "/type"),
        (K.MULTIPLE_OF_ADDED, "/multipleOf"),
    ),
    case(
        "integer-multipleOf-3-to-number-multipleOf-1",
        int_(multipleOf=3),
        num(multipleOf=1),
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/type"),
        (K.MULTIPLE_OF_RELAXED, "/multipleOf"),
        new_only=1,
    ),
    case(
        "number-multipleOf-1-to-integer-multipleOf-3",
        num(multipleOf=1),
        int_(multipleOf=3),
        FORWARD_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.MULTIPLE_OF_CHANGED, "/multipleOf"),
        old_only=1,
    ),
    case(
        "number-multipleOf-2-to-integer",
        num(multipleOf=2),
        INTEGER,
        BACKWARD_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.MULTIPLE_OF_REMOVED, "/multipleOf"),
        new_only=1,
    ),
    case(
        "number-multipleOf-0.5-to-integer",
        num(multipleOf=0.5),
        INTEGER,
        FORWARD_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.MULTIPLE_OF_REMOVED, "/multipleOf"),
        old_only=0.5,
    ),
    case(
        "number-or-string-multipleOf-1-to-integer-or-string",
        {"type": ["number", "string"], "multipleOf": 1},
        {"type": ["integer", "string"]},
        BOTH_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.MULTIPLE_OF_REMOVED, "/multipleOf"),
    ),
    case(
        "untyped-multipleOf-1-to-integer",
        {"multipleOf": 1},
        INTEGER,
        FORWARD_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.MULTIPLE_OF_REMOVED, "/multipleOf"),
        old_only="a",
    ),
    case(
        "draft04-number-multipleOf-1-to-integer",
        # draft-04's integer is lexical: 1.0 is a number that is not an integer
        d4(type="number", multipleOf=1),
        d4(type="integer"),
        FORWARD_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.MULTIPLE_OF_REMOVED, "/multipleOf"),
        old_only=1.0,
    ),
    case(
        "draft04-integer-to-number-multipleOf-1",
        d4(type="integer"),
        d4(type="number", multipleOf=1),
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/type"),
        (K.MULTIPLE_OF_ADDED, "/multipleOf"),
        new_only=1.0,
    ),
]

INTEGER_BOUND_CASES = [
    case(
        "integer-exclusiveMinimum-0-is-minimum-1",
        int_(exclusiveMinimum=0),
        int_(minimum=1),
        BOTH_OK,
        (K.BOUND_TIGHTENED, "/exclusiveMinimum"),
    ),
    case(
        "integer-minimum-1-is-exclusiveMinimum-0",
        int_(minimum=1),
        int_(exclusiveMinimum=0),
        BOTH_OK,
        (K.BOUND_RELAXED, "/minimum"),
    ),
    case(
        "integer-exclusiveMaximum-5-is-maximum-4",
        int_(exclusiveMaximum=5),
        int_(maximum=4),
        BOTH_OK,
        (K.BOUND_TIGHTENED, "/exclusiveMaximum"),
    ),
    case(
        "integer-minimum-0.5-is-minimum-1",
        int_(minimum=0.5),
        int_(minimum=1),
        BOTH_OK,
        (K.BOUND_TIGHTENED, "/minimum"),
    ),
    case(
        "integer-maximum-4.5-is-exclusiveMaximum-5",
        int_(maximum=4.5),
        int_(exclusiveMaximum=5),
        BOTH_OK,
        (K.BOUND_RELAXED, "/maximum"),
    ),
    case(
        "integer-exclusiveMaximum-4.5-is-maximum-4",
        int_(exclusiveMaximum=4.5),
        int_(maximum=4),
        BOTH_OK,
        (K.BOUND_TIGHTENED, "/exclusiveMaximum"),
    ),
    case(
        "integer-exclusiveMinimum-0-to-minimum-2",
        int_(exclusiveMinimum=0),
        int_(minimum=2),
        FORWARD_OK,
        (K.BOUND_TIGHTENED, "/exclusiveMinimum"),
        old_only=1,
    ),
    case(
        "integer-minimum-1-to-exclusiveMinimum-minus-1",
        int_(minimum=1),
        int_(exclusiveMinimum=-1),
        BACKWARD_OK,
        (K.BOUND_RELAXED, "/minimum"),
        new_only=0,
    ),
    case(
        "integer-or-string-exclusiveMinimum-0-is-minimum-1",
        {"type": ["integer", "string"], "exclusiveMinimum": 0},
        {"type": ["integer", "string"], "minimum": 1},
        BOTH_OK,
        (K.BOUND_TIGHTENED, "/exclusiveMinimum"),
    ),
    case(
        "draft04-integer-exclusiveMinimum-true-is-minimum-plus-1",
        d4(type="integer", minimum=0, exclusiveMinimum=True),
        d4(type="integer", minimum=1),
        BOTH_OK,
        (K.BOUND_TIGHTENED, "/exclusiveMinimum"),
    ),
    case(
        "draft04-integer-maximum-to-exclusiveMaximum-true",
        d4(type="integer", maximum=4),
        d4(type="integer", maximum=5, exclusiveMaximum=True),
        BOTH_OK,
        (K.BOUND_RELAXED, "/maximum"),
    ),
    case(
        "number-exclusiveMinimum-0-to-minimum-1",
        num(exclusiveMinimum=0),
        num(minimum=1),
        FORWARD_OK,
        (K.BOUND_TIGHTENED, "/exclusiveMinimum"),
        old_only=0.5,
    ),
    case(
        "integer-exclusiveMinimum-0-to-number-minimum-1",
        # judged on OLD's integers backward, on NEW's numbers forward
        int_(exclusiveMinimum=0),
        num(minimum=1),
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/type"),
        (K.BOUND_TIGHTENED, "/exclusiveMinimum"),
        new_only=1.5,
    ),
    case(
        "number-minimum-1-to-integer-exclusiveMinimum-0",
        num(minimum=1),
        int_(exclusiveMinimum=0),
        FORWARD_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.BOUND_RELAXED, "/minimum"),
        old_only=1.5,
    ),
    case(
        "multipleOf-5-minimum-1-is-minimum-5",
        num(multipleOf=5, minimum=1),
        num(multipleOf=5, minimum=5),
        BOTH_OK,
        (K.BOUND_TIGHTENED, "/minimum"),
    ),
    case(
        "multipleOf-0.5-exclusiveMinimum-4-to-minimum-5",
        num(multipleOf=0.5, exclusiveMinimum=4),
        num(multipleOf=0.5, minimum=5),
        FORWARD_OK,
        (K.BOUND_TIGHTENED, "/exclusiveMinimum"),
        old_only=4.5,
    ),
    case(
        "number-multipleOf-1-exclusiveMaximum-5-to-integer-maximum-4",
        num(multipleOf=1, exclusiveMaximum=5),
        int_(maximum=4),
        BOTH_OK,
        (K.TYPE_NARROWED, "/type"),
        (K.BOUND_TIGHTENED, "/exclusiveMaximum"),
        (K.MULTIPLE_OF_REMOVED, "/multipleOf"),
    ),
]


def obj(**schema: Any) -> dict[str, Any]:
    return {"type": "object", **schema}


def text(**schema: Any) -> dict[str, Any]:
    return {"type": "string", **schema}


REQUIRED_CASES = [
    case(
        "required-2-names-implies-minProperties-2",
        obj(required=["a", "b"]),
        obj(required=["a", "b"], minProperties=2),
        BOTH_OK,
        (K.BOUND_ADDED, "/minProperties"),
    ),
    case(
        "minProperties-1-added-beside-required-2",
        obj(required=["a", "b"]),
        obj(required=["a", "b"], minProperties=1),
        BOTH_OK,
        (K.BOUND_ADDED, "/minProperties"),
    ),
    case(
        "minProperties-3-added-beside-required-2",
        obj(required=["a", "b"]),
        obj(required=["a", "b"], minProperties=3),
        FORWARD_OK,
        (K.BOUND_ADDED, "/minProperties"),
        old_only={"a": 1, "b": 1},
    ),
    case(
        "minProperties-2-removed-beside-required-2",
        obj(required=["a", "b"], minProperties=2),
        obj(required=["a", "b"]),
        BOTH_OK,
        (K.BOUND_REMOVED, "/minProperties"),
    ),
    case(
        "minProperties-2-to-required-a-b",
        obj(minProperties=2),
        obj(required=["a", "b"]),
        FORWARD_OK,
        (K.REQUIRED_UNDECLARED_ADDED, "/required"),
        (K.REQUIRED_UNDECLARED_ADDED, "/required"),
        (K.BOUND_REMOVED, "/minProperties"),
        old_only={"x": 1, "y": 1},
    ),
    case(
        "minProperties-3-to-required-a-b",
        obj(minProperties=3),
        obj(required=["a", "b"]),
        NEITHER_OK,
        (K.REQUIRED_UNDECLARED_ADDED, "/required"),
        (K.REQUIRED_UNDECLARED_ADDED, "/required"),
        (K.BOUND_REMOVED, "/minProperties"),
        old_only={"x": 1, "y": 1, "z": 1},
        new_only={"a": 1, "b": 1},
    ),
]

ZERO_BOUND_CASES = [
    case(
        "minLength-0-removed-is-vacuous",
        text(minLength=0),
        STRING,
        BOTH_OK,
        (K.BOUND_REMOVED, "/minLength"),
    ),
    case(
        "minItems-0-added-is-vacuous",
        {"type": "array"},
        {"type": "array", "minItems": 0},
        BOTH_OK,
        (K.BOUND_ADDED, "/minItems"),
    ),
    case(
        "minProperties-0-to-1",
        obj(minProperties=0),
        obj(minProperties=1),
        FORWARD_OK,
        (K.BOUND_TIGHTENED, "/minProperties"),
        old_only={},
    ),
    case(
        "2020-minContains-0-added-admits-arrays-without-a-match",
        # absent, minContains is 1: 0 admits more
        d2020(type="array", contains={"type": "string"}),
        d2020(type="array", contains={"type": "string"}, minContains=0),
        BACKWARD_OK,
        (K.BOUND_ADDED, "/minContains"),
        new_only=[1],
    ),
    case(
        "2020-minContains-1-added-is-the-default",
        d2020(type="array", contains={"type": "string"}),
        d2020(type="array", contains={"type": "string"}, minContains=1),
        BOTH_OK,
        (K.BOUND_ADDED, "/minContains"),
    ),
]

PATTERN_LENGTH_CASES = [
    case(
        "pattern-dot-plus-implies-minLength-1",
        text(pattern=".+"),
        text(pattern=".+", minLength=1),
        BOTH_OK,
        (K.BOUND_ADDED, "/minLength"),
    ),
    case(
        "pattern-dot-plus-does-not-imply-minLength-2",
        text(pattern=".+"),
        text(pattern=".+", minLength=2),
        FORWARD_OK,
        (K.BOUND_ADDED, "/minLength"),
        old_only="a",
    ),
    case(
        "pattern-non-space-plus-minLength-1-removed",
        text(pattern="\\S+", minLength=1),
        text(pattern="\\S+"),
        BOTH_OK,
        (K.BOUND_REMOVED, "/minLength"),
    ),
    case(
        "pattern-letters-plus-implies-minLength-1",
        text(pattern="[a-z]+"),
        text(pattern="[a-z]+", minLength=1),
        BOTH_OK,
        (K.BOUND_ADDED, "/minLength"),
    ),
    case(
        "pattern-three-digits-implies-minLength-3",
        text(pattern="^[0-9]{3}$"),
        text(pattern="^[0-9]{3}$", minLength=3),
        BOTH_OK,
        (K.BOUND_ADDED, "/minLength"),
    ),
    case(
        "pattern-three-digits-and-maxLength-3",
        # Python's (and Java's) `$` matches before a final newline: "123\n" is 4 long
        text(pattern="^[0-9]{3}$"),
        text(pattern="^[0-9]{3}$", maxLength=3),
        FORWARD_OK,
        (K.BOUND_ADDED, "/maxLength"),
        old_only="123\n",
    ),
    case(
        "pattern-three-digits-implies-maxLength-4",
        text(pattern="^[0-9]{3}$"),
        text(pattern="^[0-9]{3}$", maxLength=4),
        BOTH_OK,
        (K.BOUND_ADDED, "/maxLength"),
    ),
    case(
        "pattern-alternation-implies-the-shorter-minLength",
        text(pattern="^(ab|cde)$"),
        text(pattern="^(ab|cde)$", minLength=2, maxLength=4),
        BOTH_OK,
        (K.BOUND_ADDED, "/minLength"),
        (K.BOUND_ADDED, "/maxLength"),
    ),
    case(
        "2020-pattern-two-or-more-implies-minLength-2",
        d2020(type="string", pattern=".{2,}"),
        d2020(type="string", pattern=".{2,}", minLength=2),
        BOTH_OK,
        (K.BOUND_ADDED, "/minLength"),
    ),
    case(
        "draft07-pattern-two-or-more-and-minLength-2",
        d7(type="string", pattern=".{2,}"),
        d7(type="string", pattern=".{2,}", minLength=2),
        BOTH_OK,
        (K.BOUND_ADDED, "/minLength"),
        issue=conservative(
            "without the u flag (draft-07 leaves it open; ajv 6 omits it) an ECMA-262 `.` "
            "matches half a surrogate pair, so `.{2,}` matches a one-character emoji",
            "backward",
        ),
    ),
    case(
        "draft07-pattern-two-letters-implies-minLength-2",
        d7(type="string", pattern="[a-z]{2,}"),
        d7(type="string", pattern="[a-z]{2,}", minLength=2),
        BOTH_OK,
        (K.BOUND_ADDED, "/minLength"),
    ),
    case(
        "pattern-dot-plus-to-minLength-1",
        text(pattern=".+"),
        text(minLength=1),
        BACKWARD_OK,
        (K.PATTERN_REMOVED, "/pattern"),
        (K.BOUND_ADDED, "/minLength"),
        new_only="\n",
    ),
    case(
        "minLength-1-to-pattern-dot-plus",
        text(minLength=1),
        text(pattern=".+"),
        FORWARD_OK,
        (K.PATTERN_ADDED, "/pattern"),
        (K.BOUND_REMOVED, "/minLength"),
        old_only="\n",
    ),
]

PATTERN_CASES = [
    case(
        "pattern-trailing-dot-star-is-equal",
        text(pattern="^abc"),
        text(pattern="^abc.*"),
        BOTH_OK,
        (K.PATTERN_CHANGED, "/pattern"),
    ),
    case(
        "pattern-dot-star-both-ends-is-equal",
        text(pattern="abc"),
        text(pattern=".*abc.*"),
        BOTH_OK,
        (K.PATTERN_CHANGED, "/pattern"),
    ),
    case(
        "pattern-non-capturing-group-is-equal",
        text(pattern="^(?:x)$"),
        text(pattern="^x$"),
        BOTH_OK,
        (K.PATTERN_CHANGED, "/pattern"),
    ),
    case(
        "pattern-end-anchor-dropped",
        text(pattern="^abc$"),
        text(pattern="^ab"),
        BACKWARD_OK,
        (K.PATTERN_CHANGED, "/pattern"),
        new_only="abd",
    ),
    case(
        "pattern-end-anchor-added",
        text(pattern="^ab"),
        text(pattern="^abc$"),
        FORWARD_OK,
        (K.PATTERN_CHANGED, "/pattern"),
        old_only="abd",
    ),
    case(
        "pattern-letter-to-dot",
        text(pattern="^abc"),
        text(pattern="^a.c"),
        BACKWARD_OK,
        (K.PATTERN_CHANGED, "/pattern"),
        new_only="axc",
    ),
    case(
        "pattern-plus-to-star",
        text(pattern="^[a-z]+$"),
        text(pattern="^[a-z]*$"),
        BACKWARD_OK,
        (K.PATTERN_CHANGED, "/pattern"),
        new_only="",
    ),
    case(
        "pattern-counted-to-wider-count",
        text(pattern="^[a-z]{2,3}$"),
        text(pattern="^[a-z]{1,5}$"),
        BACKWARD_OK,
        (K.PATTERN_CHANGED, "/pattern"),
        new_only="a",
    ),
    case(
        "pattern-dot-star-to-the-end-of-line",
        # `.` stops at a newline, and `$` then needs the end
        text(pattern="^a.*"),
        text(pattern="^a.*$"),
        FORWARD_OK,
        (K.PATTERN_CHANGED, "/pattern"),
        old_only="a\nb",
    ),
    case(
        "pattern-leading-dot-star-anchored-is-not-free",
        text(pattern="^.*abc"),
        text(pattern="abc"),
        BACKWARD_OK,
        (K.PATTERN_CHANGED, "/pattern"),
        new_only="\nabc",
    ),
    case(
        "pattern-ascii-digits-to-digit-class",
        # Python's \\d also holds other scripts' digits; ECMA-262's is [0-9]
        text(pattern="^[0-9]{3}$"),
        text(pattern="^\\d{3}$"),
        BACKWARD_OK,
        (K.PATTERN_CHANGED, "/pattern"),
        new_only="\u0661\u0662\u0663",
    ),
    case(
        "pattern-alternation-gains-a-branch",
        text(pattern="^(foo|bar)$"),
        text(pattern="^(foo|bar|baz)$"),
        BACKWARD_OK,
        (K.PATTERN_CHANGED, "/pattern"),
        new_only="baz",
    ),
    case(
        "pattern-group-to-top-level-alternation-is-equal",
        text(pattern="^(foo|bar)$"),
        text(pattern="^foo$|^bar$"),
        BOTH_OK,
        (K.PATTERN_CHANGED, "/pattern"),
    ),
    case(
        "pattern-top-level-alternation-gains-a-branch",
        text(pattern="^a"),
        text(pattern="^a|^b"),
        BACKWARD_OK,
        (K.PATTERN_CHANGED, "/pattern"),
        new_only="b",
    ),
    case(
        "pattern-empty-added",
        STRING,
        text(pattern=""),
        BOTH_OK,
        (K.PATTERN_ADDED, "/pattern"),
    ),
    case(
        "pattern-dot-star-added",
        STRING,
        text(pattern=".*"),
        BOTH_OK,
        (K.PATTERN_ADDED, "/pattern"),
    ),
    case(
        "pattern-whole-line-added",
        STRING,
        text(pattern="^.*$"),
        FORWARD_OK,
        (K.PATTERN_ADDED, "/pattern"),
        old_only="a\nb",
    ),
    case(
        "pattern-dot-to-not-newline",
        text(pattern="^a.c"),
        text(pattern="^a[^\\n]c"),
        BOTH_OK,
        (K.PATTERN_CHANGED, "/pattern"),
        issue=conservative(
            "ECMA-262's `.` also excludes \\r, U+2028 and U+2029, which [^\\n] holds",
            "forward",
        ),
    ),
    case(
        "pattern-lookahead-is-not-read",
        text(pattern="^a"),
        text(pattern="^(?=a)a"),
        BOTH_OK,
        (K.PATTERN_CHANGED, "/pattern"),
        issue=conservative("lookaround is outside the subset read", "backward", "forward"),
    ),
]

CASES: list[Case] = (
    MULTIPLE_OF_CASES
    + INTEGER_TYPE_CASES
    + INTEGER_BOUND_CASES
    + REQUIRED_CASES
    + ZERO_BOUND_CASES
    + PATTERN_LENGTH_CASES
    + PATTERN_CASES
)


(
    test_case_names_are_unique,
    test_verdicts_kinds_and_paths,
    test_expectations_agree_with_jsonschema,
) = table_tests(CASES)


@pytest.mark.parametrize(
    ("old", "new", "backward", "forward"),
    [
        # 0.3 / 0.1 is 2.9999999999999996 in floats; as written, 0.3 is 3 tenths
        (0.1, 0.3, False, True),
        (0.3, 0.1, True, False),
        (0.1, 0.01, True, False),
        (1e-7, 3e-7, False, True),
    ],
)
def test_multipleOf_is_compared_as_the_decimal_written(
    old: float, new: float, backward: bool, forward: bool
) -> None:
    """The table's semantic check runs jsonschema, whose float division would get these
    wrong, so they are checked on the engine alone: exact decimals."""
    old_schema, new_schema = num(multipleOf=old), num(multipleOf=new)
    for mode, want in ((Mode.BACKWARD, backward), (Mode.FORWARD, forward)):
        result = diff_schemas(old_schema, new_schema, mode=mode, policy=Policy.STRICT)
        assert result.compatible is want, (mode, [c.to_dict() for c in result.changes])


def test_a_boolean_exclusive_flag_is_not_the_number_1() -> None:
    """Python's True == 1 must not hide a change: draft-04's flag bounds x < 5 here, the
    number x < 1."""
    old = d4(type="number", maximum=5, exclusiveMaximum=True)
    new = {**old, "exclusiveMaximum": 1}
    result = diff_schemas(old, new, mode=Mode.BACKWARD, policy=Policy.STRICT)
    assert not result.compatible
    assert [change.path for change in result.changes] == ["/exclusiveMaximum"]


# -- the same families on generated pairs ----------------------------------------------------

_STEPS = [None, 0.25, 0.5, 1, 1.5, 2, 3]
_BOUNDS = [None, -1, 0, 0.5, 1, 2, 2.5, 3, 4]
# every multiple of 1/4 in [-3, 6], and the integers as floats (1.0 is an integer from draft-06)
_NUMBERS = [n / 4 for n in range(-12, 25)] + [float(n) for n in range(-3, 7)]


@st.composite
def number_schemas(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": draw(st.sampled_from(["integer", "number"]))}
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
        value = draw(st.sampled_from(_STEPS if key == "multipleOf" else _BOUNDS))
        if value is not None:
            schema[key] = value
    return schema


@settings(max_examples=200, deadline=None)
@given(old=number_schemas(), new=number_schemas())
def test_number_verdicts_are_sound_on_a_grid(old: dict[str, Any], new: dict[str, Any]) -> None:
    """Compatible verdicts hold for every number on a grid fine enough to tell the bounds
    and steps apart (steps and bounds are multiples of 1/4)."""
    for mode, source, target in ((Mode.BACKWARD, old, new), (Mode.FORWARD, new, old)):
        if diff_schemas(old, new, mode=mode, policy=Policy.STRICT).compatible:
            for number in _NUMBERS:
                if accepts(source, number):
                    assert accepts(target, number), (mode, number)


_PATTERNS = [None, ".+", "^[0-9]{3}$", "[a-z]+", "^(ab|cde)$", "^a", "^a.*", "^(a|b)", "\\S"]


@st.composite
def string_schemas(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for key, pool in (
        ("pattern", _PATTERNS),
        ("minLength", [None, 0, 1, 2, 3]),
        ("maxLength", [None, 1, 3, 4, 5]),
    ):
        value = draw(st.sampled_from(pool))
        if value is not None:
            schema[key] = value
    return schema


_TEXTS = ["", "a", "b", "ab", "\n", "a\n", "123", "123\n", "1234", "cde", "abc", "a b", "\na"]


@settings(max_examples=200, deadline=None)
@given(old=string_schemas(), new=string_schemas(), data=st.data())
def test_string_verdicts_are_sound(
    old: dict[str, Any], new: dict[str, Any], data: st.DataObject
) -> None:
    for mode, source, target in ((Mode.BACKWARD, old, new), (Mode.FORWARD, new, old)):
        if diff_schemas(old, new, mode=mode, policy=Policy.STRICT).compatible:
            texts = list(_TEXTS)
            if "pattern" in source:
                texts += [data.draw(st.from_regex(source["pattern"])) for _ in range(3)]
            for text in texts:
                if accepts(source, text):
                    assert accepts(target, text), (mode, text)


@st.composite
def object_schemas(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    required = draw(st.lists(st.sampled_from("abc"), unique=True, max_size=3))
    if required:
        schema["required"] = required
    for key in ("minProperties", "maxProperties"):
        value = draw(st.sampled_from([None, 0, 1, 2, 3]))
        if value is not None:
            schema[key] = value
    return schema


_OBJECTS = [
    dict.fromkeys(names, 1) for names in ("", "a", "b", "x", "ab", "ax", "xy", "abc", "abx", "xyz")
]


@settings(max_examples=200, deadline=None)
@given(old=object_schemas(), new=object_schemas())
def test_required_and_property_count_verdicts_are_sound(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    for mode, source, target in ((Mode.BACKWARD, old, new), (Mode.FORWARD, new, old)):
        if diff_schemas(old, new, mode=mode, policy=Policy.STRICT).compatible:
            for instance in _OBJECTS:
                if accepts(source, instance):
                    assert accepts(target, instance), (mode, instance)
