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
"""

from __future__ import annotations

from typing import Any

import pytest

from drift.diff import Mode, Policy, diff_schemas
from tests.diff_table import (
    BACKWARD_OK,
    BOTH_OK,
    FORWARD_OK,
    INTEGER,
    NEITHER_OK,
    Case,
    K,
    case,
    check_engine,
    check_semantics,
    d4,
    params,
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

CASES: list[Case] = MULTIPLE_OF_CASES + INTEGER_TYPE_CASES + INTEGER_BOUND_CASES


def test_case_names_are_unique() -> None:
    names = [item.name for item in CASES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("item", params(CASES, with_issues=True))
def test_verdicts_kinds_and_paths(item: Case) -> None:
    check_engine(item)


@pytest.mark.parametrize("item", params(CASES, with_issues=False))
def test_expectations_agree_with_jsonschema(item: Case) -> None:
    """Each breaking verdict has a counterexample; no probe contradicts a compatible one."""
    check_semantics(item, CASES)


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
