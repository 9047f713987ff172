"""The engine on hostile or malformed input: any depth, non-finite numbers, weird values.

`diff_schemas` is a library entry point as well as the CLI's engine: whatever JSON value
it is given, it answers with a verdict, never an exception. What it cannot reason about
is breaking with a reason (`too_complex`, `unsupported_keyword`, `ref_unresolved`).
"""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drift.diff import ChangeKind, Compat, DiffResult, Mode, Policy, Severity, diff_schemas
from drift.diff.engine import MAX_DIFF_DEPTH
from drift.documents import MAX_NESTING
from drift.linemap import JsonLines
from tests.helpers import model, write_json

CANNOT_DECIDE = {ChangeKind.TOO_COMPLEX, ChangeKind.UNSUPPORTED_KEYWORD, ChangeKind.REF_UNRESOLVED}
ALL_COMBINATIONS = [(mode, policy) for mode in Mode for policy in Policy]

Wrap = Callable[[Any], Any]


def nest(levels: int, leaf: Any, wrap: Wrap) -> Any:
    """`wrap` applied `levels` times around `leaf`, without recursion."""
    node = leaf
    for _ in range(levels):
        node = wrap(node)
    return node


def in_properties(node: Any) -> Any:
    return {"type": "object", "properties": {"a": node}}


WRAPS: dict[str, Wrap] = {
    "properties": in_properties,
    "items": lambda node: {"type": "array", "items": node},
    "not": lambda node: {"not": node},
    "allOf": lambda node: {"allOf": [node, {"minLength": 1}]},
    "anyOf": lambda node: {"anyOf": [node, {"type": "null"}]},
    "additionalProperties": lambda node: {"additionalProperties": node},
}


def assert_breaking_with_reason(result: DiffResult, kinds: set[ChangeKind]) -> None:
    assert not result.compatible
    assert result.severity is Severity.BREAKING
    reasons = [change for change in result.changes if change.kind in kinds]
    assert reasons, [change.kind.value for change in result.changes]
    for change in reasons:
        assert (change.change.backward, change.change.forward) == (Compat.BREAKING,) * 2
        assert change.message


def too_complex(result: DiffResult) -> list[str]:
    return [c.path for c in result.changes if c.kind is ChangeKind.TOO_COMPLEX]


# -- depth ----------------------------------------------------------------------------------


@pytest.mark.parametrize("wrap", list(WRAPS), ids=list(WRAPS))
@pytest.mark.parametrize("levels", [MAX_DIFF_DEPTH + 1, 300, 10_000])
def test_any_depth_ends_in_too_complex_never_an_exception(wrap: str, levels: int) -> None:
    old = nest(levels, {"type": "string"}, WRAPS[wrap])
    new = nest(levels, {"type": "integer"}, WRAPS[wrap])
    for mode, policy in ALL_COMBINATIONS:
        result = diff_schemas(old, new, mode=mode, policy=policy)
        assert not result.compatible, (mode, policy)
        json.dumps(result.to_dict())  # what a caller does next must work too
    result = diff_schemas(old, new)
    if wrap in ("allOf", "anyOf") and levels < 10_000:
        # Inside a combinator the deep pair is one candidate pairing among others, so
        # its too_complex may only show as the combinator's own breaking verdict.
        assert result.severity is Severity.BREAKING
        return
    # Everywhere else the subtree the walk does not enter is one breaking change.
    assert_breaking_with_reason(result, {ChangeKind.TOO_COMPLEX})
    assert all("too complex to prove compatible" in c.message for c in result.changes)


