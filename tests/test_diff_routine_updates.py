"""Routine updates of real schemas are not breaking (issue 11, "Real schema histories").

Consecutive revisions of widely used public schemas (CI configs, compose files, linters'
settings; see scripts/real-histories) mostly add options, reword descriptions, add
editor annotations, or change one branch beside an unchanged `oneOf`. A gate that calls
those breaking gets switched off. The rows below are small schemas written here on the
patterns found there, each with the reason it is compatible (or cosmetic) under
backward/lenient; and a few updates of the same kind that really break, each with a
witness that `jsonschema` checks.

Rows follow tests/test_diff_keywords.py: `verdict` is (backward, forward) under the strict
policy and semantics; `lenient=` where the lenient policy differs; `old_only`/`new_only`
are witnesses; changes are (kind, path into OLD).
"""

from __future__ import annotations

import json
from typing import Any

from drift.diff import diff_schemas
from drift.diff.model import COSMETIC_KINDS
from tests.diff_table import (
    BACKWARD_OK,
    BOTH_OK,
    D7,
    FORWARD_OK,
    INTEGER,
    NULL,
    STRING,
    Case,
    K,
    case,
    conservative,
    d7,
    d2020,
    table_tests,
)

# A CI-style config: a closed root, an open `options` object, a step that is a string or
# an object (an overlapping oneOf: a string matches the first branch only, but the engine
# cannot prove the `$ref` branches apart), and a definition reached through a reference.
STEP = {"oneOf": [STRING, {"$ref": "#/definitions/step"}, {"$ref": "#/definitions/named"}]}


def config(**changes: Any) -> dict[str, Any]:
    """The base config, with top-level keys replaced (None deletes one)."""
    schema: dict[str, Any] = d7(
        title="CI config",
        type="object",
        additionalProperties=False,
        properties={
            "version": {"enum": ["1", "2"], "description": "Config version."},
            "options": {
                "type": "object",
                "description": "Tool options.",
                "properties": {
                    "timeout": {"type": "integer", "minimum": 1},
                    "shell": STRING,
                },
            },
            "steps": {"type": "array", "items": STEP},
            "cache": {"type": ["boolean", "string"]},
        },
        definitions={
            "step": {
                "type": "object",
                "properties": {"run": STRING, "name": STRING},
                "required": ["run"],
            },
            "named": {"type": "object", "required": ["name"]},
        },
    )
    schema = fresh(schema)
    for key, value in changes.items():
        if value is None:
            del schema[key]
        else:
            schema[key] = value
    return schema


def fresh(schema: Any) -> Any:
    """A copy as parsed JSON would be: no subschema object shared between places."""
    return json.loads(json.dumps(schema))


