"""The three-valued evaluator (drift/diff/evaluate.py) against `jsonschema`.

`accepts` may say "cannot tell" (None) wherever it likes, but a True or a False must be
what the validator of the schema's draft says. Generated schemas (the keywords the
evaluator models, plus some it must refuse) meet generated values; the fixed rows pin the
JSON Schema details that are easy to get wrong.
"""

from __future__ import annotations

import json
import os
from typing import Any

import jsonschema
import pytest
import referencing.exceptions
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from drift.diff.engine import Side
from drift.diff.evaluate import Budget, Evaluator, ecma_safe
from tests.diff_table import D4, D7, D2020

EXAMPLES = int(os.environ.get("SOUNDNESS_EXAMPLES", "300"))
D2019 = "https://json-schema.org/draft/2019-09/schema"
DRAFTS: dict[str | None, list[type[jsonschema.protocols.Validator]]] = {
    D4: [jsonschema.Draft4Validator],
    D7: [jsonschema.Draft7Validator],
    D2019: [jsonschema.Draft201909Validator],
    D2020: [jsonschema.Draft202012Validator],
    # no $schema: an answer must hold for every draft the engine could be reading
    None: [jsonschema.Draft7Validator, jsonschema.Draft201909Validator,
           jsonschema.Draft202012Validator],
}  # fmt: skip


def answer(schema: Any, value: Any, budget: int = 10_000) -> bool | None:
    return Evaluator(Side(schema), Budget(budget)).accepts(schema, value)


def verdicts(schema: Any, value: Any) -> set[bool]:
    uri = schema.get("$schema") if isinstance(schema, dict) else None
    found = set()
    for cls in DRAFTS[uri]:
        try:
            cls.check_schema(schema)
        except jsonschema.SchemaError:
            continue
        try:
            found.add(bool(cls(schema).is_valid(value)))
        except (referencing.exceptions.Unresolvable, RecursionError):
            continue
    return found


# -- generated --------------------------------------------------------------------------------

TEXT = st.text(alphabet="ab1 .\n\u00e9\u0660", max_size=5)
NUMBERS = st.sampled_from([0, 1, 2, 3, -1, 1.0, 1.5, 0.1, 0.3, 2.5, 10, 1e300])
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "x1", "é"]), inner, max_size=3),
    ),
    max_leaves=6,
)
TYPES = st.sampled_from(["null", "boolean", "integer", "number", "string", "array", "object"])
PATTERNS = st.sampled_from(
    ["^a", "a$", "^[ab]+$", "\\d", "\\w+", "^.$", "^a{1,2}$", "\\s", "(?i)a", "^(a|b)?$", "\\Z"]
)
COUNTS = st.integers(min_value=0, max_value=3)


def keywords(sub: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """One to three keywords, with values of their form (mostly)."""
    one = st.one_of(
        st.tuples(st.just("type"), st.one_of(TYPES, st.lists(TYPES, min_size=1, max_size=3))),
        st.tuples(st.just("enum"), st.lists(SCALARS, min_size=1, max_size=3)),
        st.tuples(st.just("const"), VALUES),
        st.tuples(st.sampled_from(["minLength", "maxLength"]), COUNTS),
        st.tuples(st.just("pattern"), PATTERNS),
        st.tuples(st.just("format"), st.sampled_from(["email", "date"])),
        st.tuples(
            st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]),
            st.one_of(NUMBERS, st.booleans()),
        ),
        st.tuples(st.just("multipleOf"), st.sampled_from([1, 2, 3, 0.1, 0.5, 1.5, 0.3])),
        st.tuples(st.sampled_from(["minItems", "maxItems", "minProperties"]), COUNTS),
        st.tuples(st.just("uniqueItems"), st.booleans()),
        st.tuples(st.just("required"), st.lists(st.sampled_from(["a", "b"]), max_size=2)),
        st.tuples(st.just("properties"), st.dictionaries(st.sampled_from(["a", "b"]), sub)),
        st.tuples(st.just("patternProperties"), st.dictionaries(PATTERNS, sub, max_size=1)),
        st.tuples(st.just("additionalProperties"), sub),
        st.tuples(st.just("propertyNames"), sub),
        st.tuples(st.sampled_from(["items", "contains", "additionalItems", "not"]), sub),
        st.tuples(st.sampled_from(["items", "prefixItems"]), st.lists(sub, max_size=2)),
        st.tuples(st.sampled_from(["minContains", "maxContains"]), COUNTS),
        st.tuples(
            st.sampled_from(["allOf", "anyOf", "oneOf"]), st.lists(sub, min_size=1, max_size=3)
        ),
        st.tuples(st.just("dependencies"), st.just({"a": ["b"]})),
        st.tuples(st.just("dependentRequired"), st.just({"a": ["b"]})),
        st.tuples(st.just("dependentSchemas"), st.dictionaries(st.just("a"), sub)),
        st.tuples(st.just("$ref"), st.sampled_from(["#/$defs/d", "#/definitions/d", "#/nowhere"])),
        st.tuples(st.sampled_from(["if", "then", "unevaluatedItems", "x-vendor"]), sub),
    )
    return st.lists(one, min_size=1, max_size=3).map(dict)


SCHEMAS = st.recursive(
    st.one_of(st.booleans(), keywords(st.just(True))),
    keywords,
    max_leaves=5,
)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    body = draw(keywords(SCHEMAS))
    uri = draw(st.sampled_from(list(DRAFTS)))
    definition = draw(SCHEMAS)
    document = {**body, "$defs": {"d": definition}, "definitions": {"d": definition}}
    return document if uri is None else {"$schema": uri, **document}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(documents(), st.lists(VALUES, min_size=1, max_size=4))