def test_the_depth_limit_is_exact_and_reported_where_it_is_reached() -> None:
    # The root is the first open subschema; a leaf inside `levels` properties is the
    # (levels + 1)-th, so MAX_DIFF_DEPTH - 1 levels is the deepest leaf still compared.
    deepest = MAX_DIFF_DEPTH - 1
    old = nest(deepest, {"type": "string"}, in_properties)
    new = nest(deepest, {"type": "integer"}, in_properties)
    [change] = diff_schemas(old, new).changes
    assert change.kind is ChangeKind.TYPE_CHANGED
    assert change.path == "/properties/a" * deepest + "/type"

    old, new = in_properties(old), in_properties(new)
    [change] = diff_schemas(old, new).changes
    assert change.kind is ChangeKind.TOO_COMPLEX
    assert change.path == "/properties/a" * MAX_DIFF_DEPTH
    assert f"nested deeper than {MAX_DIFF_DEPTH} subschemas" in change.message
    assert (change.change.old, change.change.new) == (None, None)


def test_a_deep_subtree_does_not_hide_the_rest_of_the_document() -> None:
    old = {
        "type": "object",
        "properties": {
            "deep": nest(200, {"type": "string"}, in_properties),
            "name": {"type": "string", "maxLength": 10},
        },
    }
    new = copy.deepcopy(old)
    new["properties"]["deep"] = nest(200, {"type": "integer"}, in_properties)
    new["properties"]["name"]["maxLength"] = 5
    result = diff_schemas(old, new)
    by_kind = {c.kind: c.path for c in result.changes}
    assert by_kind[ChangeKind.BOUND_TIGHTENED] == "/properties/name/maxLength"
    assert by_kind[ChangeKind.TOO_COMPLEX].startswith("/properties/deep/properties/a/")


def test_documents_as_deep_as_the_loaders_allow_are_compared() -> None:
    levels = MAX_NESTING // 2 - 1  # two containers a level, and the leaf
    old = nest(levels, {"type": "string"}, in_properties)
    same = nest(levels, {"type": "string"}, in_properties)  # equal, not the same objects
    assert diff_schemas(old, same).changes == []
    new = nest(levels, {"type": "integer"}, in_properties)
    new["properties"]["b"] = {"type": "string"}
    result = diff_schemas(old, new)
    assert [(c.kind, c.path) for c in result.changes] == [
        (ChangeKind.TOO_COMPLEX, "/properties/a" * MAX_DIFF_DEPTH),
        (ChangeKind.PROPERTY_ADDED, "/properties/b"),
    ]


def test_a_caller_deep_in_its_own_stack_gets_a_verdict_not_an_exception() -> None:
    """The depth limit assumes some stack is left; when none is, the guard answers."""
    old = nest(20, {"type": "string"}, in_properties)
    new = nest(20, {"type": "integer"}, in_properties)

    def at_depth(frames: int) -> DiffResult:
        return diff_schemas(old, new) if frames == 0 else at_depth(frames - 1)

    here = 0
    frame = sys._getframe()
    while frame.f_back is not None:
        frame, here = frame.f_back, here + 1
    free = sys.getrecursionlimit() - here
    roomy, cramped = at_depth(free - 400), at_depth(free - 30)  # frames left to the engine
    assert [c.kind for c in roomy.changes] == [ChangeKind.TYPE_CHANGED]
    assert too_complex(cramped) == ["/"]
    assert "recursion" in cramped.changes[0].message


def test_deep_values_inside_keywords_are_safe_too() -> None:
    deep_list = nest(10_000, [], lambda node: [node])
    for old, new in (
        ({"const": deep_list}, {"const": 1}),
        ({"enum": [deep_list]}, {"enum": [1]}),
        ({"default": deep_list}, {}),
        ({"x-vendor": deep_list}, {"x-vendor": 1}),
        ({"$defs": {"a": deep_list}}, {}),
    ):
        result = diff_schemas(old, new)
        assert not result.compatible, old.keys()
        assert too_complex(result) == ["/"]