def edited(schema: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy with the value at a slash path set (a final `-` deletes that key)."""
    copied = fresh(schema)
    *parents, last = path.strip("/").split("/")
    node = copied
    for token in parents:
        node = node[int(token)] if isinstance(node, list) else node[token]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return copied


DELETE: Any = object()
BASE = config()
OPTIONS = "/properties/options/properties"

JOB: dict[str, Any] = {
    "type": "object",
    "properties": {"runs-on": {"type": "string"}, "steps": {"type": "array"}},
    "required": ["runs-on"],
    "additionalProperties": False,
}
CALL: dict[str, Any] = {
    "type": "object",
    "properties": {"uses": {"type": "string"}},
    "required": ["uses"],
    "additionalProperties": False,
}

CASES: list[Case] = [
    # -- cosmetic: documentation, editor annotations, identifiers --------------------------
    case(
        "descriptions-reworded-at-every-depth",
        BASE,
        edited(
            edited(BASE, "/properties/options/description", "Options of the tool."),
            "/definitions/step/description",
            "One step.",
        ),
        BOTH_OK,
        (K.ANNOTATION_CHANGED, "/definitions/step/description"),
        (K.ANNOTATION_CHANGED, "/properties/options/description"),
        cosmetic=True,
    ),
    case(
        # VS Code's and tombi's annotations: no draft defines them, validators ignore them
        "editor-annotations-added-in-a-oneOf-branch-and-a-definition",
        BASE,
        edited(
            edited(BASE, "/definitions/named/markdownDescription", "A **named** step."),
            "/definitions/step/x-tombi-table-keys-order",
            "schema",
        ),
        BOTH_OK,
        (K.ANNOTATION_CHANGED, "/definitions/named/markdownDescription"),
        (K.ANNOTATION_CHANGED, "/definitions/step/x-tombi-table-keys-order"),
        cosmetic=True,
    ),
    case(
        # same draft, new identifier: what the keywords mean did not change
        "id-and-schema-uri-bumped-within-draft-07",
        {**BASE, "$id": "https://example.com/ci/1.json"},
        {**BASE, "$schema": D7.rstrip("#"), "$id": "https://example.com/ci/2.json"},
        BOTH_OK,
        (K.METADATA_CHANGED, "/$id"),
        (K.METADATA_CHANGED, "/$schema"),
        cosmetic=True,
    ),
    case(
        # the issue's minimal case: a title beside an unchanged oneOf with a $ref branch
        "title-added-at-the-root-of-an-overlapping-oneOf",
        {
            "definitions": {"d": INTEGER},
            "oneOf": [STRING, {"allOf": [{"$ref": "#/definitions/d"}]}],
        },
        {
            "title": "x",
            "definitions": {"d": INTEGER},
            "oneOf": [STRING, {"allOf": [{"$ref": "#/definitions/d"}]}],
        },
        BOTH_OK,
        (K.ANNOTATION_CHANGED, "/title"),
        cosmetic=True,
    ),
    case(
        # a title inside one branch makes the oneOf unequal as JSON, not in meaning
        "title-added-inside-a-branch-of-an-overlapping-oneOf",
        BASE,
        edited(BASE, "/properties/steps/items/oneOf/0/title", "A command line"),
        BOTH_OK,
        (K.ANNOTATION_CHANGED, "/properties/steps/items/oneOf/0/title"),
        cosmetic=True,
    ),
    case(
        # a reference to another document, the same on both sides, means the same schema
        "title-edited-beside-a-reference-to-another-document",
        d7(oneOf=[STRING, {"$ref": "https://example.com/other.json#/definitions/x"}], title="a"),
        d7(oneOf=[STRING, {"$ref": "https://example.com/other.json#/definitions/x"}], title="b"),
        BOTH_OK,
        (K.ANNOTATION_CHANGED, "/title"),
        cosmetic=True,
        contract="a validator must fetch the other document; both sides name the same one",
    ),
    case(
        # JSON objects are unordered: a reformatted file is the same schema
        "definitions-reordered",
        BASE,
        config(
            definitions={"named": BASE["definitions"]["named"], "step": BASE["definitions"]["step"]}
        ),
        BOTH_OK,
    ),
    case(
        # `leaf` is named only from `orphan`, which nothing validation reaches names
        "definition-named-only-by-an-unreferenced-definition-changes",
        d7(
            type="object",
            definitions={
                "orphan": {"properties": {"q": {"$ref": "#/definitions/leaf"}}},
                "leaf": STRING,
            },
        ),
        d7(
            type="object",
            definitions={
                "orphan": {"properties": {"q": {"$ref": "#/definitions/leaf"}}},
                "leaf": INTEGER,
            },
        ),
        BOTH_OK,
        (K.UNREFERENCED_DEFINITION_CHANGED, "/definitions/leaf"),
        cosmetic=True,
    ),
    case(
        # an editor's sample that names a new definition: no validator applies `x-sample`
        "definition-added-for-a-vendor-annotation",
        d7(type="object", properties={"a": STRING}),
        d7(
            type="object",
            properties={"a": STRING},
            definitions={"sample": {"type": "object", "required": ["a"]}},
            **{"x-sample": {"$ref": "#/definitions/sample"}},
        ),
        BOTH_OK,
        (K.ANNOTATION_CHANGED, "/x-sample"),
        (K.UNREFERENCED_DEFINITION_CHANGED, "/definitions/sample"),
        cosmetic=True,
    ),
    # -- compatible under backward/lenient -------------------------------------------------
    case(
        # Confluent's strict rule: OLD's open object accepted {"color": 1}, NEW types it.
        # The lenient policy allows it: that value was never a documented option.
        "option-added-to-an-open-config-object",
        BASE,
        edited(BASE, f"{OPTIONS}/color", {"type": "string", "description": "Output colour."}),
        FORWARD_OK,
        (K.PROPERTY_ADDED, f"{OPTIONS}/color"),
        lenient=BOTH_OK,
        old_only={"options": {"color": 1}},
    ),
    case(
        # the root is closed: OLD rejected every `env`, so NEW only accepts more
        "option-added-to-a-closed-root",
        BASE,
        edited(BASE, "/properties/env", {"type": "object"}),
        BACKWARD_OK,
        (K.PROPERTY_ADDED, "/properties/env"),
        new_only={"env": {}},
    ),
    case(
        "enum-gains-a-value",
        BASE,
        edited(BASE, "/properties/version/enum", ["1", "2", "3"]),
        BACKWARD_OK,
        (K.ENUM_WIDENED, "/properties/version/enum"),
        new_only={"version": "3"},
    ),
    case(
        # the oneOf beside it is untouched (and overlapping): only the sibling counts
        "unchanged-oneOf-beside-a-widened-sibling",
        BASE,
        edited(BASE, "/properties/cache/type", ["boolean", "string", "null"]),
        BACKWARD_OK,
        (K.TYPE_WIDENED, "/properties/cache/type"),
        new_only={"cache": None},
    ),
    case(
        # a bound relaxed inside a definition that the unchanged oneOf reaches
        "bound-relaxed-beside-an-unchanged-oneOf",
        BASE,
        edited(BASE, f"{OPTIONS}/timeout/minimum", 0),
        BACKWARD_OK,
        (K.BOUND_RELAXED, f"{OPTIONS}/timeout/minimum"),
        new_only={"options": {"timeout": 0}},
    ),
    case(
        "optional-property-added-to-a-oneOf-branch-definition-with-a-description",
        d2020(
            type="object",
            properties={"name": STRING},
            additionalProperties=False,
            description="v1",
        ),
        d2020(
            type="object",
            properties={"name": STRING, "tags": {"type": "array", "items": STRING}},
            additionalProperties=False,
            description="v2: tags",
        ),
        BACKWARD_OK,
        (K.ANNOTATION_CHANGED, "/description"),
        (K.PROPERTY_ADDED, "/properties/tags"),
        new_only={"tags": []},
    ),
    # -- routine-looking updates that do break --------------------------------------------
    case(
        "enum-loses-a-value",
        BASE,
        edited(BASE, "/properties/version/enum", ["2"]),
        FORWARD_OK,
        (K.ENUM_NARROWED, "/properties/version/enum"),
        old_only={"version": "1"},
    ),
    case(
        "option-becomes-required",
        BASE,
        edited(BASE, "/required", ["options"]),
        FORWARD_OK,
        (K.REQUIRED_ADDED, "/required"),
        old_only={},
    ),
    case(
        "nullable-option-no-longer-null",
        d7(type="object", properties={"shell": {"type": ["string", "null"]}}),
        d7(type="object", properties={"shell": STRING}),
        FORWARD_OK,
        (K.TYPE_NARROWED, "/properties/shell/type"),
        old_only={"shell": None},
    ),
    case(
        # A description changed too, but a branch of the unchanged oneOf now requires more:
        # {"name": "x"} matched `named` only; now no branch. NEW accepts less, nothing new:
        # what matched `named` alone before either still does or now matches no branch.
        "definition-behind-an-unchanged-oneOf-gains-a-required-name",
        BASE,
        edited(
            edited(BASE, "/definitions/named/required", ["name", "run"]),
            "/definitions/named/description",
            "now needs run",
        ),
        FORWARD_OK,
        (K.ANNOTATION_CHANGED, "/definitions/named/description"),
        (K.REQUIRED_UNDECLARED_ADDED, "/definitions/named/required"),
        (K.ONE_OF_OVERLAP, "/properties/steps/items/oneOf"),
        old_only={"steps": [{"name": "x"}]},
        issue=conservative(
            "forward is rated breaking: the changed branch overlaps the `step` branch, and "
            "the engine does not see that the overlap only rejects more (oneOf family)",
            "forward",
        ),
    ),
    case(
        # A workflow's job is one of two closed objects told apart by a required name the
        # other one forbids; one of them gains an optional key. The oneOf still picks one.
        "closed-oneOf-branch-gains-an-optional-property",
        {
            "definitions": {"job": JOB, "call": CALL},
            "oneOf": [{"$ref": "#/definitions/job"}, {"$ref": "#/definitions/call"}],
        },
        {
            "definitions": {
                "job": {**JOB, "properties": {**JOB["properties"], "timeout": {"type": "integer"}}},
                "call": CALL,
            },
            "oneOf": [{"$ref": "#/definitions/job"}, {"$ref": "#/definitions/call"}],
        },
        BACKWARD_OK,
        (K.PROPERTY_ADDED, "/definitions/job/properties/timeout"),
        new_only={"runs-on": "x", "timeout": 1},
    ),
]


test_case_names_are_unique, test_verdicts_kinds_and_paths, test_rows_hold_for_a_validator = (
    table_tests(CASES)
)


def test_an_unchanged_big_schema_with_a_new_id_costs_no_budget() -> None:
    """Equal subtrees cost nothing: a schema far past the budget whose `$id` is bumped
    and one title edited at the end of a chain of 400 overlapping oneOfs."""
    definitions = {
        f"d{i}": {"oneOf": [STRING, {"$ref": f"#/definitions/d{i + 1}"}, NULL]} for i in range(400)
    }
    definitions["d400"] = INTEGER
    old = d7(**{"$id": "https://example.com/a/1.json"}, definitions=definitions, allOf=[
        {"$ref": f"#/definitions/d{i}"} for i in range(0, 400, 7)
    ])  # fmt: skip
    new = {**fresh(old), "$id": "https://example.com/a/2.json"}
    new["definitions"]["d399"]["title"] = "deep in the chain"  # every ancestor now differs
    for budget in (1, 20_000):
        result = diff_schemas(old, new, mode="full", policy="strict", budget=budget)
        assert result.compatible, json.dumps([c.to_dict() for c in result.changes])
        found = sorted((c.kind.value, c.path) for c in result.changes)
        assert found == [
            ("annotation_changed", "/definitions/d399/title"),
            ("metadata_changed", "/$id"),
        ]


def test_annotation_changes_behind_an_unchanged_reference_are_reported_as_such() -> None:
    """A definition that differs in annotations only, reached by a skipped equal part,
    is documentation: not "referenced from a place this engine does not compare"."""
    old = edited(BASE, "/properties/cache/type", "boolean")
    new = edited(config(), "/definitions/step/properties/run/title", "Command")
    result = diff_schemas(old, new, mode="backward", policy="lenient")
    assert result.compatible, json.dumps([c.to_dict() for c in result.changes])
    kinds = {(c.kind, c.path) for c in result.changes}
    assert (K.ANNOTATION_CHANGED, "/definitions/step/properties/run/title") in kinds
    assert all(c.kind in COSMETIC_KINDS for c in result.changes if c.path.startswith("/defin"))


def test_a_branch_is_paired_with_its_own_edit_when_pairs_break_alike() -> None:
    """Details point at the edited branch, not at another branch that breaks as much."""
    old = {"anyOf": [{"allOf": [{"anyOf": [STRING, INTEGER]}, {"minLength": 1}]}, NULL]}
    new = {
        "anyOf": [
            {"allOf": [{"anyOf": [STRING, INTEGER, {"type": "boolean"}]}, {"minLength": 2}]},
            NULL,
        ]
    }
    result = diff_schemas(old, new, mode="backward", policy="strict")
    assert not result.compatible
    assert sorted((c.kind.value, c.path) for c in result.changes) == [
        ("bound_tightened", "/anyOf/0/allOf/1/minLength"),
        ("sum_type_extended", "/anyOf/0/allOf/0/anyOf"),
    ]