def test_evaluator_never_contradicts_jsonschema(schema: dict[str, Any], values: list[Any]) -> None:
    for value in values:
        said = answer(schema, value)
        truth = verdicts(schema, value)
        assume(truth)  # a schema no validator of its draft takes
        event("cannot tell" if said is None else "answered")
        if said is not None:
            assert truth == {said}, json.dumps([schema, value])


# -- fixed rows -------------------------------------------------------------------------------

ROWS = [
    # (schema, value, answer the evaluator must give)
    ({"type": "integer"}, 1.0, True),
    ({"$schema": D4, "type": "integer"}, 1.0, None),  # draft-04: 1.0 is not an integer
    ({"type": "integer"}, True, False),
    ({"type": "number"}, False, False),
    ({"enum": [1]}, True, False),
    ({"enum": [1]}, 1.0, True),
    ({"const": [1, {"a": True}]}, [1.0, {"a": True}], True),
    ({"const": {"a": 1}}, {"a": True}, False),
    ({"uniqueItems": True}, [1, 1.0], False),
    ({"uniqueItems": True}, [1, True], True),
    ({"uniqueItems": True}, [{"a": 1}, {"a": 1.0}], False),
    ({"maxLength": 1}, "\U0001f600", True),  # one code point
    ({"format": "email"}, "x", None),
    ({"format": "email"}, 5, True),  # formats apply to strings only
    ({"pattern": "^a$"}, "a\n", None),  # Python's $ matches before a final newline
    ({"pattern": "^\\d$"}, "\u0660", None),  # Arabic-Indic digit: \d in Python, not ECMA
    ({"pattern": "^\\d$"}, "1", True),
    ({"pattern": "^(a+)+$"}, "aaaa", None),  # refused by the bounded matcher
    ({"multipleOf": 0.1}, 0.3, None),  # exact: yes; binary arithmetic: no
    ({"multipleOf": 0.5}, 1.5, True),
    ({"multipleOf": 2}, 4.5, False),
    ({"minimum": 1, "exclusiveMinimum": True, "$schema": D4}, 1, False),
    ({"exclusiveMinimum": True}, 1, None),  # draft-04's form with no draft-04
    ({"if": {"type": "string"}}, "x", None),
    ({"$schema": D2019, "unevaluatedItems": False}, [None], None),  # not read: cannot tell
    ({"unevaluatedProperties": False}, {"a": 1}, None),
    ({"unevaluatedItems": False}, {"a": 1}, True),  # applies to arrays only
    ({"x-vendor": {"type": "string"}}, 5, True),  # no draft's keyword: ignored
    ({"$ref": "#/nowhere"}, 1, None),
    ({"$ref": "#/$defs/s", "maxLength": 1, "$defs": {"s": {"type": "string"}}}, "ab", None),
    (
        {"$schema": D2020, "$ref": "#/$defs/s", "maxLength": 1, "$defs": {"s": {"type": "string"}}},
        "ab",
        False,
    ),
    (
        {"$schema": D7, "$ref": "#/$defs/s", "maxLength": 1, "$defs": {"s": {"type": "string"}}},
        "ab",
        True,  # draft-07 ignores a $ref's siblings
    ),
    ({"$schema": D7, "prefixItems": [False]}, [1], True),  # not a draft-07 keyword
    ({"$schema": D2020, "prefixItems": [False]}, [1], False),
    ({"$schema": D2020, "items": [False]}, [1], None),
    ({"$schema": D7, "items": [{"type": "string"}], "additionalItems": False}, ["a", 1], False),
    ({"$schema": D4, "const": 1}, 2, True),  # const came with draft-06
    ({"oneOf": [{"type": "integer"}, {"type": "number"}]}, 1, False),
    ({"oneOf": [{"type": "integer"}, {"format": "email"}]}, "x", None),
    ({"contains": {"type": "string"}, "minContains": 2}, ["a", 1], None),  # draft unnamed
    ({"$schema": D2020, "contains": {"type": "string"}, "minContains": 2}, ["a", "b"], True),
    ({"patternProperties": {"^a": False}, "additionalProperties": False}, {"ab": 1}, False),
    ({"patternProperties": {"^x": True}, "additionalProperties": False}, {"x1": 1}, True),
    ({"propertyNames": {"maxLength": 1}}, {"ab": 1}, False),
    ({"$ref": "#"}, 1, None),  # a cycle: too deep to tell
]


@pytest.mark.parametrize(("schema", "value", "expected"), ROWS)
def test_fixed_answers(schema: Any, value: Any, expected: bool | None) -> None:
    assert answer(schema, value) is expected
    if expected is not None:
        assert verdicts(schema, value) == {expected}


def test_budget_exhausted_cannot_tell() -> None:
    schema = {"allOf": [{"type": "integer"}] * 50}
    assert answer(schema, 1, budget=10) is None
    assert answer(schema, 1, budget=100) is True


def test_ecma_safe_refuses_python_only_syntax() -> None:
    for pattern in ("(?i)a", "(?P<n>a)", "\\Aa", "a\\Z", "a{,2}", "a++", "[]a]", "[^]"):
        assert not ecma_safe(pattern, "a"), pattern
    for pattern in ("^a$", "(?:a|b)", "(?=a)", "[a-z]+", "\\.", "a{2}"):
        assert ecma_safe(pattern, "a"), pattern