def test_cli_diff_of_files_nested_300_levels(tmp_path: Path) -> None:
    old = model("md.Deep", a=nest(300, {"type": "string"}, in_properties))
    new = model("md.Deep", a=nest(300, {"type": "integer"}, in_properties))
    write_json(tmp_path / "old.json", old)
    write_json(tmp_path / "new.json", new)
    done = subprocess.run(
        [sys.executable, "-m", "drift", "diff", "old.json", "new.json", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in done.stderr
    if done.returncode == 2:  # a loader that refuses the file as too deep: one clear line
        assert "old.json" in done.stderr
        assert "nest" in done.stderr.lower()
        return
    assert done.returncode == 1, done.stderr
    [change] = json.loads(done.stdout)["changes"]
    assert change["kind"] == "too_complex"
    assert change["path"] == "/properties/a" + "/properties/a" * (MAX_DIFF_DEPTH - 1)
    line = (tmp_path / "old.json").read_text().splitlines()[change["line"] - 1]
    assert line.strip().startswith('"a"')


# -- numbers --------------------------------------------------------------------------------

NAN, INF = math.nan, math.inf


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ({"minimum": NAN}, {"minimum": 1}, "/minimum"),
        ({"minimum": 1}, {"minimum": NAN}, "/minimum"),
        ({"maximum": INF}, {"maximum": 1}, "/maximum"),
        ({"maximum": -INF}, {}, "/maximum"),
        ({"exclusiveMinimum": NAN}, {"exclusiveMinimum": 0}, "/exclusiveMinimum"),
        ({"type": "number", "minimum": 0}, {"type": "number", "minimum": -INF}, "/minimum"),
        ({"multipleOf": INF}, {"multipleOf": 2}, "/multipleOf"),
        ({"multipleOf": 2}, {"multipleOf": NAN}, "/multipleOf"),
        ({"minLength": NAN}, {"minLength": 1}, "/minLength"),
        ({"maxItems": INF}, {"maxItems": 3}, "/maxItems"),
    ],
)
def test_non_finite_numbers_are_breaking_with_a_reason(old: Any, new: Any, path: str) -> None:
    for mode, policy in ALL_COMBINATIONS:
        result = diff_schemas(old, new, mode=mode, policy=policy)
        assert_breaking_with_reason(result, {ChangeKind.UNSUPPORTED_KEYWORD})
        [change] = [c for c in result.changes if c.kind is ChangeKind.UNSUPPORTED_KEYWORD]
        assert change.path == path
        assert "not a finite number" in change.message or "above 0" in change.message


def test_an_unchanged_nan_bound_does_not_stop_the_rest_from_being_compared() -> None:
    old = {"type": "number", "minimum": NAN, "maximum": 10}
    new = {"type": "number", "minimum": NAN, "maximum": 20}
    [change] = diff_schemas(old, new).changes
    assert (change.kind, change.path) == (ChangeKind.BOUND_RELAXED, "/maximum")
    assert change.breaks == ("forward",)


@pytest.mark.parametrize(
    ("old", "new", "kind", "text"),
    [
        ({"minimum": 10**400}, {"minimum": 1}, ChangeKind.BOUND_RELAXED, ">= 1e+400 → >= 1"),
        ({"maximum": -(10**400)}, {}, ChangeKind.BOUND_REMOVED, "<= -1e+400 removed"),
        ({"minimum": 1e308}, {"minimum": -1e308}, ChangeKind.BOUND_RELAXED, ">= 1e+308"),
        ({"maximum": 1.7976931348623157e308}, {"maximum": 10**309}, ChangeKind.BOUND_RELAXED, ""),
        ({"multipleOf": 10**400}, {"multipleOf": 10**200}, ChangeKind.MULTIPLE_OF_RELAXED, ""),
        ({"multipleOf": 5e-324}, {"multipleOf": 1e-323}, ChangeKind.MULTIPLE_OF_CHANGED, ""),
        ({"maxLength": 10**400}, {"maxLength": 3}, ChangeKind.BOUND_TIGHTENED, ""),
    ],
)
def test_huge_and_tiny_numbers_are_compared_exactly(
    old: Any, new: Any, kind: ChangeKind, text: str
) -> None:
    [change] = diff_schemas(old, new).changes
    assert change.kind is kind
    assert text in change.message


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ({"minimum": 10**5000}, {"minimum": 1}, "OLD at /minimum"),
        ({"enum": ["a"]}, {"enum": ["a", -(10**4300)]}, "NEW at /enum/1"),
        ({"properties": {"a": {"const": 1}}}, {"properties": {"a": {"const": 10**9999}}}, ""),
        ({"default": 10**5000}, {}, "OLD at /default"),
    ],
)
def test_integers_too_long_for_text_are_breaking_with_a_reason(
    old: Any, new: Any, where: str
) -> None:
    # Python will not print an integer of more than sys.get_int_max_str_digits() digits,
    # so canonical JSON, messages and fingerprints cannot hold it.
    result = diff_schemas(old, new)
    [change] = result.changes
    assert change.kind is ChangeKind.UNSUPPORTED_KEYWORD
    assert (change.path, change.change.old, change.change.new) == ("/", None, None)
    assert f"{where or 'NEW at /properties/a/const'} holds an integer of more than" in (
        change.message
    )
    assert not result.compatible
    assert len(change.change.fingerprint("huge")) == 12


