"""Equal parts are equal: an annotation-only edit is cosmetic in every mode and policy.

Issue 11: a title edit alone was called breaking (an unchanged `oneOf` with a `$ref`
branch was judged for overlap), and vendor keywords (`markdownDescription`, `x-…`)
were unsupported keywords. Parts equal as JSON whose references lead to equal
definitions are now recognised before any branch or overlap reasoning.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from drift.diff import diff_schemas
from drift.diff.model import COSMETIC_KINDS
from tests.conftest import shared_path

MODES = ("backward", "forward", "full")
# Maps from names to schemas (or to name lists): their own keys are names, not keywords.
NAME_TABLES = frozenset(
    {"properties", "$defs", "definitions", "patternProperties", "dependencies",
     "dependentSchemas", "dependentRequired"}
)  # fmt: skip
POLICIES = ("strict", "lenient")
EDITS: tuple[tuple[str, Any], ...] = (
    ("title", "edited title"),
    ("description", "reworded"),
    ("$comment", "a note"),
    ("markdownDescription", "**vendor**"),
    ("x-tombi-table-keys-order", "schema"),
    ("enumDescriptions", ["one"]),
)


def assert_cosmetic(old: Any, new: Any) -> None:
    for mode in MODES:
        for policy in POLICIES:
            result = diff_schemas(old, new, mode=mode, policy=policy)
            kinds = [change.kind for change in result.changes]
            assert result.compatible, (mode, policy, [c.to_dict() for c in result.changes])
            assert all(kind in COSMETIC_KINDS for kind in kinds), (mode, policy, kinds)


def test_the_minimal_one_of_case_from_the_issue() -> None:
    old = {
        "definitions": {"d": {"type": "integer"}},
        "oneOf": [{"type": "string"}, {"allOf": [{"$ref": "#/definitions/d"}]}],
    }
    assert_cosmetic(old, {**old, "title": "x"})


def test_vendor_keywords_are_documentation_and_say_so() -> None:
    old = {"type": "object", "markdownDescription": "a", "x-order": 1, "maxItems:": 3}
    new = {"type": "object", "markdownDescription": "b", "x-order": 2, "maxItems:": 4}
    result = diff_schemas(old, new, mode="full", policy="strict")
    assert result.compatible
    assert {c.path for c in result.changes} == {"/markdownDescription", "/x-order", "/maxItems:"}
    assert all("documentation only" in c.message for c in result.changes)


@pytest.mark.parametrize("keyword", ["then", "contentSchema", "$dynamicRef", "divisibleBy"])
def test_draft_keywords_the_engine_does_not_model_stay_conservative(keyword: str) -> None:
    old = {"type": "object", keyword: {"required": ["a"]}}
    new = {"type": "object", keyword: {"required": ["b"]}}
    assert not diff_schemas(old, new, mode="backward", policy="lenient").compatible


# saucectl's schema bundles its runners' schemas, each with its own `$id`, under
# `allOf[i].then`, with references to another document beside them.
BUNDLED: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "if": {"properties": {"kind": {"const": "cypress"}}},
    "then": {
        "$id": "https://example.com/schema/cypress.json",
        "properties": {"mode": {"$ref": "../common.json#/definitions/mode"}},
    },
    "properties": {"kind": {"type": "string"}},
}


def test_a_title_beside_a_reference_to_another_document_in_a_bundle_is_cosmetic() -> None:
    """The reference may name the other document or a resource the bundle embeds: the
    bundle embeds the same resources on both sides, alike, so it means alike content."""
    new = copy.deepcopy(BUNDLED)
    new["then"]["title"] = "edited"
    assert_cosmetic(BUNDLED, new)


def test_a_bundle_whose_embedded_resources_changed_stays_conservative() -> None:
    new = copy.deepcopy(BUNDLED)
    new["then"]["title"] = "edited"
    new["properties"]["kind"] = {"$id": "https://example.com/common.json", "type": "string"}
    result = diff_schemas(BUNDLED, new, mode="backward", policy="lenient")
    assert "/then" in {c.path for c in result.changes if c.kind.value == "unsupported_keyword"}


def test_an_annotation_edit_in_then_beside_a_real_change_is_documentation() -> None:
    """`then` is not modelled, but one alike on both sides validates as before."""
    old = {
        "type": "object",
        "if": {"required": ["a"]},
        "then": {"required": ["b"], "properties": {"b": {"$ref": "#/definitions/d"}}},
        "definitions": {"d": {"type": "string"}},
    }
    new = copy.deepcopy(old)
    new["then"]["title"] = "edited"
    new["definitions"]["d"]["description"] = "reworded"
    new["properties"] = {"c": {}}
    result = diff_schemas(old, new, mode="backward", policy="lenient")
    assert result.compatible, [c.to_dict() for c in result.changes]
    assert {c.path for c in result.changes} == {
        "/properties/c",
        "/then/title",
        "/definitions/d/description",
    }
    new["definitions"]["d"]["type"] = "integer"  # {"a": 1, "b": "x"}: OLD only
    assert not diff_schemas(old, new, mode="backward", policy="lenient").compatible


def test_a_changed_definition_behind_an_equal_reference_is_still_seen() -> None:
    old = {
        "$defs": {"d": {"type": "integer"}},
        "oneOf": [{"type": "string"}, {"$ref": "#/$defs/d"}],
    }
    new = copy.deepcopy(old)
    new["$defs"]["d"]["type"] = "number"
    assert diff_schemas(old, new, mode="backward", policy="strict").compatible
    assert not diff_schemas(old, new, mode="forward", policy="strict").compatible


def _dict_nodes(schema: Any, limit: int = 60) -> Iterator[list[str | int]]:
    """Paths (key lists) to the first `limit` object nodes, breadth first."""
    queue: list[tuple[Any, list[str | int]]] = [(schema, [])]
    count = 0
    while queue and count < limit:
        node, path = queue.pop(0)
        if isinstance(node, dict):
            count += 1
            yield path
            queue += [(value, [*path, key]) for key, value in node.items()]
        elif isinstance(node, list):
            queue += [(value, [*path, index]) for index, value in enumerate(node)]


def _edited(schema: Any, path: list[str | int], key: str, value: Any) -> Any:
    copied = copy.deepcopy(schema)
    node = copied
    for step in path:
        node = node[step]
    node[key] = value
    return copied


def _schemas() -> Iterator[Any]:
    folder = shared_path("fixtures", "market-data-store", "v1")
    for file in sorted(folder.glob("telemetry.*.json")):
        yield json.loads(file.read_text(encoding="utf-8"))
    for name in ("diff-schema-examples.json", "diff-combined-schema-examples.json"):
        for case in json.loads(shared_path("peer", "confluent", name).read_text()):
            yield case["original_schema"]
            yield case["update_schema"]


@pytest.mark.shared
def test_annotation_edits_at_every_depth_of_real_schemas_are_cosmetic() -> None:
    """The real fixtures and Confluent's schemas, each against itself edited at each node."""
    checked = 0
    for schema in _schemas():
        if not isinstance(schema, dict):
            continue
        for number, path in enumerate(_dict_nodes(schema)):
            # Inside `properties`/`$defs` maps a dict is a name table, not a schema.
            if path and path[-1] in NAME_TABLES:
                continue
            key, value = EDITS[number % len(EDITS)]
            assert_cosmetic(schema, _edited(schema, path, key, value))
            checked += 1
    assert checked > 300


@pytest.mark.parametrize(
    ("closed", "added", "removed"),
    [
        (False, "before, any value was allowed", "now any value is allowed"),
        (True, "before, it was not allowed", "now it is not allowed"),
    ],
)
def test_messages_read_in_the_right_tense(closed: bool, added: str, removed: str) -> None:
    small: dict[str, Any] = {"type": "object", "properties": {"a": {}}}
    big: dict[str, Any] = {"type": "object", "properties": {"a": {}, "b": {}}}
    if closed:
        small["additionalProperties"] = big["additionalProperties"] = False
    [grown] = diff_schemas(small, big, mode="full").changes
    [shrunk] = diff_schemas(big, small, mode="full").changes
    assert added in grown.message
    assert removed in shrunk.message