# -- weird but valid JSON values ------------------------------------------------------------

WEIRD: list[tuple[str, Any, Any, str]] = [
    ("type-number", {"type": 5}, {"type": "string"}, "/type"),
    ("type-unknown-name", {"type": ["strin"]}, {"type": "string"}, "/type"),
    ("type-any-draft03", {"type": "any"}, {}, "/type"),
    ("required-string", {"required": "x"}, {"required": ["x"]}, "/required"),
    ("required-string-removed", {"required": ["ab"]}, {"required": "ab"}, "/required"),
    ("required-non-strings", {"required": [1]}, {}, "/required"),
    ("enum-object", {"enum": {}}, {"enum": ["a"]}, "/enum"),
    ("enum-becomes-object", {"enum": ["a"]}, {"enum": {"a": 1}}, "/enum"),
    ("properties-array", {"properties": []}, {"properties": {"a": {}}}, "/properties"),
    ("items-number", {"items": 3}, {"items": {"type": "string"}}, "/items"),
    ("prefixItems-object", {"prefixItems": {}}, {"prefixItems": [{}]}, "/prefixItems"),
    ("ref-number", {"$ref": 5}, {"$ref": 6}, "/$ref"),
    ("ref-missing", {"$ref": "#/$defs/nope"}, {"type": "string"}, "/"),
    ("ref-remote", {"$ref": "other.json#/X"}, {"type": "string"}, "/"),
    ("ref-anchor", {"$ref": "#anchor"}, {"type": "string"}, "/"),
    ("ref-self", {"$ref": "#"}, {"type": "string"}, "/"),
    (
        "ref-cycle",
        {"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}},
        {"type": "string"},
        "/",
    ),
    ("ref-to-non-schema", {"$ref": "#/$defs/a", "$defs": {"a": 5}}, {}, "/"),
    ("multipleOf-zero", {"multipleOf": 0}, {"multipleOf": 2}, "/multipleOf"),
    ("multipleOf-becomes-zero", {"multipleOf": 2}, {"multipleOf": 0}, "/multipleOf"),
    ("multipleOf-negative", {"multipleOf": -2}, {"multipleOf": 4}, "/multipleOf"),
    ("minimum-true", {"minimum": True}, {"minimum": 5}, "/minimum"),
    ("minimum-becomes-false", {"minimum": 0}, {"minimum": False}, "/minimum"),
    ("minLength-true", {"minLength": True}, {"minLength": 2}, "/minLength"),
    ("maxItems-string", {"maxItems": "3"}, {"maxItems": 3}, "/maxItems"),
    ("uniqueItems-number", {"uniqueItems": 1}, {}, "/uniqueItems"),
    ("pattern-number", {"pattern": 5}, {"pattern": "a"}, "/pattern"),
    ("format-list", {"format": ["date"]}, {}, "/format"),
    ("anyOf-empty", {"anyOf": []}, {"anyOf": [{"type": "string"}]}, "/anyOf"),
    ("oneOf-object", {"oneOf": {}, "minimum": 1}, {"oneOf": [{}, {}]}, "/oneOf"),
    ("allOf-number", {"allOf": 5}, {"type": "string"}, "/allOf"),
    ("not-number", {"not": 5}, {"type": "string"}, "/not"),
    ("additionalProperties-number", {"additionalProperties": 5}, {}, "/additionalProperties"),
    ("propertyNames-string", {"propertyNames": "a"}, {}, "/propertyNames"),
    ("contains-number", {"contains": 5, "maxContains": 2}, {"contains": 6}, "/contains"),
    (
        "dependencies-number",
        {"dependencies": {"a": 5}},
        {"dependencies": {"a": []}},
        "/dependencies",
    ),
    ("dependentRequired-string", {"dependentRequired": {"a": "b"}}, {}, "/dependentRequired"),
    ("property-not-a-schema", {"properties": {"a": 5}}, {"properties": {"a": 6}}, "/properties/a"),
    ("pattern-not-a-regex", {"patternProperties": {"(": {}}}, {}, "/patternProperties/("),
    ("root-number", 5, 6, "/"),
    ("root-array", [], {}, "/"),
    ("root-null", None, {"type": "string"}, "/"),
    ("oneOf-of-numbers", {"oneOf": [5, 5]}, {"oneOf": [{"type": "string"}]}, ""),
]


@pytest.mark.parametrize(("old", "new", "path"), [w[1:] for w in WEIRD], ids=[w[0] for w in WEIRD])
def test_weird_values_are_breaking_with_a_reason(old: Any, new: Any, path: str) -> None:
    for first, second in ((old, new), (new, old)):
        for mode, policy in ALL_COMBINATIONS:
            result = diff_schemas(first, second, mode=mode, policy=policy)
            assert not result.compatible, (mode, policy, result.to_dict())
        result = diff_schemas(first, second)
        assert result.severity is Severity.BREAKING
        decided = {c.path for c in result.changes if c.kind in CANNOT_DECIDE}
        if path and first is old:  # where the engine cannot decide, it says so there
            assert path in decided, result.to_dict()


def test_an_unchanged_malformed_keyword_leaves_the_rest_comparable() -> None:
    old = {"type": 5, "required": "x", "minLength": 1, "properties": {"a": {"type": "string"}}}
    new = {**old, "minLength": 2, "properties": {"a": {"type": ["string", "null"]}}}
    result = diff_schemas(old, new)
    assert [(c.kind, c.path) for c in result.changes] == [
        (ChangeKind.BOUND_TIGHTENED, "/minLength"),
        (ChangeKind.TYPE_WIDENED, "/properties/a/type"),
    ]


def test_a_malformed_type_proves_no_disjointness() -> None:
    # `type: 5` must not read as "no types": that would make the oneOf branches provably
    # disjoint and the added branch harmless.
    old = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
    new = {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": 5, "minimum": 1}]}
    assert "backward" in {d for c in diff_schemas(old, new).changes for d in c.breaks}


def test_the_reason_names_the_keyword_and_the_form_it_needs() -> None:
    [change] = diff_schemas({"multipleOf": 0}, {"multipleOf": 2}).changes
    assert change.message == (
        "multipleOf changed and its old value is not a number above 0; cannot prove compatibility"
    )
    [change] = diff_schemas({"required": ["a"]}, {"required": "a"}).changes
    assert "its new value is not an array of strings" in change.message


# -- after the diff -------------------------------------------------------------------------


def test_the_line_of_a_pointer_of_any_length() -> None:
    levels = 5_000
    text = '{"x": 1, "a":\n' * levels + '{"b": [1,\n{"c": 2}]}' + "}" * levels
    lines = JsonLines(text)
    assert lines.line("/a" * levels) == levels
    assert lines.line("/a" * levels + "/b/1/c") == levels + 2
    assert lines.line("/a" * (levels + 3)) == levels  # the nearest existing ancestor
    assert lines.line("/a/x") == 2
